"""Deal registration (issue 20, item 4): a partner's own prospect comes in through the capture
path as ``sales_prospecting``, qualifies like any lead, and once approved is the registering
partner's for the protection period; a prospect already known is refused without saying who
holds it."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import override_settings

from leadflow.core.enums import Channel
from leadflow.core.lifecycle import Action
from leadflow.intake.services.prepare import IntakeRejected
from leadflow.leads.models import Lead, LeadEvent
from leadflow.partners.handlers import leads_approved
from leadflow.partners.models import Assignment, Partner, RegistrationStatus
from leadflow.partners.services import leads_route
from leadflow.partners.services.registrations import (
    REFUSED_HELD,
    REFUSED_PIPELINE,
    REFUSED_REGISTERED,
    REFUSED_YOURS,
    Prospect,
    RegistrationDecided,
    deal_register,
    registration_decide,
    registration_terms_set,
)
from leadflow.programs.models import Program
from tests import factories
from tests.conftest import NOW
from tests.factories import ANSWERS, STEPS_TO, lead_walk, member
from tests.tasks import IMMEDIATE

pytestmark = pytest.mark.django_db

GRACE = Prospect(
    first_name="Grace",
    last_name="Hopper",
    email="grace@cobol.example",
    company="Cobol Systems",
    country="US",
    state="CA",
    answers=dict(ANSWERS["a"]),
)


def register(partner: Partner, program: Program, prospect: Prospect = GRACE, **kw: object):  # type: ignore[no-untyped-def]
    return deal_register(
        partner=partner,
        program=program,
        prospect=prospect,
        user=member(partner),
        now=kw.pop("now", NOW),  # type: ignore[arg-type]
    )


def approve(lead: Lead, at=NOW) -> Lead:  # type: ignore[no-untyped-def]
    """QA approves the lead, and the partners' handler of ``leads.approved`` runs (the event
    bus runs it after the commit, which a test's transaction never reaches)."""
    lead = lead_walk(lead, (Action.START_QUALIFYING, *STEPS_TO["approved"]), at=at)
    leads_approved(lead_ids=[lead.pk], now=at)
    return lead


def test_an_accepted_registration_qualifies_and_goes_to_its_partner(
    partner_program: Program, make_partner: Callable[..., Partner]
) -> None:
    other = make_partner()  # first in the ranking: would receive it by routing
    finder = make_partner(territories=())  # outside every territory: routing would skip it
    registration = register(finder, partner_program)
    assert registration.status == RegistrationStatus.ACCEPTED
    assert registration.protected_until == NOW + timedelta(days=90)
    lead = Lead.objects.get(pk=registration.lead_id)
    assert lead.channel == Channel.SALES_PROSPECTING
    assert lead.rating == "a"
    assert LeadEvent.objects.filter(lead=lead, action="deal_registered").exists()
    approve(lead, at=NOW + timedelta(days=1))
    held = Assignment.objects.active().get(lead=lead)
    assert held.partner == finder
    assert held.partner != other
    assert held.claim_due > NOW + timedelta(days=1)  # the usual clocks


def test_protection_ends_after_the_period(
    partner_program: Program, make_partner: Callable[..., Partner]
) -> None:
    other = make_partner()
    finder = make_partner(territories=())
    registration_terms_set(program=partner_program, protection_days=10, approval_required=False)
    registration = register(finder, partner_program)
    assert registration.protected_until == NOW + timedelta(days=10)
    lead = approve(Lead.objects.get(pk=registration.lead_id), at=NOW + timedelta(days=11))
    assert Assignment.objects.active().get(lead=lead).partner == other


def test_a_known_prospect_is_refused_without_naming_who_holds_it(
    partner_program: Program, make_partner: Callable[..., Partner]
) -> None:
    first, second = make_partner(name="First Reseller"), make_partner(name="Second Reseller")
    register(first, partner_program)
    refused = register(second, partner_program, Prospect(**{**GRACE.__dict__, "phone": ""}))
    assert refused.status == RegistrationStatus.REFUSED
    assert refused.reason == REFUSED_REGISTERED
    assert "First" not in refused.reason
    assert Lead.objects.count() == 1  # nothing merged, nothing created
    again = register(first, partner_program)
    assert again.reason == REFUSED_YOURS


def test_a_lead_held_by_a_partner_or_in_the_pipeline_is_refused(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    holder, finder = make_partner(name="Holder"), make_partner(name="Finder")
    held = make_approved(partner_program, email="held@example.com")
    leads_route(lead_ids=[held.pk], now=NOW)
    assert Assignment.objects.active().get(lead=held).partner == holder
    refused = register(finder, partner_program, Prospect(email="held@example.com", company="X"))
    assert (refused.status, refused.reason) == (RegistrationStatus.REFUSED, REFUSED_HELD)
    assert "Holder" not in refused.reason
    factories.lead(program=partner_program, email="new@example.com", first_name="N")
    refused = register(finder, partner_program, Prospect(email="new@example.com"))
    assert refused.reason == REFUSED_PIPELINE


def test_bad_input_is_rejected_and_nothing_written(
    partner_program: Program, make_partner: Callable[..., Partner]
) -> None:
    partner = make_partner()
    with pytest.raises(IntakeRejected):
        register(partner, partner_program, Prospect(company="Nobody to reach"))
    assert not partner.registrations.exists()
    assert not Lead.objects.exists()


def test_approval_by_a_manager(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_user: Callable[..., object],
) -> None:
    from leadflow.accounts.models import Role

    manager = make_user(Role.MANAGER)
    make_partner()
    finder = make_partner(territories=())
    registration_terms_set(program=partner_program, protection_days=30, approval_required=True)
    registration = register(finder, partner_program)
    assert registration.status == RegistrationStatus.PENDING
    lead = approve(Lead.objects.get(pk=registration.lead_id))
    assert not Assignment.objects.filter(lead=lead).exists()  # waits for the decision
    later = NOW + timedelta(hours=2)
    decided = registration_decide(
        registration=registration,
        approve=True,
        user=manager,
        reason="",
        now=later,  # type: ignore[arg-type]
    )
    assert decided.protected_until == later + timedelta(days=30)
    assert Assignment.objects.active().get(lead=lead).partner == finder
    with pytest.raises(RegistrationDecided):
        registration_decide(
            registration=registration,
            approve=False,
            user=manager,
            reason="x",
            now=later,  # type: ignore[arg-type]
        )


def test_a_rejected_registration_is_routed_as_any_lead(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_user: Callable[..., object],
) -> None:
    from leadflow.accounts.models import Role

    manager = make_user(Role.MANAGER)
    other = make_partner()
    finder = make_partner(territories=())
    registration_terms_set(program=partner_program, protection_days=30, approval_required=True)
    registration = register(finder, partner_program)
    lead = approve(Lead.objects.get(pk=registration.lead_id))
    decided = registration_decide(
        registration=registration,
        approve=False,
        user=manager,  # type: ignore[arg-type]
        reason="Already in talks with our direct team",
        now=NOW,
    )
    assert decided.status == RegistrationStatus.REJECTED
    assert Assignment.objects.active().get(lead=lead).partner == other


@pytest.mark.django_db(transaction=True)
def test_the_hand_over_runs_after_the_commit_as_in_production(
    partner_program: Program, make_partner: Callable[..., Partner]
) -> None:
    """The bus runs ``leads.approved`` handlers after the commit, in autocommit: the
    registered hand-over opens its own transaction for the row it locks."""
    make_partner()
    finder = make_partner(territories=())
    registration = register(finder, partner_program)
    lead = Lead.objects.get(pk=registration.lead_id)
    with override_settings(TASKS=IMMEDIATE):
        lead_walk(lead, (Action.START_QUALIFYING, *STEPS_TO["approved"]), at=NOW)
    held = Assignment.objects.active().get(lead=lead)
    assert held.partner == finder
    assert LeadEvent.objects.filter(lead=lead, action=Action.ASSIGN).count() == 1
