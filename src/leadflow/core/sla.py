"""The follow-up SLA of DESIGN.md: the clocks of a partner's assignment and what a missed one
costs the partner.

Clocks (defaults, per program): claim within 2 working days of assignment; first contact within
1 (Hot), 2 (A) or 5 (B) working days of assignment; follow-up (the outcome) recorded within 10
working days of first contact. Deadlines come from ``core.calendar.deadline`` in the partner's
working calendar. A missed clock reassigns the lead and records a violation; the first violation
is a warning, and reaching the program's threshold (default 3 within 90 days) disables the
partner's lead flow until a manager re-enables it.

Pure: ``now`` is always a parameter.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from leadflow.core.calendar import WorkingCalendar, deadline, working_days_between
from leadflow.core.enums import Rating
from leadflow.core.errors import InvalidTransition

#: A clock with less than this left is shown as "due soon".
DUE_SOON = timedelta(hours=24)
#: The most a program may let a lead wait in the routing queue before its managers are
#: alerted: Hot leads are delivered within 48 hours at the latest (DESIGN.md, "Hand-off"), and
#: a lead nobody looks at for two working weeks is lost.
QUEUE_LIMIT_MAX_HOT_HOURS = 48
QUEUE_LIMIT_MAX_WORKING_DAYS = 10


class ClockName(StrEnum):
    CLAIM = "claim"
    CONTACT = "contact"
    FOLLOW_UP = "follow_up"

    @property
    def label(self) -> str:
        return {"claim": "Claim", "contact": "First contact", "follow_up": "Follow-up"}[self.value]


class ClockState(StrEnum):
    MET = "met"
    OK = "ok"
    DUE_SOON = "due_soon"
    MISSED = "missed"
    WAITING = "waiting"
    """Not started yet: the follow-up clock starts at first contact."""
    STOPPED = "stopped"
    """No longer running: the lead left the partner or was closed before the clock was met."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True)
class SlaTerms:
    """A program's SLA policy (DESIGN.md's defaults)."""

    claim_days: int = 2
    contact_days_hot: int = 1
    contact_days_a: int = 2
    contact_days_b: int = 5
    followup_days: int = 10
    violation_threshold: int = 3
    violation_window_days: int = 90
    queue_limit_hot_hours: int = 4
    """How long a Hot lead may wait in the routing queue before the managers are alerted."""
    queue_limit_working_days: int = 1
    """Other leads may wait until the end of this many working days after the day they began
    waiting (1: the end of the next working day)."""

    def __post_init__(self) -> None:
        for name in (
            "claim_days",
            "contact_days_hot",
            "contact_days_a",
            "contact_days_b",
            "followup_days",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be at least 0")
        if self.violation_threshold < 1:
            raise ValueError("violation_threshold must be at least 1")
        if self.violation_window_days < 1:
            raise ValueError("violation_window_days must be at least 1")
        if not 1 <= self.queue_limit_hot_hours <= QUEUE_LIMIT_MAX_HOT_HOURS:
            raise ValueError(f"queue_limit_hot_hours must be from 1 to {QUEUE_LIMIT_MAX_HOT_HOURS}")
        if not 1 <= self.queue_limit_working_days <= QUEUE_LIMIT_MAX_WORKING_DAYS:
            raise ValueError(
                f"queue_limit_working_days must be from 1 to {QUEUE_LIMIT_MAX_WORKING_DAYS}"
            )

    def contact_days(self, rating: Rating) -> int:
        """Working days to first contact for a lead of ``rating`` (B's limit for anything
        below B, which routing never hands out anyway)."""
        if rating == Rating.HOT:
            return self.contact_days_hot
        if rating == Rating.A:
            return self.contact_days_a
        return self.contact_days_b


DEFAULT_TERMS = SlaTerms()

_ORDINALS = ("next", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
             "ninth", "tenth")  # fmt: skip


def queue_limit(
    *,
    queued_at: datetime,
    rating: str | None,
    terms: SlaTerms,
    closed: Collection[date],
    zone: tzinfo,
) -> datetime:
    """When a lead that began waiting for a partner at ``queued_at`` has waited too long
    (issue 17: the program's managers are alerted): ``terms.queue_limit_hot_hours`` after it
    for a Hot lead; otherwise the end of the ``terms.queue_limit_working_days``-th working day
    after that day (Monday to Friday, not a closure day of the program) in ``zone``. No partner
    holds the lead, so no partner's holidays count."""
    if rating == Rating.HOT:
        return queued_at + timedelta(hours=terms.queue_limit_hot_hours)
    day = queued_at.astimezone(zone).date()
    left = terms.queue_limit_working_days
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in closed:
            left -= 1
    return datetime.combine(day, time.max, zone)


def queue_limit_label(terms: SlaTerms, rating: str | None) -> str:
    """The limit of a lead of ``rating`` in a few words: "4 hours", "1 working day"."""
    if rating == Rating.HOT:
        hours = terms.queue_limit_hot_hours
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = terms.queue_limit_working_days
    return f"{days} working day{'s' if days != 1 else ''}"


def queue_limit_text(terms: SlaTerms) -> str:
    """The program's waiting limit as a sentence for the people who watch the routing queue:
    "Hot leads may wait 4 hours, others until the end of the next working day"."""
    days = terms.queue_limit_working_days
    which = _ORDINALS[days - 1] if days <= len(_ORDINALS) else f"{days}th"
    after = "" if days == 1 else " after the day they began waiting"
    return (
        f"Hot leads may wait {queue_limit_label(terms, Rating.HOT)}, "
        f"others until the end of the {which} working day{after}"
    )


@dataclass(frozen=True, slots=True)
class AssignmentDeadlines:
    claim_due: datetime
    contact_due: datetime


def assignment_deadlines(
    *, assigned_at: datetime, rating: Rating, terms: SlaTerms, cal: WorkingCalendar
) -> AssignmentDeadlines:
    """The claim and first-contact deadlines that start when a lead is assigned."""
    return AssignmentDeadlines(
        claim_due=deadline(assigned_at, terms.claim_days, cal),
        contact_due=deadline(assigned_at, terms.contact_days(rating), cal),
    )


def followup_deadline(*, contacted_at: datetime, terms: SlaTerms, cal: WorkingCalendar) -> datetime:
    """The follow-up (outcome) deadline, counted from first contact."""
    return deadline(contacted_at, terms.followup_days, cal)


@dataclass(frozen=True, slots=True)
class AssignmentTimes:
    """What the clocks of one assignment are computed from."""

    claim_due: datetime
    contact_due: datetime
    followup_due: datetime | None
    claimed_at: datetime | None = None
    contacted_at: datetime | None = None
    outcome_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Clock:
    name: ClockName
    due: datetime | None
    met_at: datetime | None
    state: ClockState
    time_left: timedelta | None
    """Until the deadline (negative when missed); None when met, waiting or stopped."""
    working_days_left: int | None = None
    """Working days from today to the deadline's day in the partner's calendar (0 = due
    today, negative = overdue by that many working days)."""

    @property
    def label(self) -> str:
        return self.name.label


def _clock(
    name: ClockName,
    due: datetime | None,
    met_at: datetime | None,
    stopped_at: datetime | None,
    now: datetime,
    cal: WorkingCalendar | None,
) -> Clock:
    if met_at is not None:
        return Clock(name, due, met_at, ClockState.MET, None)
    if due is None:
        return Clock(name, None, None, ClockState.WAITING, None)
    if stopped_at is not None:
        state = ClockState.MISSED if stopped_at > due else ClockState.STOPPED
        return Clock(name, due, None, state, None)
    left = due - now
    if left < timedelta(0):
        state = ClockState.MISSED
    elif left < DUE_SOON:
        state = ClockState.DUE_SOON
    else:
        state = ClockState.OK
    days = working_days_between(cal, now, due) if cal is not None else None
    return Clock(name, due, None, state, left, days)


def clocks(
    times: AssignmentTimes, now: datetime, cal: WorkingCalendar | None = None
) -> list[Clock]:
    """The claim, first-contact and follow-up clocks of an assignment as shown on the lead.

    A clock is met when its step was recorded (claim, contact, outcome); an assignment that
    ended or closed stops the clocks still running. With a calendar, running clocks also say
    how many working days are left.
    """
    stopped = times.ended_at or times.outcome_at
    return [
        _clock(ClockName.CLAIM, times.claim_due, times.claimed_at, stopped, now, cal),
        _clock(ClockName.CONTACT, times.contact_due, times.contacted_at, stopped, now, cal),
        _clock(ClockName.FOLLOW_UP, times.followup_due, times.outcome_at, times.ended_at, now, cal),
    ]


def pending_due(times: AssignmentTimes) -> datetime | None:
    """The earliest deadline still running, or None when none is: what the sweep looks at."""
    if times.ended_at is not None or times.outcome_at is not None:
        return None
    pending = []
    if times.claimed_at is None:
        pending.append(times.claim_due)
    if times.contacted_at is None:
        pending.append(times.contact_due)
    elif times.followup_due is not None:
        pending.append(times.followup_due)
    return min(pending) if pending else None


def missed_clock(times: AssignmentTimes, now: datetime) -> Clock | None:
    """The first running clock past its deadline at ``now`` (the one a violation names)."""
    missed = [
        clock
        for clock in clocks(times, now)
        if clock.state is ClockState.MISSED and clock.met_at is None and clock.due is not None
    ]
    return min(missed, key=lambda clock: clock.due or now) if missed else None


class Consequence(StrEnum):
    WARNING = "warning"
    """The first violation in the window: the partner and its manager are warned."""
    RECORDED = "recorded"
    """A later violation below the threshold."""
    FLOW_DISABLED = "flow_disabled"
    """The threshold is reached: the partner's lead flow is disabled."""


def violation_consequence(*, violations_in_window: int, terms: SlaTerms) -> Consequence:
    """What a violation means for the partner, given how many it now has in the window
    (counting this one)."""
    if violations_in_window >= terms.violation_threshold:
        return Consequence.FLOW_DISABLED
    if violations_in_window <= 1:
        return Consequence.WARNING
    return Consequence.RECORDED


def violation_window_start(
    *, now: datetime, terms: SlaTerms, flow_enabled_at: datetime | None = None
) -> datetime:
    """Where the violation count starts: ``violation_window_days`` ago, or the manager's last
    re-enabling of the flow if that is later (a re-enabled partner starts afresh)."""
    start = now - timedelta(days=terms.violation_window_days)
    if flow_enabled_at is not None and flow_enabled_at > start:
        return flow_enabled_at
    return start


class ClockMissed(InvalidTransition):
    """A step was recorded after its clock ran out: the lead is about to be reassigned."""
