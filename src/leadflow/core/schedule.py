"""When a program's delivery batch runs (DESIGN.md, "Hand-off": A and B leads go in the
program's batch on its schedule, weekly, bi-weekly or monthly).

A schedule names a local time of day in the client's timezone and the days it runs on:

- weekly on a weekday ("every Monday at 09:00");
- bi-weekly on a weekday, every second week counted from the week of an anchor date (the
  weeks run Monday to Sunday; the anchor's week is a week with a run);
- monthly on a day of the month ("the 15th"); a day the month does not have means its last day,
  so "the 31st" runs on 28 or 29 February, 30 April, 31 May;
- monthly on the first, second, third, fourth or last given weekday ("the last Friday").

Daylight-saving changes follow RFC 5545 (iCalendar), which calendar users already know:

- a local time that does not exist because clocks go forward (02:30 on the night of the spring
  change) is read with the offset in force before the change, so the run happens as many minutes
  after the gap as the time was into it: 02:30 becomes 03:30 when an hour is skipped;
- a local time that happens twice because clocks go back (01:30 on the autumn night) means its
  first occurrence; the run happens once that day, never again an hour later.

The module is pure: no clock and no database. ``now`` and every instant are parameters, and the
results are aware datetimes in UTC, as the database keeps them.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from leadflow.core.errors import DomainError

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: ``week_of_month`` for "the last <weekday> of the month".
LAST = -1
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", LAST: "last"}
#: Farthest a next run can be from the day it is looked for: a monthly run on the 31st seen
#: from the 1st of a 31-day month, plus a day either side; a bound, so a bad schedule can never
#: loop for ever.
_SEARCH_DAYS = 70


class ScheduleError(DomainError):
    """A delivery schedule that cannot run (missing weekday, day 32, unknown timezone…)."""


class Frequency(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"

    @property
    def label(self) -> str:
        return {"weekly": "Weekly", "biweekly": "Bi-weekly", "monthly": "Monthly"}[self.value]


@dataclass(frozen=True, slots=True)
class Schedule:
    """One program's batch schedule: how often, on which day, at what local time, where.

    ``weekday`` is 0 for Monday to 6 for Sunday (``date.weekday()``); ``anchor`` is any date in
    a week with a run (bi-weekly only); ``week_of_month`` is 1-4 or ``LAST`` (monthly on a
    weekday only). Invalid combinations raise `ScheduleError` with every problem named.
    """

    frequency: Frequency
    timezone: str
    at: time = time(9, 0)
    weekday: int | None = None
    day_of_month: int | None = None
    week_of_month: int | None = None
    anchor: date | None = None

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ScheduleError("; ".join(problems))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _problems(schedule: Schedule) -> list[str]:
    problems = []
    try:
        ZoneInfo(schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"unknown timezone {schedule.timezone!r}")
    if schedule.at.tzinfo is not None:
        problems.append("the time of day is a local time, without a timezone")
    if schedule.weekday is not None and schedule.weekday not in range(7):
        problems.append(f"weekday must be 0 (Monday) to 6 (Sunday), not {schedule.weekday}")
    frequency = schedule.frequency
    if frequency in (Frequency.WEEKLY, Frequency.BIWEEKLY):
        if schedule.weekday is None:
            problems.append(f"a {frequency.label.lower()} schedule needs a weekday")
        if schedule.day_of_month is not None or schedule.week_of_month is not None:
            problems.append(f"a {frequency.label.lower()} schedule runs on a weekday only")
    if frequency is Frequency.BIWEEKLY and schedule.anchor is None:
        problems.append("a bi-weekly schedule needs an anchor date (a week with a run)")
    if frequency is Frequency.MONTHLY:
        by_day = schedule.day_of_month is not None
        by_weekday = schedule.weekday is not None or schedule.week_of_month is not None
        if by_day == by_weekday:
            problems.append(
                "a monthly schedule runs either on a day of the month or on a weekday of a "
                "given week of the month"
            )
        if schedule.day_of_month is not None and schedule.day_of_month not in range(1, 32):
            problems.append(f"day of month must be 1 to 31, not {schedule.day_of_month}")
        if by_weekday and (schedule.weekday is None or schedule.week_of_month is None):
            problems.append("a monthly schedule on a weekday needs the weekday and which week")
        if schedule.week_of_month is not None and schedule.week_of_month not in ORDINALS:
            problems.append(
                f"week of month must be 1 to 4 or {LAST} (last), not {schedule.week_of_month}"
            )
    return problems


@dataclass(frozen=True, slots=True)
class ScheduledRun:
    """One run of a schedule: the instant (UTC), the local day it belongs to, and why it is not
    at the plain day and time when a month end or a daylight-saving change moved it."""

    at: datetime
    day: date
    note: str = ""


def next_run(schedule: Schedule, after: datetime) -> ScheduledRun:
    """The schedule's first run strictly after ``after`` (an aware datetime).

    Runs are found day by day in the schedule's timezone, one instant per matching day, so a
    day whose time happens twice (clocks going back) still runs once. The search starts a day
    before ``after``'s local day because a time pushed forward by a gap at midnight may fall on
    the next day.
    """
    _require_aware(after)
    zone = schedule.zone
    day = after.astimezone(zone).date() - timedelta(days=1)
    for _ in range(_SEARCH_DAYS):
        if _runs_on(schedule, day):
            at, note = local_instant(day, schedule.at, zone)
            if at > after:
                clamp = _month_end_note(schedule, day)
                return ScheduledRun(at=at, day=day, note="; ".join(n for n in (clamp, note) if n))
        day += timedelta(days=1)
    raise ScheduleError(f"no run within {_SEARCH_DAYS} days")  # pragma: no cover - unreachable


def upcoming_runs(schedule: Schedule, after: datetime, count: int) -> list[ScheduledRun]:
    """The next ``count`` runs after ``after``, for the schedule page's preview."""
    runs: list[ScheduledRun] = []
    while len(runs) < count:
        runs.append(next_run(schedule, runs[-1].at if runs else after))
    return runs


def local_instant(day: date, at: time, zone: ZoneInfo) -> tuple[datetime, str]:
    """The UTC instant of ``at`` on ``day`` in ``zone``, with a note when a daylight-saving
    change moved it (RFC 5545: a skipped time takes the offset before the gap; a repeated time
    means its first occurrence)."""
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0)
    instant = first.astimezone(UTC)
    shown = instant.astimezone(zone)
    if shown.replace(tzinfo=None) != wall:
        return instant, (
            f"{at:%H:%M} does not exist on {day.isoformat()} in {zone.key} (clocks go "
            f"forward); runs at {shown:%H:%M}"
        )
    second = wall.replace(tzinfo=zone, fold=1)
    if second.utcoffset() != first.utcoffset():
        return instant, (
            f"{at:%H:%M} happens twice on {day.isoformat()} in {zone.key} (clocks go back); "
            f"runs at the first, {shown:%H:%M} {shown.tzname()}"
        )
    return instant, ""


def runs_on(schedule: Schedule, day: date) -> bool:
    """Whether the schedule runs on this local day."""
    return _runs_on(schedule, day)


def _runs_on(schedule: Schedule, day: date) -> bool:
    if schedule.frequency is Frequency.WEEKLY:
        return day.weekday() == schedule.weekday
    if schedule.frequency is Frequency.BIWEEKLY:
        assert schedule.anchor is not None
        if day.weekday() != schedule.weekday:
            return False
        return (_monday(day) - _monday(schedule.anchor)).days // 7 % 2 == 0
    return day == monthly_day(schedule, day.year, day.month)


def monthly_day(schedule: Schedule, year: int, month: int) -> date:
    """The day of ``year``/``month`` a monthly schedule runs on."""
    last = calendar.monthrange(year, month)[1]
    if schedule.day_of_month is not None:
        return date(year, month, min(schedule.day_of_month, last))
    assert schedule.weekday is not None
    assert schedule.week_of_month is not None
    if schedule.week_of_month == LAST:
        end = date(year, month, last)
        return end - timedelta(days=(end.weekday() - schedule.weekday) % 7)
    first = date(year, month, 1)
    first_match = first + timedelta(days=(schedule.weekday - first.weekday()) % 7)
    return first_match + timedelta(weeks=schedule.week_of_month - 1)


def _month_end_note(schedule: Schedule, day: date) -> str:
    wanted = schedule.day_of_month
    if schedule.frequency is Frequency.MONTHLY and wanted is not None and day.day != wanted:
        return f"{calendar.month_name[day.month]} has no day {wanted}; runs on its last day"
    return ""


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def describe(schedule: Schedule) -> str:
    """The schedule in words: "Every other Monday at 09:00 (America/New_York)"."""
    at = f"at {schedule.at:%H:%M} ({schedule.timezone})"
    if schedule.frequency is Frequency.WEEKLY:
        assert schedule.weekday is not None
        return f"Every {WEEKDAYS[schedule.weekday]} {at}"
    if schedule.frequency is Frequency.BIWEEKLY:
        assert schedule.weekday is not None
        assert schedule.anchor is not None
        return (
            f"Every other {WEEKDAYS[schedule.weekday]} {at}, "
            f"counting from the week of {schedule.anchor.isoformat()}"
        )
    if schedule.day_of_month is not None:
        day = schedule.day_of_month
        tail = " (the last day in shorter months)" if day > 28 else ""
        return f"Monthly on day {day}{tail} {at}"
    assert schedule.weekday is not None
    assert schedule.week_of_month is not None
    return f"Monthly on the {ORDINALS[schedule.week_of_month]} {WEEKDAYS[schedule.weekday]} {at}"


def _require_aware(value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("instants must be timezone-aware")
