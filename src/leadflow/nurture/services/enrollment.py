"""Entering and leaving nurture sequences (issue 14, "Entry and exit").

A lead enters its program's default sequence when it becomes ``nurturing`` (the
``leads.nurtured`` event: C leads left by qualification or a delivery batch, "not interested
now" outcomes, a partner's "nurture"), and any sequence by hand (the lead list's bulk action,
the API), which moves it to ``nurturing`` first when the lifecycle allows. It is in at most one
sequence (a partial unique index). It leaves when it stops being ``nurturing`` by any
transition (``leads.status_changed``), when it responds, unsubscribes or bounces, by hand, or
at the end of the sequence. Every entry and exit is a note in the lead's history.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from leadflow.accounts.models import User
from leadflow.core.errors import DomainRefused, InvalidTransition
from leadflow.core.lifecycle import EDGES, Action, LeadStatus, next_status
from leadflow.core.nurture import END_AFTER_DAYS, touch_due
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.services import LeadStep, event_build, events_record, leads_transition
from leadflow.nurture.models import Enrollment, EnrollmentState, LeaveReason, Sequence, Touch
from leadflow.nurture.selectors import program_calendar, program_settings

ENTERED = "nurture_entered"
LEFT = "nurture_left"


@dataclass(frozen=True)
class EnrolResult:
    """Which leads entered the sequence, and which were skipped with why."""

    changed: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        text = f"{len(self.changed)} enrolled"
        if self.skipped:
            reasons = sorted(set(self.skipped.values()))
            text += f", {len(self.skipped)} skipped: {'; '.join(reasons)}"
        return text


def _locked(lead_ids: Iterable[int]) -> list[Lead]:
    return list(
        Lead.objects.select_for_update(of=("self",))
        .select_related("program", "program__client")
        .filter(pk__in=list(lead_ids))
        .order_by("id")
    )


def first_touch_due(sequence: Sequence, touches: list[Touch], entered: datetime) -> datetime:
    """When the first touch of a sequence is due for a lead entering at ``entered`` (a
    sequence without touches yet ends as one would after its last touch)."""
    settings = program_settings([sequence.program_id])[sequence.program_id]
    cal = program_calendar(sequence.program, settings)
    return touch_due(entered, touches[0].wait_days if touches else END_AFTER_DAYS, cal)


def _note(
    lead_id: int,
    action: str,
    reason: str,
    details: Mapping[str, object],
    actor: User | None,
    now: datetime,
) -> LeadEvent:
    return event_build(
        lead_id=lead_id,
        kind=EventKind.NOTE,
        actor=actor,
        now=now,
        action=action,
        after={"nurture": dict(details)},
        reason=reason,
    )


def _enter(
    leads: list[Lead], sequence: Sequence, actor: User | None, now: datetime, how: str
) -> list[Enrollment]:
    """Put locked, nurturing leads in the sequence (leaving the one they are in)."""
    if not leads:
        return []
    moving = [lead.pk for lead in leads]
    _leave(moving, LeaveReason.MOVED, actor, now, note=f"moved to “{sequence.name}”")
    touches = list(sequence.touches.order_by("position", "id"))
    due = first_touch_due(sequence, touches, now)
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(
            lead=lead,
            sequence=sequence,
            state=EnrollmentState.ACTIVE,
            step=0,
            next_touch_at=due,
            entered_at=now,
        )
        for lead in leads
    )
    events_record(
        [
            _note(
                lead.pk,
                ENTERED,
                f"Entered the nurture sequence “{sequence.name}” ({how})",
                {"event": "entered", "sequence": sequence.slug, "how": how},
                actor,
                now,
            )
            for lead in leads
        ]
    )
    return enrollments


def sequence_enter(*, lead_ids: Iterable[int], now: datetime) -> int:
    """Leads that became nurturing enter their program's default sequence (the
    ``leads.nurtured`` handler); those already in one, no longer nurturing, or of a program
    without a default sequence stay as they are. Returns how many entered."""
    with transaction.atomic():
        leads = [lead for lead in _locked(lead_ids) if lead.status == LeadStatus.NURTURING]
        busy = set(
            Enrollment.objects.filter(
                lead__in=[lead.pk for lead in leads], state=EnrollmentState.ACTIVE
            ).values_list("lead_id", flat=True)
        )
        waiting = [lead for lead in leads if lead.pk not in busy]
        defaults = {
            sequence.program_id: sequence
            for sequence in Sequence.objects.select_related("program", "program__client").filter(
                program_id__in={lead.program_id for lead in waiting}, is_default=True
            )
        }
        entered = 0
        for program_id, sequence in defaults.items():
            group = [lead for lead in waiting if lead.program_id == program_id]
            entered += len(_enter(group, sequence, None, now, "automatically"))
        return entered


@transaction.atomic
def leads_enrol(
    *, leads: Iterable[Lead] | QuerySet[Lead], sequence: Sequence, actor: User | None, now: datetime
) -> EnrolResult:
    """Enrol leads by hand (the lead list's bulk action, the API). A lead not yet nurturing is
    moved to nurturing when the lifecycle allows it; a lead of another program, or one the
    lifecycle does not let nurture, is skipped with the reason. A lead in another sequence
    moves to this one; one already in it stays."""
    result = EnrolResult()
    ids = [lead.pk for lead in leads]
    locked = _locked(ids)
    in_this = set(
        Enrollment.objects.filter(
            lead_id__in=ids, state=EnrollmentState.ACTIVE, sequence=sequence
        ).values_list("lead_id", flat=True)
    )
    to_nurture: list[Lead] = []
    ready: list[Lead] = []
    for lead in locked:
        if lead.program_id != sequence.program_id:
            result.skipped[lead.pk] = "the sequence is of another program"
        elif lead.pk in in_this:
            result.skipped[lead.pk] = "already in this sequence"
        elif lead.status == LeadStatus.NURTURING:
            ready.append(lead)
        else:
            try:
                next_status(LeadStatus(lead.status), Action.NURTURE)
            except InvalidTransition:
                result.skipped[lead.pk] = (
                    f"a lead {LeadStatus(lead.status).label.lower()} cannot be nurtured"
                )
                continue
            to_nurture.append(lead)
    leads_transition(
        steps=[
            LeadStep(lead=lead, action=Action.NURTURE, reason=f"enrolled in “{sequence.name}”")
            for lead in to_nurture
        ],
        actor=actor,
        now=now,
    )
    enrolled = _enter([*ready, *to_nurture], sequence, actor, now, "by hand")
    result.changed.extend(enrollment.lead_id for enrollment in enrolled)
    return result


def lead_enrol(*, lead: Lead, sequence: Sequence, actor: User | None, now: datetime) -> Enrollment:
    """Enrol one lead (the API); DomainRefused (409) when it cannot enter."""
    with transaction.atomic():
        result = leads_enrol(leads=[lead], sequence=sequence, actor=actor, now=now)
        if lead.pk in result.skipped:
            raise DomainRefused(f"The lead cannot enter the sequence: {result.skipped[lead.pk]}.")
        return Enrollment.objects.get(lead_id=lead.pk, state=EnrollmentState.ACTIVE)


def _leave(
    lead_ids: Iterable[int],
    reason: LeaveReason,
    actor: User | None,
    now: datetime,
    note: str = "",
) -> list[Enrollment]:
    """End the active enrollments of the leads (locked by the caller), with a note each."""
    enrollments = list(
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("sequence")
        .filter(lead_id__in=list(lead_ids), state=EnrollmentState.ACTIVE)
        .order_by("id")
    )
    if not enrollments:
        return []
    state = EnrollmentState.FINISHED if reason == LeaveReason.ENDED else EnrollmentState.LEFT
    Enrollment.objects.filter(pk__in=[e.pk for e in enrollments]).update(
        state=state, left_at=now, left_reason=reason, next_touch_at=None
    )
    words = LeaveReason(reason).label.lower()
    events_record(
        [
            _note(
                enrollment.lead_id,
                LEFT,
                f"Left the nurture sequence “{enrollment.sequence.name}”: {words}"
                + (f" ({note})" if note else ""),
                {"event": "left", "sequence": enrollment.sequence.slug, "reason": str(reason)},
                actor,
                now,
            )
            for enrollment in enrollments
        ]
    )
    for enrollment in enrollments:
        enrollment.state, enrollment.left_at, enrollment.left_reason = state, now, reason
        enrollment.next_touch_at = None
    return enrollments


def enrollments_leave(
    *,
    lead_ids: Iterable[int],
    reason: LeaveReason,
    actor: User | None,
    now: datetime,
    note: str = "",
) -> int:
    """The leads leave their sequence (responded, unsubscribed, bounced, re-qualified …).
    Returns how many left."""
    with transaction.atomic():
        return len(_leave(lead_ids, reason, actor, now, note))


def lead_leave(*, lead: Lead, actor: User | None, now: datetime, reason: str = "") -> Enrollment:
    """Take a lead out of its sequence by hand; it stays nurturing, in no sequence.
    DomainRefused when it is in none."""
    with transaction.atomic():
        left = _leave([lead.pk], LeaveReason.BY_HAND, actor, now, reason)
        if not left:
            raise DomainRefused("The lead is not in a nurture sequence.")
        return left[0]


#: The lifecycle actions whose leads leave nurture for a reason of their own.
_EXIT_REASONS = {Action.REQUALIFY_FROM_NURTURE.value: LeaveReason.REQUALIFIED}


def leads_stopped_nurturing(*, lead_ids: Iterable[int], action: str, now: datetime) -> int:
    """Leads that took a lifecycle step away from ``nurturing`` leave their sequence (the
    ``leads.status_changed`` handler, inside the transition's transaction)."""
    if LeadStatus.NURTURING not in EDGES[Action(action)].sources:
        return 0  # a step that cannot leave nurturing (approve, deliver, nurture …): no query
    ids = list(lead_ids)
    gone = list(
        Enrollment.objects.filter(lead_id__in=ids, state=EnrollmentState.ACTIVE)
        .exclude(lead__status=LeadStatus.NURTURING)
        .values_list("lead_id", flat=True)
    )
    if not gone:
        return 0
    reason = _EXIT_REASONS.get(action, LeaveReason.STATUS_CHANGED)
    note = "" if reason != LeaveReason.STATUS_CHANGED else action.replace("_", " ")
    return len(_leave(gone, reason, None, now, note))
