"""Sales-call appointments (issue 20, items 1 and 2): the free slots of an attendee, and the
appointment's states with who may record which and when.

**Slots.** An attendee (the client's sales person, or a partner or field sales executive)
publishes working hours per weekday in their own timezone, on their working calendar
(`WorkingCalendar`: its public holidays and closure days are never offered, whatever the
weekday's hours). Their existing appointments and the busy times of an imported free/busy feed
(`core.freebusy`) are taken out. A slot is ``duration`` long and starts on the slot grid: every
``step`` from the start of a working window (09:00, 09:30, 10:00 … for a 30-minute step).

- A working window is a span of local wall-clock time on one day (09:00-17:00; a day may have
  several, 09:00-12:00 and 13:00-17:00). It is turned into instants day by day, so a
  09:00-17:00 day stays 09:00-17:00 local across a daylight-saving change.
- A window edge that does not exist (02:30 on the night clocks go forward) is read by RFC 5545's
  rule as everywhere else in the product (`core.schedule.local_instant`): with the offset before
  the change, i.e. as many minutes after the gap as it was into it (02:30 becomes 03:30). An
  edge that happens twice (01:30 on the night clocks go back) means its first occurrence. A
  window whose edges then meet or cross offers nothing that day.
- Within a window the grid counts elapsed time from the window's start, so on a night with a
  change the slots are still ``step`` apart in real time.
- Busy intervals are half-open ``[start, end)``: a slot may begin when a busy time ends, and an
  empty one (start = end) keeps nothing busy. ``buffer`` widens every busy interval on both
  sides (a break between two calls).
- Notice and horizon: a slot starts no earlier than ``now + notice`` and ends no later than
  ``now + horizon``.
- The prospect's timezone does not move the grid (the attendee's day is what is offered); each
  slot carries its times for both people, and ``prospect_hours`` may keep only the slots that
  lie wholly within the prospect's local hours (08:00-20:00 by default when asked for).

**States.** An appointment is ``booked``; then it was ``held``, the prospect did not come
(``no_show``), it was ``rescheduled`` (this appointment ends; its successor is booked with the
same invitation UID and a higher SEQUENCE, as the sales demos do) or ``cancelled``. Every step
names who records it and when (`AppointmentRules`, values a program may change); the
appointment's start and ``now`` are parameters.

Pure: no clock, no database, no I/O.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

from leadflow.core.calendar import WorkingCalendar, holiday_name
from leadflow.core.errors import DomainRefused, InputError, InvalidTransition
from leadflow.core.guarantee import dispute_deadline
from leadflow.core.sales import zone_of
from leadflow.core.schedule import local_instant

#: Bounds that keep one search small whatever a caller asks for.
MAX_HORIZON = timedelta(days=366)
MIN_STEP = timedelta(minutes=5)
MAX_DURATION = timedelta(hours=12)
MAX_SLOTS = 5000

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --- Intervals and working hours ----------------------------------------------------------------


@dataclass(frozen=True, order=True, slots=True)
class Interval:
    """A half-open span of time ``[start, end)`` between two aware instants, kept in UTC (so
    that arithmetic on it is elapsed time, and comparisons never meet a repeated local hour)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            moment = getattr(self, name)
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware")
            object.__setattr__(self, name, moment.astimezone(UTC))
        if self.end < self.start:
            raise ValueError(f"an interval cannot end ({self.end}) before it starts ({self.start})")

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end


def intervals_merge(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Overlapping or touching intervals joined, empty ones dropped, in order of start."""
    merged: list[Interval] = []
    for interval in sorted(i for i in intervals if i.end > i.start):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class WorkingWindow:
    """Local wall-clock hours on one day, ``start`` up to ``end`` (09:00-17:00)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise InputError("working_hours", "working hours are local times, without a timezone")
        if self.end <= self.start:
            raise InputError(
                "working_hours",
                f"working hours must end after they start ({self.start:%H:%M}-{self.end:%H:%M})",
            )

    @property
    def text(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class WeeklyHours:
    """Working windows per weekday (0 Monday … 6 Sunday); a weekday left out is not worked."""

    days: Mapping[int, tuple[WorkingWindow, ...]]

    def __post_init__(self) -> None:
        cleaned: dict[int, tuple[WorkingWindow, ...]] = {}
        for weekday, windows in self.days.items():
            if weekday not in range(7):
                raise InputError("working_hours", f"weekday {weekday} is not 0 (Monday) to 6")
            ordered = tuple(sorted(windows, key=lambda w: w.start))
            for before, after in itertools.pairwise(ordered):
                if after.start < before.end:
                    raise InputError(
                        "working_hours",
                        f"{WEEKDAY_NAMES[weekday]}: {before.text} and {after.text} overlap",
                    )
            if ordered:
                cleaned[weekday] = ordered
        object.__setattr__(self, "days", MappingProxyType(cleaned))

    @classmethod
    def weekdays(cls, start: time = time(9), end: time = time(17)) -> WeeklyHours:
        """The same hours Monday to Friday (09:00-17:00 unless told)."""
        window = WorkingWindow(start, end)
        return cls(dict.fromkeys(range(5), (window,)))

    def windows_on(self, day: date) -> tuple[WorkingWindow, ...]:
        return self.days.get(day.weekday(), ())

    @property
    def text(self) -> str:
        """The hours in words, one weekday a line: "Monday 09:00-12:00, 13:00-17:00"."""
        return "\n".join(
            f"{WEEKDAY_NAMES[day]} " + ", ".join(w.text for w in windows)
            for day, windows in sorted(self.days.items())
        )


@dataclass(frozen=True)
class Availability:
    """When an attendee can be booked: hours on their calendar, minus what keeps them busy
    (their appointments and imported busy times, in any order, overlapping or not)."""

    calendar: WorkingCalendar
    hours: WeeklyHours
    busy: tuple[Interval, ...] = ()


# --- Slots ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    """A free slot: its instants (UTC) and the same times on both people's clocks."""

    start: datetime
    end: datetime
    attendee_start: datetime
    prospect_start: datetime

    @property
    def prospect_end(self) -> datetime:
        return self.end.astimezone(self.prospect_start.tzinfo)

    @property
    def attendee_end(self) -> datetime:
        return self.end.astimezone(self.attendee_start.tzinfo)


@dataclass(frozen=True, slots=True)
class ProspectHours:
    """The prospect's acceptable local hours; a slot must lie wholly inside them."""

    start: time = time(8)
    end: time = time(20)

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InputError("prospect_hours", "the prospect's hours must end after they start")


def working_intervals(
    availability: Availability, first_day: date, last_day: date
) -> list[Interval]:
    """The attendee's working windows from ``first_day`` to ``last_day`` (local days, both
    included) as instants, holidays and closure days left out, in order."""
    zone = availability.calendar.zone
    intervals: list[Interval] = []
    day = first_day
    while day <= last_day:
        if holiday_name(availability.calendar, day) is None:
            for window in availability.hours.windows_on(day):
                start = local_instant(day, window.start, zone)[0]
                end = local_instant(day, window.end, zone)[0]
                if end > start:
                    intervals.append(Interval(start, end))
        day += timedelta(days=1)
    return intervals


def free_slots(
    *,
    availability: Availability,
    prospect_timezone: str,
    duration: timedelta,
    now: datetime,
    notice: timedelta = timedelta(0),
    horizon: timedelta,
    step: timedelta = timedelta(minutes=30),
    buffer: timedelta = timedelta(0),
    prospect_hours: ProspectHours | None = None,
    limit: int | None = None,
) -> list[Slot]:
    """Every free slot between ``now + notice`` and ``now + horizon``, earliest first (see the
    module's docstring for the rules). ``InputError`` names a parameter out of bounds."""
    _check_search(now, duration, notice, horizon, step, buffer, limit)
    prospect_zone = _prospect_zone(prospect_timezone)
    zone = availability.calendar.zone
    now = now.astimezone(UTC)  # notice and horizon are elapsed time, whatever now's zone
    earliest = now + notice
    latest = now + horizon
    # A window is on a local day; take one day more either side, then clip by instants.
    first_day = earliest.astimezone(zone).date() - timedelta(days=1)
    last_day = latest.astimezone(zone).date() + timedelta(days=1)
    blocked = intervals_merge(
        Interval(b.start - buffer, b.end + buffer) for b in availability.busy if b.end > b.start
    )
    cap = MAX_SLOTS if limit is None else min(limit, MAX_SLOTS)  # never more than MAX_SLOTS
    slots: list[Slot] = []
    busy_index = 0
    for window in working_intervals(availability, first_day, last_day):
        start = _first_on_grid(window.start, earliest, step)
        while start + duration <= window.end and start + duration <= latest:
            end = start + duration
            while busy_index < len(blocked) and blocked[busy_index].end <= start:
                busy_index += 1
            if busy_index < len(blocked) and blocked[busy_index].start < end:
                start = _first_on_grid(window.start, blocked[busy_index].end, step)
                continue
            if prospect_hours is None or _within(start, end, prospect_zone, prospect_hours):
                slots.append(
                    Slot(
                        start=start.astimezone(UTC),
                        end=end.astimezone(UTC),
                        attendee_start=start.astimezone(zone),
                        prospect_start=start.astimezone(prospect_zone),
                    )
                )
                if len(slots) >= cap:
                    return slots
            start += step
    return slots


def slot_free(
    *, availability: Availability, start: datetime, duration: timedelta, buffer: timedelta
) -> bool:
    """Whether ``[start, start + duration)`` lies inside one working window and clashes with no
    busy time: what a booking checks again under lock, whatever slot the page showed."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise InputError("starts_at", "the start must carry a timezone")
    start = start.astimezone(UTC)
    end = start + duration
    zone = availability.calendar.zone
    day = start.astimezone(zone).date()
    windows = working_intervals(availability, day - timedelta(days=1), day + timedelta(days=1))
    if not any(w.start <= start and end <= w.end for w in windows):
        return False
    wanted = Interval(start - buffer, end + buffer)
    return not any(b.end > b.start and b.overlaps(wanted) for b in availability.busy)


def _first_on_grid(origin: datetime, not_before: datetime, step: timedelta) -> datetime:
    if not_before <= origin:
        return origin
    steps = -(-(not_before - origin) // step)
    return origin + steps * step


def _within(start: datetime, end: datetime, zone: ZoneInfo, hours: ProspectHours) -> bool:
    local_start = start.astimezone(zone)
    local_end = end.astimezone(zone)
    return (
        local_end.date() == local_start.date()
        and hours.start <= local_start.time()
        and local_end.time() <= hours.end
    )


def _prospect_zone(name: str) -> ZoneInfo:
    try:
        return zone_of(name)
    except ValueError:
        raise InputError("prospect_timezone", f"unknown timezone {name!r}") from None


def _check_search(
    now: datetime,
    duration: timedelta,
    notice: timedelta,
    horizon: timedelta,
    step: timedelta,
    buffer: timedelta,
    limit: int | None,
) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not timedelta(0) < duration <= MAX_DURATION:
        raise InputError("duration", f"a slot lasts more than 0 and at most {MAX_DURATION}")
    if step < MIN_STEP:
        raise InputError("step", f"slots are at least {MIN_STEP} apart")
    if notice < timedelta(0):
        raise InputError("notice", "the notice cannot be negative")
    if buffer < timedelta(0):
        raise InputError("buffer", "the buffer cannot be negative")
    if not notice < horizon <= MAX_HORIZON:
        raise InputError("horizon", f"the horizon is after the notice and at most {MAX_HORIZON}")
    if limit is not None and limit < 1:
        raise InputError("limit", "ask for at least one slot")


# --- States ---------------------------------------------------------------------------------------


class AppointmentKind(StrEnum):
    PHONE = "phone"
    VIDEO = "video"
    ON_SITE = "on_site"

    @property
    def label(self) -> str:
        return {"phone": "Phone call", "video": "Video call", "on_site": "On site"}[self.value]


class AppointmentState(StrEnum):
    BOOKED = "booked"
    HELD = "held"
    NO_SHOW = "no_show"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            "booked": "Booked",
            "held": "Held",
            "no_show": "Prospect did not attend",
            "rescheduled": "Rescheduled",
            "cancelled": "Cancelled",
        }[self.value]


class AppointmentAction(StrEnum):
    RECORD_HELD = "record_held"
    RECORD_NO_SHOW = "record_no_show"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"

    @property
    def label(self) -> str:
        return {
            "record_held": "Record as held",
            "record_no_show": "Record that the prospect did not attend",
            "reschedule": "Reschedule",
            "cancel": "Cancel",
        }[self.value]


class AppointmentRole(StrEnum):
    """Who a person is to one appointment."""

    ATTENDEE = "attendee"  # the client's sales person, or the partner / field sales executive
    BOOKER = "booker"  # the qualifier who set it, or anyone of the agency's qualifiers
    MANAGER = "manager"  # the program's sales manager, or an admin

    @property
    def label(self) -> str:
        return {"attendee": "the attendee", "booker": "the qualifier", "manager": "a manager"}[
            self.value
        ]


A = AppointmentAction
R = AppointmentRole

_TARGET = {
    A.RECORD_HELD: AppointmentState.HELD,
    A.RECORD_NO_SHOW: AppointmentState.NO_SHOW,
    A.RESCHEDULE: AppointmentState.RESCHEDULED,
    A.CANCEL: AppointmentState.CANCELLED,
}

DEFAULT_WHO: Mapping[AppointmentAction, frozenset[AppointmentRole]] = MappingProxyType(
    {
        A.RECORD_HELD: frozenset({R.ATTENDEE, R.MANAGER}),
        A.RECORD_NO_SHOW: frozenset({R.ATTENDEE}),
        A.RESCHEDULE: frozenset({R.ATTENDEE, R.BOOKER, R.MANAGER}),
        A.CANCEL: frozenset({R.ATTENDEE, R.BOOKER, R.MANAGER}),
    }
)


class AppointmentRefused(DomainRefused):
    """A step on an appointment refused for who asks or when (409), with the reason in words."""


@dataclass(frozen=True)
class AppointmentRules:
    """Who may record which step, and in which window (a program's settings).

    - ``outcome_days``: held and no-show are recorded from the start until the end of the Nth
      calendar day after the start's day in the attendee's timezone (the dispute window's
      counting, `core.guarantee.dispute_deadline`); 0 means the same day.
    - ``change_notice``: rescheduling and cancelling close this long before the start (0: until
      the start itself); after the start the appointment was either held or not attended.
    """

    outcome_days: int = 2
    change_notice: timedelta = timedelta(0)
    who: Mapping[AppointmentAction, frozenset[AppointmentRole]] = field(
        default_factory=lambda: DEFAULT_WHO
    )

    def __post_init__(self) -> None:
        if self.outcome_days < 0:
            raise InputError("outcome_days", "the window cannot be negative")
        if self.change_notice < timedelta(0):
            raise InputError("change_notice", "the notice cannot be negative")
        missing = [action for action in AppointmentAction if action not in self.who]
        if missing:
            raise InputError("who", "name who may " + ", ".join(a.label for a in missing))


@dataclass(frozen=True)
class AppointmentStep:
    """An allowed step: the state it leads to, and until when it may be taken."""

    action: AppointmentAction
    target: AppointmentState
    opens: datetime | None
    closes: datetime | None


def appointment_window(
    action: AppointmentAction, *, starts_at: datetime, timezone: str, rules: AppointmentRules
) -> tuple[datetime | None, datetime | None]:
    """When ``action`` may be taken on an appointment starting at ``starts_at``: (opens,
    closes), both included; None where unbounded."""
    if starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise ValueError("starts_at must be timezone-aware")
    starts_at = starts_at.astimezone(UTC)
    if action in (A.RECORD_HELD, A.RECORD_NO_SHOW):
        closes = dispute_deadline(starts_at, days=rules.outcome_days, timezone=timezone)
        return starts_at, closes
    return None, starts_at - rules.change_notice - timedelta(microseconds=1)


def appointment_next(
    *,
    state: AppointmentState,
    action: AppointmentAction,
    role: AppointmentRole | Iterable[AppointmentRole],
    starts_at: datetime,
    timezone: str,
    now: datetime,
    rules: AppointmentRules,
) -> AppointmentState:
    """The state ``action`` leads to, or why it is refused: `InvalidTransition` when the
    appointment is no longer booked, `AppointmentRefused` for who asks or when. ``role`` is what
    the person is to this appointment (an attendee who is also a manager passes both)."""
    roles = frozenset([role] if isinstance(role, AppointmentRole) else role)
    if state is not AppointmentState.BOOKED:
        raise InvalidTransition(
            f"cannot {action.label.lower()}: the appointment is already {state.label.lower()}"
        )
    allowed = rules.who[action]
    if not roles & allowed:
        who = " or ".join(sorted(r.label for r in allowed)) or "nobody"
        raise AppointmentRefused(f"only {who} may {action.label.lower()}")
    opens, closes = appointment_window(action, starts_at=starts_at, timezone=timezone, rules=rules)
    if opens is not None and now < opens:
        raise AppointmentRefused(
            f"cannot {action.label.lower()} before the appointment starts "
            f"({_when(opens, timezone)})"
        )
    if closes is not None and now > closes:
        raise AppointmentRefused(
            f"the time to {action.label.lower()} ended {_when(closes, timezone)}"
        )
    return _TARGET[action]


def appointment_steps(
    *,
    state: AppointmentState,
    role: AppointmentRole | Iterable[AppointmentRole],
    starts_at: datetime,
    timezone: str,
    now: datetime,
    rules: AppointmentRules,
) -> tuple[AppointmentStep, ...]:
    """The steps this person may take now, in the order of `AppointmentAction` (the buttons)."""
    roles = frozenset([role] if isinstance(role, AppointmentRole) else role)
    steps: list[AppointmentStep] = []
    for action in AppointmentAction:
        try:
            target = appointment_next(
                state=state,
                action=action,
                role=roles,
                starts_at=starts_at,
                timezone=timezone,
                now=now,
                rules=rules,
            )
        except (InvalidTransition, AppointmentRefused):
            continue
        opens, closes = appointment_window(
            action, starts_at=starts_at, timezone=timezone, rules=rules
        )
        steps.append(AppointmentStep(action, target, opens, closes))
    return tuple(steps)


#: States no step leaves (a rescheduled appointment lives on in its successor).
FINAL_STATES = frozenset(
    {
        AppointmentState.HELD,
        AppointmentState.NO_SHOW,
        AppointmentState.RESCHEDULED,
        AppointmentState.CANCELLED,
    }
)


class AppointmentDisputeReason(StrEnum):
    """Why a client disputes an appointment (issue 20, item 2)."""

    NO_SHOW = "no_show"
    WRONG_PERSON = "wrong_person"
    OUTSIDE_CRITERIA = "outside_criteria"

    @property
    def label(self) -> str:
        return {
            "no_show": "The prospect did not attend",
            "wrong_person": "The wrong person attended",
            "outside_criteria": "Outside the program's criteria",
        }[self.value]


def appointment_disputable(state: AppointmentState, reason: AppointmentDisputeReason) -> bool:
    """Whether an appointment in ``state`` may be disputed for ``reason``: a booked, held or
    missed one (a no-show dispute needs no recorded no-show: the client says so); never a
    rescheduled or cancelled one, which was not delivered as such."""
    if state in (AppointmentState.RESCHEDULED, AppointmentState.CANCELLED):
        return False
    return not (state is AppointmentState.HELD and reason is AppointmentDisputeReason.NO_SHOW)


def _when(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(zone_of(timezone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def busy_of(appointments: Sequence[tuple[datetime, datetime]]) -> tuple[Interval, ...]:
    """Busy intervals from (start, end) pairs of the attendee's booked appointments."""
    return tuple(Interval(start, end) for start, end in appointments)
