"""A person sees only what their role and scope allow; out of scope is not found."""

from collections.abc import Callable

import pytest

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import Action
from leadflow.delivery.services import hot_leads_deliver
from leadflow.leads.models import Lead
from leadflow.leads.selectors import lead_get, lead_scope
from leadflow.leads.services import lead_transition
from leadflow.programs.models import Client, Program
from tests.conftest import NOW


def test_a_qualifier_sees_the_leads_of_their_programs_only(
    program: Program,
    other_program: Program,
    make_lead: Callable[..., Lead],
    make_user: Callable[..., User],
) -> None:
    mine, theirs = make_lead(program), make_lead(other_program)
    qualifier = make_user(Role.QUALIFIER, programs=(program,))
    assert list(lead_scope(user=qualifier)) == [mine]
    with pytest.raises(Lead.DoesNotExist):
        lead_get(user=qualifier, lead_id=theirs.pk)


def test_a_client_scope_covers_every_program_of_that_client(
    client_a: Client,
    program: Program,
    other_program: Program,
    make_lead: Callable[..., Lead],
    make_user: Callable[..., User],
) -> None:
    lead = make_lead(program)
    make_lead(other_program)
    manager = make_user(Role.MANAGER, clients=(client_a,))
    assert list(lead_scope(user=manager)) == [lead]


def test_an_admin_sees_every_lead(
    program: Program,
    other_program: Program,
    make_lead: Callable[..., Lead],
    make_user: Callable[..., User],
) -> None:
    make_lead(program), make_lead(other_program)
    assert lead_scope(user=make_user(Role.ADMIN)).count() == 2


def test_a_client_contact_sees_only_delivered_leads_of_their_client(
    client_a: Client,
    program: Program,
    make_lead: Callable[..., Lead],
    make_user: Callable[..., User],
) -> None:
    waiting, delivered = make_lead(program), make_lead(program)  # both Hot
    for action in (Action.SUBMIT_FOR_REVIEW, Action.APPROVE):
        delivered = lead_transition(lead=delivered, action=action, actor=None, now=NOW)
    hot_leads_deliver(lead_ids=[delivered.pk], now=NOW)
    contact = make_user(Role.CLIENT, clients=(client_a,))
    assert list(lead_scope(user=contact)) == [delivered]
    with pytest.raises(Lead.DoesNotExist):
        lead_get(user=contact, lead_id=waiting.pk)


def test_a_user_with_no_role_sees_nothing(
    program: Program, make_lead: Callable[..., Lead], make_user: Callable[..., User]
) -> None:
    make_lead(program)
    assert lead_scope(user=make_user(programs=(program,))).count() == 0
