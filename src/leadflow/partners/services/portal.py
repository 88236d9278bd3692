"""What a partner's user does with a lead in the portal or the API: claim, decline, record the
first contact, record the outcome. Each is one transaction that locks the lead, then its
assignment, then (where capacity matters) the partner, checks the step with the core lifecycle
and the SLA clocks, and writes the history.

A lead that is not the user's partner's now raises Assignment.DoesNotExist (a 404)."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from leadflow.accounts.models import User
from leadflow.core.errors import InputError, InvalidTransition
from leadflow.core.lifecycle import Action, LeadStatus, next_status
from leadflow.core.routing import CapacityReached
from leadflow.core.sla import ClockMissed, followup_deadline, missed_clock, pending_due
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.services import LeadStep, leads_transition
from leadflow.partners.models import (
    CONTACT_CHANNELS,
    DECLINE_REASONS,
    LOST_REASONS,
    Assignment,
    Decline,
    EndReason,
    Outcome,
    Partner,
)
from leadflow.partners.policies import partner_calendar, program_terms
from leadflow.partners.selectors import assignment_times, partner_assignment_get
from leadflow.partners.services.pool import PartnerPool
from leadflow.partners.services.queue import client_queue_drain
from leadflow.partners.services.routing import assign_leads

DECLINE_LABELS = dict(DECLINE_REASONS)
CHANNEL_LABELS = dict(CONTACT_CHANNELS)
LOST_LABELS = dict(LOST_REASONS)
#: Which lead statuses each outcome may be recorded from, and the lifecycle action it takes.
OUTCOME_STEPS: dict[str, tuple[frozenset[LeadStatus], Action]] = {
    Outcome.WON: (frozenset({LeadStatus.CONTACTED}), Action.CLOSE_WON),
    Outcome.LOST: (frozenset({LeadStatus.CONTACTED}), Action.CLOSE_LOST),
    Outcome.NOT_REACHED: (frozenset({LeadStatus.CLAIMED, LeadStatus.CONTACTED}), Action.NURTURE),
    Outcome.NURTURE: (frozenset({LeadStatus.CONTACTED}), Action.NURTURE),
}
#: Outcomes after which the lead leaves the partner (it goes to nurture).
LEAVING = frozenset({Outcome.NOT_REACHED, Outcome.NURTURE})


class PartnerInputError(InputError, ValueError):
    """A field of a partner's step is missing or not one of its choices (``field`` names it)."""


def _held(user: User, lead_id: int) -> tuple[Assignment, Lead]:
    """Lock the lead and its active assignment to the user's partner, in that order."""
    found = partner_assignment_get(user=user, lead_id=lead_id)
    lead = Lead.objects.select_related("program").select_for_update(of=("self",)).get(pk=lead_id)
    assignment = (
        Assignment.objects.select_related("partner")
        .select_for_update(of=("self",))
        .get(pk=found.pk, ended_at__isnull=True)
    )
    assignment.lead = lead
    return assignment, lead


def _require_on_time(assignment: Assignment, now: datetime) -> None:
    missed = missed_clock(assignment_times(assignment), now)
    if missed is not None and missed.due is not None:
        raise ClockMissed(
            f"the {missed.name.label.lower()} deadline passed at {missed.due.isoformat()}: "
            "the lead is being reassigned"
        )


def _step(
    lead: Lead,
    action: Action,
    actor: User,
    now: datetime,
    *,
    reason: str = "",
    details: dict[str, object] | None = None,
) -> None:
    """Move the locked lead along one lifecycle edge; the history entry carries ``details``."""
    leads_transition(
        steps=[LeadStep(lead=lead, action=action, reason=reason, details=details or {})],
        actor=actor,
        now=now,
    )


def lead_claim(*, lead_id: int, user: User, now: datetime) -> Lead:
    """The partner takes the lead: refused once claimed, after the claim deadline, or when the
    partner already works as many claimed leads as its capacity (CapacityReached)."""
    with transaction.atomic():
        assignment, lead = _held(user, lead_id)
        next_status(LeadStatus(lead.status), Action.CLAIM)
        _require_on_time(assignment, now)
        partner = Partner.objects.select_for_update().get(pk=assignment.partner_id)
        working = (
            Assignment.objects.open().filter(partner=partner, claimed_at__isnull=False).count()
        )
        if working >= partner.capacity:
            raise CapacityReached(
                f"{partner.name} already works {working} of {partner.capacity} open leads"
            )
        assignment.claimed_at = now
        assignment.claimed_by = user
        assignment.next_due = _pending(assignment)
        assignment.save(update_fields=["claimed_at", "claimed_by", "next_due"])
        _step(lead, Action.CLAIM, user, now, details={"partner": partner.pk})
        return lead


def _pending(assignment: Assignment) -> datetime | None:
    return pending_due(assignment_times(assignment))


def lead_decline(*, lead_id: int, user: User, reason: str, note: str, now: datetime) -> Lead:
    """The partner gives the lead back with a reason: no violation, counted in its record; the
    lead goes at once to the next eligible partner (or waits in the routing queue), and the
    partner's freed capacity may take a waiting lead."""
    if reason not in DECLINE_LABELS:
        raise PartnerInputError("reason", "choose a reason from the list")
    if reason == "other" and not note.strip():
        raise PartnerInputError("note", "say why in the note")
    with transaction.atomic():
        assignment, lead = _held(user, lead_id)
        if lead.status not in (LeadStatus.ASSIGNED, LeadStatus.CLAIMED):
            raise _refused(lead, "be declined")
        _end(assignment, EndReason.DECLINED, now)
        partner = assignment.partner
        Decline.objects.create(
            partner=partner, assignment=assignment, reason=reason, note=note, by=user, at=now
        )
        declined = LeadStep(
            lead=lead,
            kind=EventKind.DECLINED,
            details={"partner": partner.pk, "reason": reason, "note": note},
            reason=DECLINE_LABELS[reason] + (f": {note}" if note else ""),
        )
        pool = PartnerPool([lead.program.client_id], now)
        assign_leads(
            leads=[lead],
            pool=pool,
            now=now,
            actor=user,
            reason=f"declined by {partner.name}",
            steps_before=[declined],
        )
        client_queue_drain(lead.program.client_id, pool, now, batch=100)
        return lead


def _refused(lead: Lead, what: str) -> InvalidTransition:
    return InvalidTransition(
        f"a lead that is {LeadStatus(lead.status).label.lower()} cannot {what}"
    )


def _end(assignment: Assignment, reason: EndReason, now: datetime) -> None:
    assignment.ended_at = now
    assignment.end_reason = reason
    assignment.next_due = None
    assignment.save(update_fields=["ended_at", "end_reason", "next_due"])


def lead_contact_record(
    *, lead_id: int, user: User, channel: str, at: datetime, note: str, now: datetime
) -> Lead:
    """Record the first contact (channel, when, note) of a claimed lead; the follow-up clock
    starts at the contact's time. ``at`` may not be in the future nor before the assignment."""
    if channel not in CHANNEL_LABELS:
        raise PartnerInputError("channel", "choose a channel from the list")
    if at.tzinfo is None:
        raise PartnerInputError("at", "the contact's time needs a timezone")
    if at > now:
        raise PartnerInputError("at", "the contact cannot be in the future")
    with transaction.atomic():
        assignment, lead = _held(user, lead_id)
        next_status(LeadStatus(lead.status), Action.RECORD_CONTACT)
        if at < assignment.assigned_at:
            raise PartnerInputError("at", "the contact cannot be before the lead was assigned")
        _require_on_time(assignment, now)
        terms = program_terms(program_ids=[lead.program_id])[lead.program_id]
        cal = partner_calendar(assignment.partner, lead.program)
        assignment.contact_at = at
        assignment.contacted_at = now
        assignment.contact_channel = channel
        assignment.contact_note = note
        assignment.followup_due = followup_deadline(contacted_at=at, terms=terms, cal=cal)
        assignment.next_due = _pending(assignment)
        assignment.save(
            update_fields=[
                "contact_at",
                "contacted_at",
                "contact_channel",
                "contact_note",
                "followup_due",
                "next_due",
            ]
        )
        _step(
            lead,
            Action.RECORD_CONTACT,
            user,
            now,
            reason=note,
            details={
                "partner": assignment.partner_id,
                "channel": channel,
                "contact_at": at.isoformat(),
                "followup_due": assignment.followup_due.isoformat(),
            },
        )
        return lead


def lead_outcome_record(
    *, lead_id: int, user: User, outcome: str, reason: str, note: str, now: datetime
) -> Lead:
    """Record the follow-up's outcome: won or lost (with a reason from the list) closes the
    lead and keeps it in the partner's portal; not reached and nurture send it to nurture and
    take it from the partner. Either way the partner's capacity is freed, and a waiting lead
    may be routed to it."""
    if outcome not in OUTCOME_STEPS:
        raise PartnerInputError("outcome", "choose an outcome from the list")
    if outcome == Outcome.LOST and reason not in LOST_LABELS:
        raise PartnerInputError("reason", "choose why the lead was lost")
    if outcome == Outcome.LOST and reason == "other" and not note.strip():
        raise PartnerInputError("note", "say why in the note")
    if outcome != Outcome.LOST:
        reason = ""
    sources, action = OUTCOME_STEPS[outcome]
    with transaction.atomic():
        assignment, lead = _held(user, lead_id)
        if lead.status not in sources:
            raise _refused(lead, f"have the outcome {Outcome(outcome).label.lower()!r}")
        _require_on_time(assignment, now)
        assignment.outcome = outcome
        assignment.outcome_reason = reason
        assignment.outcome_note = note
        assignment.closed_at = now
        assignment.next_due = None
        fields = ["outcome", "outcome_reason", "outcome_note", "closed_at", "next_due"]
        if outcome in LEAVING:
            assignment.ended_at = now
            assignment.end_reason = EndReason.OUTCOME
            fields += ["ended_at", "end_reason"]
        assignment.save(update_fields=fields)
        label = LOST_LABELS.get(reason) or Outcome(outcome).label
        leads_transition(
            steps=[
                LeadStep(
                    lead=lead,
                    kind=EventKind.FOLLOW_UP,
                    details={
                        "partner": assignment.partner_id,
                        "outcome": outcome,
                        "reason": reason,
                        "note": note,
                    },
                    reason=label,
                ),
                LeadStep(lead=lead, action=action, reason=label),
            ],
            actor=user,
            now=now,
        )
        pool = PartnerPool([lead.program.client_id], now)
        client_queue_drain(lead.program.client_id, pool, now, batch=100)
        return lead


def lead_reassign(*, lead: Lead, user: User, reason: str, now: datetime) -> Lead:
    """A manager takes the lead from its partner (no violation) and routes it to the next
    eligible partner, or to the routing queue. ``lead`` comes from the caller's lead scope."""
    if not reason.strip():
        raise PartnerInputError("reason", "a reassignment needs a reason")
    with transaction.atomic():
        lead = (
            Lead.objects.select_related("program").select_for_update(of=("self",)).get(pk=lead.pk)
        )
        assignment = (
            Assignment.objects.select_related("partner")
            .select_for_update(of=("self",))
            .filter(Q(lead=lead) & Q(ended_at__isnull=True))
            .first()
        )
        if assignment is None or lead.status not in (
            LeadStatus.ASSIGNED,
            LeadStatus.CLAIMED,
            LeadStatus.CONTACTED,
        ):
            raise _refused(lead, "be reassigned")
        _end(assignment, EndReason.REASSIGNED, now)
        pool = PartnerPool([lead.program.client_id], now)
        assign_leads(
            leads=[lead],
            pool=pool,
            now=now,
            actor=user,
            reason=f"reassigned from {assignment.partner.name}: {reason}",
        )
        client_queue_drain(lead.program.client_id, pool, now, batch=100)
        return lead


__all__ = [
    "PartnerInputError",
    "lead_claim",
    "lead_contact_record",
    "lead_decline",
    "lead_outcome_record",
    "lead_reassign",
]
