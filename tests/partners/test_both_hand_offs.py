"""Programs with both hand-offs: the client receives the lead, then a partner follows it up."""

from collections.abc import Callable, Iterator

import pytest
from django.db import transaction
from django.test import override_settings

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import LeadStatus
from leadflow.delivery.models import DeliveryItem
from leadflow.delivery.services import delivery_batch_run
from leadflow.guarantees.services import dispute_raise
from leadflow.leads.models import Lead
from leadflow.leads.selectors import lead_scope
from leadflow.lib.events import announce
from leadflow.partners.models import Assignment, Partner
from leadflow.programs.models import Client, HandOffMode, Program
from leadflow.programs.services import program_create
from tests.conftest import NOW
from tests.tasks import IMMEDIATE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("_immediate")]


@pytest.fixture
def _immediate() -> Iterator[None]:
    with override_settings(TASKS=IMMEDIATE):
        yield


@pytest.fixture
def both_program(client_a: Client) -> Program:
    return program_create(
        client=client_a,
        name="Acme Both",
        slug="acme-both",
        hand_off_mode=HandOffMode.BOTH,
        actor=None,
        now=NOW,
    )


def _approve(lead: Lead) -> None:
    with transaction.atomic():
        announce("leads.approved", lead_ids=[lead.pk], now=NOW)


def test_a_hot_lead_is_delivered_at_once_then_routed_to_a_partner(
    both_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
    make_user: Callable[..., User],
) -> None:
    partner = make_partner()
    lead = make_approved(both_program, rating="hot")
    _approve(lead)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED
    assert DeliveryItem.objects.filter(lead=lead).exists()
    assert Assignment.objects.active().get(lead=lead).partner == partner
    contact = make_user(Role.CLIENT, clients=(both_program.client,))
    assert list(lead_scope(user=contact)) == [lead]  # the client keeps what it received


def test_a_lead_is_routed_after_the_batch_that_delivers_it(
    both_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    make_partner()
    lead = make_approved(both_program, rating="a")
    _approve(lead)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.APPROVED  # waits for the client's batch, not routed yet
    assert not Assignment.objects.filter(lead=lead).exists()
    result = delivery_batch_run(program=both_program, now=NOW)
    assert result.delivered == 1
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED


def test_a_partner_program_routes_on_approval(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    partner = make_partner()
    lead = make_approved(partner_program, rating="b")
    _approve(lead)
    assert Assignment.objects.active().get(lead=lead).partner == partner
    assert not DeliveryItem.objects.filter(lead=lead).exists()


def test_the_client_may_dispute_a_lead_a_partner_now_follows_up(
    both_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
    make_user: Callable[..., User],
) -> None:
    make_partner()
    lead = make_approved(both_program, rating="hot")
    _approve(lead)
    contact = make_user(Role.CLIENT, clients=(both_program.client,))
    dispute = dispute_raise(
        lead_id=lead.pk, user=contact, reason="Contact unreachable", note="", now=NOW
    )
    assert dispute.delivery_item.lead == lead
