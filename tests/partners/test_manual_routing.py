"""A manager's way out of the routing queue and reassignment (issue 17, H2), through the
services: why a lead waits (every partner, not only those of its country), assigning it to a
chosen partner as an override with fresh clocks, back to review, to nurture, the alert on
leads that wait too long, and taking a lead from its partner to another one or to the queue."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import LeadStatus
from leadflow.core.routing import TerritoryRule
from leadflow.core.sla import SlaTerms
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.selectors import lead_scope
from leadflow.notifications.selectors import outbox_messages
from leadflow.partners.models import (
    Assignment,
    EndReason,
    Partner,
    PartnerType,
    RoutingQueueEntry,
    Violation,
)
from leadflow.partners.selectors import lead_partner_fits, partner_assignment_get
from leadflow.partners.services import (
    PartnerInputError,
    leads_route,
    sla_policy_set,
    sla_sweep,
)
from leadflow.partners.services.manual import (
    lead_queue_nurture,
    lead_reassign_to,
    lead_review_return,
    lead_route_manual,
    routing_queue_alert,
)
from leadflow.partners.services.notify import notifications_send
from leadflow.programs.models import Program
from tests.factories import NOW
from tests.partners.conftest import member

pytestmark = pytest.mark.django_db
GB = (TerritoryRule("GB"),)


@pytest.fixture
def manager(make_user: Callable[..., User], partner_program: Program) -> User:
    user = make_user(Role.MANAGER, clients=(partner_program.client,))
    user.email = "sales-manager@acme.example"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def london(make_partner: Callable[..., Partner]) -> Partner:
    """A partner that covers Great Britain only: never eligible for a Californian lead."""
    return make_partner(
        "Thames IT", territories=GB, country="GB", subdivision="ENG", timezone="Europe/London"
    )


@pytest.fixture
def waiting(partner_program: Program, make_approved: Callable[..., Lead], london: Partner) -> Lead:
    """A Californian A lead that no partner covers: it waits in the routing queue."""
    lead = make_approved(partner_program, "a", company="Waiting Co")
    (result,) = leads_route(lead_ids=[lead.pk], now=NOW)
    assert result.status == "queued"
    lead.refresh_from_db()
    return lead


def test_the_queue_says_why_each_partner_of_the_client_cannot_take_the_lead(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
    london: Partner,
) -> None:
    full = make_partner("Full House", capacity=1)
    make_partner("Agency", type=PartnerType.AGENCY)
    (first,) = leads_route(lead_ids=[make_approved(partner_program, "a").pk], now=NOW)
    assert first.partner_id == full.pk
    lead = make_approved(partner_program, "b")
    leads_route(lead_ids=[lead.pk], now=NOW)
    entry = RoutingQueueEntry.objects.get(lead=lead)
    # The stored reason names the partners of the lead's country and counts the others.
    assert entry.reason.startswith("no eligible partner among 3: Full House: at capacity")
    assert "1 other partner(s) do not cover US" in entry.reason
    fits = {fit.name: fit for fit in lead_partner_fits(leads=[lead], now=NOW)[lead.pk]}
    assert set(fits) == {"Thames IT", "Full House", "Agency"}
    assert fits["Thames IT"].reasons == ("does not cover US-CA (covers GB)",)
    assert fits["Full House"].reasons == ("at capacity (1 of 1 open leads)",)
    assert fits["Agency"].reasons == ("agency partners receive no pre-qualified leads",)
    assert fits["Thames IT"].choosable
    assert fits["Full House"].choosable
    assert not fits["Agency"].choosable


def test_a_manager_assigns_a_waiting_lead_to_a_chosen_partner_with_fresh_clocks(
    waiting: Lead, london: Partner, manager: User
) -> None:
    at = NOW + timedelta(hours=2)
    assignment = lead_route_manual(
        lead=waiting,
        partner_id=london.pk,
        user=manager,
        reason="Thames covers it by contract",
        now=at,
    )
    assert (assignment.partner, assignment.assigned_at, assignment.assigned_by) == (
        london,
        at,
        manager,
    )
    assert assignment.claim_due > at
    assert assignment.contact_due > at
    assert assignment.next_due is not None  # the SLA sweep watches it like any other
    assert assignment.routing["override"] is True
    assert assignment.routing["overridden"] == ["does not cover US-CA (covers GB)"]
    waiting.refresh_from_db()
    assert waiting.status == LeadStatus.ASSIGNED
    assert not RoutingQueueEntry.objects.filter(lead=waiting).exists()
    event = waiting.events.filter(action="assign").get()
    assert event.actor == manager
    assert event.reason == (
        "assigned by hand to Thames IT: Thames covers it by contract "
        "(rules set aside: does not cover US-CA (covers GB))"
    )
    assert partner_assignment_get(user=member(london), lead_id=waiting.pk) == assignment
    assert outbox_messages(key_prefix=f"partner-notify:assignment:{assignment.pk}").count() == 1


def test_a_manual_assignment_needs_a_reason_and_writes_nothing_without_one(
    waiting: Lead, london: Partner, manager: User
) -> None:
    with pytest.raises(PartnerInputError, match="say why"):
        lead_route_manual(lead=waiting, partner_id=london.pk, user=manager, reason=" ", now=NOW)
    waiting.refresh_from_db()
    assert waiting.status == LeadStatus.APPROVED
    assert RoutingQueueEntry.objects.filter(lead=waiting).exists()
    assert not Assignment.objects.filter(lead=waiting).exists()


def test_a_flow_disabled_or_agency_partner_cannot_be_chosen(
    waiting: Lead, make_partner: Callable[..., Partner], manager: User
) -> None:
    stopped = make_partner("Stopped")
    Partner.objects.filter(pk=stopped.pk).update(flow_enabled=False)
    agency = make_partner("Agency", type=PartnerType.AGENCY)
    with pytest.raises(PartnerInputError, match="re-enable it"):
        lead_route_manual(lead=waiting, partner_id=stopped.pk, user=manager, reason="x", now=NOW)
    with pytest.raises(PartnerInputError, match="agency partners"):
        lead_route_manual(lead=waiting, partner_id=agency.pk, user=manager, reason="x", now=NOW)
    assert not Assignment.objects.filter(lead=waiting).exists()


def test_a_waiting_lead_goes_back_to_review_with_the_reason_in_its_history(
    waiting: Lead, manager: User
) -> None:
    lead_review_return(lead=waiting, user=manager, reason="Country looks wrong", now=NOW)
    waiting.refresh_from_db()
    assert waiting.status == LeadStatus.IN_REVIEW
    assert not RoutingQueueEntry.objects.filter(lead=waiting).exists()
    event = waiting.events.filter(action="return_to_review").get()
    assert event.reason == "sent back to review from the routing queue: Country looks wrong"


def test_a_waiting_lead_moves_to_nurture(waiting: Lead, manager: User) -> None:
    lead_queue_nurture(lead=waiting, user=manager, reason="No partner until spring", now=NOW)
    waiting.refresh_from_db()
    assert waiting.status == LeadStatus.NURTURING
    assert not RoutingQueueEntry.objects.filter(lead=waiting).exists()
    with pytest.raises(PartnerInputError, match="no longer waits"):
        lead_queue_nurture(lead=waiting, user=manager, reason="again", now=NOW)


def test_a_lead_waiting_past_the_limit_alerts_the_program_s_managers_once(
    waiting: Lead, manager: User
) -> None:
    # Queued Monday 14:30 UTC: the limit is the end of Tuesday.
    assert routing_queue_alert(now=NOW + timedelta(hours=30)).alerted == 0
    result = routing_queue_alert(now=NOW + timedelta(days=1, hours=10))
    assert (result.alerted, result.emails) == (1, 1)
    (message,) = outbox_messages(key_prefix=f"routing-alert:{waiting.pk}:")
    assert message.content["to"] == [manager.email]
    assert "A lead waiting for a partner for more than 1 working day" in message.content["subject"]
    assert "/partners/manage/queue/" in message.content["body"]
    alert = waiting.events.get(kind=EventKind.ALERT)
    assert alert.reason == "A lead waiting for a partner for more than 1 working day"
    assert routing_queue_alert(now=NOW + timedelta(days=3)).alerted == 0


def test_a_hot_lead_alerts_after_four_hours(
    partner_program: Program, make_approved: Callable[..., Lead], london: Partner, manager: User
) -> None:
    lead = make_approved(partner_program, "hot")
    leads_route(lead_ids=[lead.pk], now=NOW)
    assert routing_queue_alert(now=NOW + timedelta(hours=3, minutes=59)).alerted == 0
    assert routing_queue_alert(now=NOW + timedelta(hours=4, minutes=1)).alerted == 1


@pytest.fixture
def held(
    partner_program: Program,
    make_approved: Callable[..., Lead],
    make_partner: Callable[..., Partner],
) -> Assignment:
    first = make_partner("First", program_level="platinum")
    make_partner("Second", program_level="gold")
    lead = make_approved(partner_program, "a")
    (result,) = leads_route(lead_ids=[lead.pk], now=NOW)
    assignment = Assignment.objects.get(pk=result.assignment_id)
    assert assignment.partner == first
    return assignment


def test_a_manager_reassigns_a_lead_to_a_chosen_partner_and_the_first_loses_it(
    held: Assignment, london: Partner, manager: User
) -> None:
    first, lead = held.partner, held.lead
    later = NOW + timedelta(hours=1)
    lead_reassign_to(
        lead=lead, user=manager, reason="Customer asked for UK", now=later, partner_id=london.pk
    )
    held.refresh_from_db()
    assert (held.ended_at, held.end_reason) == (later, EndReason.REASSIGNED)
    with pytest.raises(Assignment.DoesNotExist):
        partner_assignment_get(user=member(first), lead_id=lead.pk)
    assert not lead_scope(user=member(first)).filter(pk=lead.pk).exists()
    now_held = partner_assignment_get(user=member(london), lead_id=lead.pk)
    assert now_held.assigned_at == later
    event = lead.events.filter(action="assign").order_by("-id").first()
    assert event is not None
    assert event.reason.startswith("assigned by hand to Thames IT: reassigned from First: Customer")
    assert event.actor == manager


def test_a_manager_sends_a_held_lead_back_to_the_routing_queue(
    held: Assignment, manager: User
) -> None:
    lead = held.lead
    lead_reassign_to(lead=lead, user=manager, reason="Partner is closing", now=NOW, partner_id=None)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.APPROVED
    assert not lead_scope(user=member(held.partner)).filter(pk=lead.pk).exists()
    entry = RoutingQueueEntry.objects.get(lead=lead)
    assert entry.reason == "taken from First by a manager: Partner is closing"
    event = lead.events.filter(action="unassign").get()
    assert event.reason.endswith("back to the routing queue")


def test_a_reassignment_needs_a_reason(held: Assignment, manager: User) -> None:
    with pytest.raises(PartnerInputError, match="say why"):
        lead_reassign_to(lead=held.lead, user=manager, reason="", now=NOW, partner_id=None)
    held.refresh_from_db()
    assert held.ended_at is None


def test_the_missed_clock_e_mail_says_the_lead_waits_in_the_routing_queue(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    only = make_partner("Only")
    lead = make_approved(partner_program, "hot")
    (result,) = leads_route(lead_ids=[lead.pk], now=NOW)
    assignment = Assignment.objects.get(pk=result.assignment_id)
    sla_sweep(now=assignment.contact_due + timedelta(minutes=1))
    notifications_send(
        assignment_ids=[],
        violation_ids=list(Violation.objects.values_list("pk", flat=True)),
        now=NOW,
    )
    (message,) = outbox_messages(key_prefix=f"partner-violation:{only.pk}:")
    body = message.content["body"]
    assert "missed “first contact within 1 working day of assignment”" in body
    assert "it waits in the routing queue for a partner" in body


def test_a_program_with_its_own_limit_alerts_at_its_limit_and_not_at_the_default(
    waiting: Lead, manager: User, partner_program: Program
) -> None:
    sla_policy_set(program=partner_program, terms=SlaTerms(queue_limit_working_days=3))
    # Queued Monday 14:30 UTC. The default limit (end of Tuesday) has passed: no alert.
    assert routing_queue_alert(now=NOW + timedelta(days=1, hours=10)).alerted == 0
    # The program's limit is the end of Thursday, the third working day after Monday.
    assert routing_queue_alert(now=NOW + timedelta(days=3, hours=9)).alerted == 0
    result = routing_queue_alert(now=NOW + timedelta(days=3, hours=10))
    assert (result.alerted, result.emails) == (1, 1)
    alert = waiting.events.get(kind=EventKind.ALERT)
    assert alert.reason == "A lead waiting for a partner for more than 3 working days"
    (message,) = outbox_messages(key_prefix=f"routing-alert:{waiting.pk}:")
    assert "more than 3 working days" in message.content["subject"]


def test_a_hot_lead_alerts_after_the_program_s_hours(
    partner_program: Program, make_approved: Callable[..., Lead], london: Partner, manager: User
) -> None:
    sla_policy_set(program=partner_program, terms=SlaTerms(queue_limit_hot_hours=1))
    lead = make_approved(partner_program, "hot", company="Hot Co")
    assert leads_route(lead_ids=[lead.pk], now=NOW)[0].status == "queued"
    assert routing_queue_alert(now=NOW + timedelta(minutes=59)).alerted == 0
    assert routing_queue_alert(now=NOW + timedelta(minutes=61)).alerted == 1
    alert = lead.events.get(kind=EventKind.ALERT)
    assert alert.reason == "Hot lead waiting for a partner for more than 1 hour"
