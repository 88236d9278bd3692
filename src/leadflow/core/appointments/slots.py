"""Free slots of an attendee (see the package's docstring for the rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from leadflow.core.appointments.hours import Interval, WeeklyHours, intervals_merge
from leadflow.core.calendar import WorkingCalendar, holiday_name
from leadflow.core.errors import InputError
from leadflow.core.sales import zone_of
from leadflow.core.schedule import local_instant

#: Bounds that keep one search small whatever a caller asks for.
MAX_HORIZON = timedelta(days=366)
MIN_STEP = timedelta(minutes=5)
MAX_DURATION = timedelta(hours=12)
MAX_SLOTS = 5000


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
