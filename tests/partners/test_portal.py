"""What a partner's user does with a lead: claim, decline, first contact, outcome; and what a
manager does: re-enable a partner's lead flow, reassign a lead."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from leadflow.accounts.models import Role, User
from leadflow.core.errors import InvalidTransition
from leadflow.core.routing import CapacityReached
from leadflow.core.sla import ClockMissed
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.selectors import lead_get, lead_scope
from leadflow.partners.models import (
    Assignment,
    Decline,
    FlowChange,
    Partner,
    RoutingQueueEntry,
    Violation,
)
from leadflow.partners.selectors import (
    lead_clocks,
    partner_assignment_get,
    partner_inbox,
    partner_record,
)
from leadflow.partners.services import (
    PartnerInputError,
    lead_claim,
    lead_contact_record,
    lead_decline,
    lead_outcome_record,
    lead_reassign,
    leads_route,
    partner_capacity_set,
    partner_flow_enable,
    sla_sweep,
)
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.partners.conftest import member

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


@pytest.fixture
def routed(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> tuple[Lead, Partner, Partner]:
    """A lead assigned to the first of two partners."""
    first = make_partner("First", program_level="platinum")
    second = make_partner("Second", program_level="gold")
    lead = make_approved(partner_program, "a")
    leads_route(lead_ids=[lead.pk], now=NOW)
    return lead, first, second


def _status(lead: Lead) -> str:
    lead.refresh_from_db()
    return lead.status


# --- claim ------------------------------------------------------------------------------------


def test_claiming_meets_the_claim_clock(routed: tuple[Lead, Partner, Partner]) -> None:
    lead, first, _ = routed
    user = member(first)
    lead_claim(lead_id=lead.pk, user=user, now=NOW + HOUR)
    assert _status(lead) == "claimed"
    assignment = partner_assignment_get(user=user, lead_id=lead.pk)
    assert (assignment.claimed_at, assignment.claimed_by) == (NOW + HOUR, user)
    assert assignment.next_due == assignment.contact_due
    claim, contact, follow_up = lead_clocks(assignment=assignment, now=NOW + 2 * HOUR)
    assert (claim.state, contact.state, follow_up.state) == ("met", "ok", "waiting")


def test_a_lead_cannot_be_claimed_twice(routed: tuple[Lead, Partner, Partner]) -> None:
    lead, first, _ = routed
    lead_claim(lead_id=lead.pk, user=member(first), now=NOW)
    with pytest.raises(InvalidTransition, match="cannot claim"):
        lead_claim(lead_id=lead.pk, user=member(first), now=NOW)


def test_another_partner_cannot_even_find_the_lead(routed: tuple[Lead, Partner, Partner]) -> None:
    lead, _, second = routed
    with pytest.raises(Assignment.DoesNotExist):
        lead_claim(lead_id=lead.pk, user=member(second), now=NOW)
    with pytest.raises(Lead.DoesNotExist):
        lead_get(user=member(second), lead_id=lead.pk)
    assert _status(lead) == "assigned"


def test_a_user_of_no_partner_finds_no_lead(
    routed: tuple[Lead, Partner, Partner], make_user: Callable[..., User]
) -> None:
    lead, _, _ = routed
    with pytest.raises(Assignment.DoesNotExist):
        lead_claim(lead_id=lead.pk, user=make_user(Role.QUALIFIER), now=NOW)


def test_a_claim_after_its_deadline_is_refused(routed: tuple[Lead, Partner, Partner]) -> None:
    lead, first, _ = routed
    assignment = Assignment.objects.get(lead=lead)
    with pytest.raises(ClockMissed, match="deadline passed"):
        lead_claim(
            lead_id=lead.pk, user=member(first), now=assignment.claim_due + timedelta(seconds=1)
        )


def test_a_partner_over_a_lowered_capacity_cannot_claim_more(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    partner = make_partner(capacity=3)
    leads = [make_approved(partner_program) for _ in range(3)]
    leads_route(lead_ids=[lead.pk for lead in leads], now=NOW)
    user = member(partner)
    lead_claim(lead_id=leads[0].pk, user=user, now=NOW)
    partner_capacity_set(partner_id=partner.pk, capacity=1)
    with pytest.raises(CapacityReached, match="already works 1 of 1"):
        lead_claim(lead_id=leads[1].pk, user=user, now=NOW)
    assert _status(leads[1]) == "assigned"


# --- decline ----------------------------------------------------------------------------------


def test_a_declined_lead_goes_at_once_to_the_next_partner_without_a_violation(
    routed: tuple[Lead, Partner, Partner],
) -> None:
    lead, first, second = routed
    lead_decline(
        lead_id=lead.pk, user=member(first), reason="not_our_market", note="", now=NOW + HOUR
    )
    assert _status(lead) == "assigned"
    taken = partner_assignment_get(user=member(second), lead_id=lead.pk)
    assert taken.assigned_at == NOW + HOUR
    with pytest.raises(Assignment.DoesNotExist):
        partner_assignment_get(user=member(first), lead_id=lead.pk)
    assert not lead_scope(user=member(first)).exists()
    assert not Violation.objects.exists()
    decline = Decline.objects.get()
    assert (decline.partner, decline.reason) == (first, "not_our_market")
    record = partner_record(partner=first, now=NOW + HOUR)
    assert (record.declined, record.violations_in_window, record.open_leads) == (1, 0, 0)
    kinds = list(lead.events.order_by("id").values_list("kind", flat=True))
    assert kinds[-3:] == [EventKind.DECLINED, EventKind.STATUS_CHANGED, EventKind.NOTIFIED]


def test_a_declined_lead_with_no_other_partner_waits_in_the_queue(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    only = make_partner()
    lead = make_approved(partner_program)
    leads_route(lead_ids=[lead.pk], now=NOW)
    lead_claim(lead_id=lead.pk, user=member(only), now=NOW)
    lead_decline(lead_id=lead.pk, user=member(only), reason="no_capacity", note="", now=NOW)
    assert _status(lead) == "approved"
    assert lead.events.filter(action="unassign").exists()
    assert lead.routing_queue_entry.client_id == partner_program.client_id


@pytest.mark.parametrize(
    ("reason", "note", "field"), [("bored", "", "reason"), ("other", "  ", "note")]
)
def test_a_decline_needs_a_reason_from_the_list_and_other_needs_a_note(
    routed: tuple[Lead, Partner, Partner], reason: str, note: str, field: str
) -> None:
    lead, first, _ = routed
    with pytest.raises(PartnerInputError) as raised:
        lead_decline(lead_id=lead.pk, user=member(first), reason=reason, note=note, now=NOW)
    assert raised.value.field == field
    assert not Decline.objects.exists()


def test_a_contacted_lead_can_no_longer_be_declined(routed: tuple[Lead, Partner, Partner]) -> None:
    lead, first, _ = routed
    user = member(first)
    lead_claim(lead_id=lead.pk, user=user, now=NOW)
    lead_contact_record(lead_id=lead.pk, user=user, channel="phone", at=NOW, note="", now=NOW)
    with pytest.raises(InvalidTransition, match="contacted cannot be declined"):
        lead_decline(lead_id=lead.pk, user=user, reason="no_capacity", note="", now=NOW)


# --- first contact and outcome ----------------------------------------------------------------


def test_first_contact_starts_the_follow_up_clock_from_the_contact_s_time(
    routed: tuple[Lead, Partner, Partner],
) -> None:
    lead, first, _ = routed
    user = member(first)
    lead_claim(lead_id=lead.pk, user=user, now=NOW)
    contact = NOW + HOUR
    lead_contact_record(
        lead_id=lead.pk,
        user=user,
        channel="email",
        at=contact,
        note="sent deck",
        now=NOW + 3 * HOUR,
    )
    assert _status(lead) == "contacted"
    assignment = partner_assignment_get(user=user, lead_id=lead.pk)
    assert (assignment.contact_at, assignment.contacted_at) == (contact, NOW + 3 * HOUR)
    # Monday in Los Angeles + 10 working days (Veterans Day, 11 November, is a holiday).
    assert assignment.followup_due.isoformat() == "2026-11-18T07:59:59.999999+00:00"
    assert assignment.next_due == assignment.followup_due
    event = lead.events.latest("id")
    assert (event.after["channel"], event.reason) == ("email", "sent deck")


@pytest.mark.parametrize(
    ("shift", "message"), [(timedelta(minutes=5), "future"), (-HOUR, "before the lead")]
)
def test_a_contact_in_the_future_or_before_the_assignment_is_refused(
    routed: tuple[Lead, Partner, Partner], shift: timedelta, message: str
) -> None:
    lead, first, _ = routed
    user = member(first)
    lead_claim(lead_id=lead.pk, user=user, now=NOW)
    with pytest.raises(PartnerInputError, match=message):
        lead_contact_record(
            lead_id=lead.pk, user=user, channel="phone", at=NOW + shift, note="", now=NOW
        )


def test_contact_needs_a_claim_first(routed: tuple[Lead, Partner, Partner]) -> None:
    lead, first, _ = routed
    with pytest.raises(InvalidTransition):
        lead_contact_record(
            lead_id=lead.pk, user=member(first), channel="phone", at=NOW, note="", now=NOW
        )


def _contacted(routed: tuple[Lead, Partner, Partner]) -> tuple[Lead, User]:
    lead, first, _ = routed
    user = member(first)
    lead_claim(lead_id=lead.pk, user=user, now=NOW)
    lead_contact_record(lead_id=lead.pk, user=user, channel="phone", at=NOW, note="", now=NOW)
    return lead, user


def test_a_won_lead_is_closed_stays_in_the_partner_s_inbox_and_frees_capacity(
    routed: tuple[Lead, Partner, Partner],
) -> None:
    lead, user = _contacted(routed)
    lead_outcome_record(lead_id=lead.pk, user=user, outcome="won", reason="", note="", now=NOW)
    assert _status(lead) == "closed_won"
    (closed,) = partner_inbox(user=user)
    assert (closed.outcome, closed.closed_at, closed.next_due) == ("won", NOW, None)
    assert partner_record(partner=routed[1], now=NOW).open_leads == 0
    follow_up = lead.events.get(kind=EventKind.FOLLOW_UP)
    assert follow_up.after["outcome"] == "won"


def test_a_lost_lead_needs_a_reason_from_the_list(routed: tuple[Lead, Partner, Partner]) -> None:
    lead, user = _contacted(routed)
    with pytest.raises(PartnerInputError, match="why the lead was lost"):
        lead_outcome_record(lead_id=lead.pk, user=user, outcome="lost", reason="", note="", now=NOW)
    lead_outcome_record(
        lead_id=lead.pk, user=user, outcome="lost", reason="competitor", note="", now=NOW
    )
    assert _status(lead) == "closed_lost"
    assert lead.events.latest("id").reason == "Chose a competitor"


def test_not_reached_after_claiming_sends_the_lead_to_nurture_and_away_from_the_partner(
    routed: tuple[Lead, Partner, Partner],
) -> None:
    lead, first, _ = routed
    user = member(first)
    lead_claim(lead_id=lead.pk, user=user, now=NOW)
    lead_outcome_record(
        lead_id=lead.pk, user=user, outcome="not_reached", reason="", note="3 calls", now=NOW
    )
    assert _status(lead) == "nurturing"
    with pytest.raises(Assignment.DoesNotExist):
        partner_assignment_get(user=user, lead_id=lead.pk)
    ended = Assignment.objects.get(lead=lead)
    assert (ended.outcome, ended.end_reason) == ("not_reached", "outcome")


def test_won_needs_a_recorded_contact(routed: tuple[Lead, Partner, Partner]) -> None:
    lead, first, _ = routed
    lead_claim(lead_id=lead.pk, user=member(first), now=NOW)
    with pytest.raises(InvalidTransition):
        lead_outcome_record(
            lead_id=lead.pk, user=member(first), outcome="won", reason="", note="", now=NOW
        )


def test_an_outcome_frees_capacity_and_a_waiting_lead_is_routed_to_the_partner_at_once(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    partner = make_partner(capacity=1)
    working, waiting = make_approved(partner_program), make_approved(partner_program)
    leads_route(lead_ids=[working.pk, waiting.pk], now=NOW)
    assert _status(waiting) == "approved"
    user = member(partner)
    lead_claim(lead_id=working.pk, user=user, now=NOW)
    lead_contact_record(lead_id=working.pk, user=user, channel="phone", at=NOW, note="", now=NOW)
    lead_outcome_record(
        lead_id=working.pk, user=user, outcome="nurture", reason="", note="", now=NOW + HOUR
    )
    assert _status(waiting) == "assigned"
    assert partner_assignment_get(user=user, lead_id=waiting.pk).assigned_at == NOW + HOUR


# --- managers -----------------------------------------------------------------------------------


def test_a_manager_re_enables_a_disabled_partner_with_a_note(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
    make_user: Callable[..., User],
) -> None:
    manager = make_user(Role.MANAGER, clients=(partner_program.client,))
    partner = make_partner(manager=manager)
    for _ in range(3):
        leads_route(lead_ids=[make_approved(partner_program).pk], now=NOW)
    sla_sweep(now=NOW + timedelta(days=10))
    partner.refresh_from_db()
    assert not partner.flow_enabled
    with pytest.raises(PartnerInputError):
        partner_flow_enable(partner_id=partner.pk, user=manager, note="", now=NOW)
    with pytest.raises(PermissionDenied):
        partner_flow_enable(partner_id=partner.pk, user=member(partner), note="me", now=NOW)
    later = NOW + timedelta(days=11)
    partner_flow_enable(partner_id=partner.pk, user=manager, note="coached the team", now=later)
    partner.refresh_from_db()
    assert (partner.flow_enabled, partner.flow_enabled_at) == (True, later)
    changes = list(FlowChange.objects.filter(partner=partner).values_list("enabled", "by", "note"))
    assert changes[0] == (True, manager.pk, "coached the team")
    assert changes[1][:2] == (False, None)
    # Its three leads wait in the queue for another partner: a partner never gets a lead back.
    assert RoutingQueueEntry.objects.count() == 3
    assert partner_record(partner=partner, now=later).violations_in_window == 0


def test_a_manager_of_another_client_cannot_find_the_partner(
    routed: tuple[Lead, Partner, Partner],
    make_user: Callable[..., User],
    other_program: Program,
) -> None:
    outsider = make_user(Role.MANAGER, clients=(other_program.client,))
    with pytest.raises(Partner.DoesNotExist):
        partner_flow_enable(partner_id=routed[1].pk, user=outsider, note="x", now=NOW)


def test_a_manager_reassigns_a_lead_to_the_next_partner(
    routed: tuple[Lead, Partner, Partner], make_user: Callable[..., User]
) -> None:
    lead, first, second = routed
    manager = make_user(Role.MANAGER, clients=(lead.program.client,))
    lead_reassign(
        lead=lead_get(user=manager, lead_id=lead.pk),
        user=manager,
        reason="customer asked",
        now=NOW,
    )
    assert partner_assignment_get(user=member(second), lead_id=lead.pk)
    assert Assignment.objects.get(lead=lead, partner=first).end_reason == "reassigned"
    assert not Violation.objects.exists()
