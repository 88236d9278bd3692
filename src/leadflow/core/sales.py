"""When a sales task is due, and when a demo may start (DESIGN.md, "Nurture and follow-up";
issue 15).

A task of the inquiry flow waits ``after_working_days`` of the program's working days after
the previous one (after the start for the first): 0 means the same moment, whatever the day; a
wait lands at ``at`` (local time, the program's ``task_hour``) of the Nth working day, so
calls are in the salesperson's list when the day starts. A follow-up on a date the prospect
gave (an assessment's completion date) is due at that hour of the date, or of the next working
day when the date is not one.

Times of demos are given in the participants' timezone: a wall-clock time becomes an instant by
RFC 5545's rules (``core.schedule.local_instant``: a skipped time takes the offset before the
gap, a repeated one means its first occurrence). An on-site demo must start at least the
program's minimum lead time (in calendar days) after it is booked.

Pure: the calendar and the instants are parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from leadflow.core.calendar import WorkingCalendar, add_working_days, is_working_day
from leadflow.core.schedule import local_instant

#: Farthest a "next working day" is looked for (a year of closure days is a bad calendar).
_SEARCH_DAYS = 370


def task_due(
    previous: datetime, after_working_days: int, cal: WorkingCalendar, at: time
) -> datetime:
    """The instant (UTC) a task waiting ``after_working_days`` working days after ``previous``
    is due."""
    if previous.tzinfo is None:
        raise ValueError("previous must be timezone-aware")
    if after_working_days < 0:
        raise ValueError(f"after_working_days must be at least 0, not {after_working_days}")
    if after_working_days == 0:
        return previous.astimezone(UTC)
    day = add_working_days(cal, previous.astimezone(cal.zone).date(), after_working_days)
    return local_instant(day, at, cal.zone)[0]


def flow_schedule(
    start: datetime, waits: Sequence[int], cal: WorkingCalendar, at: time
) -> list[datetime]:
    """Every flow task's due instant for a lead whose flow starts at ``start``."""
    due: list[datetime] = []
    previous = start
    for wait in waits:
        previous = task_due(previous, wait, cal, at)
        due.append(previous)
    return due


def due_on_day(day: date, cal: WorkingCalendar, at: time) -> datetime:
    """``at`` on ``day``, or on the next working day when ``day`` is not one."""
    current = day
    for _ in range(_SEARCH_DAYS):
        if is_working_day(cal, current):
            break
        current += timedelta(days=1)
    else:
        current = day
    return local_instant(current, at, cal.zone)[0]


def zone_of(name: str) -> ZoneInfo:
    """The IANA timezone ``name``; ValueError for a name that is not one."""
    if not name or name != name.strip() or len(name) > 64:
        raise ValueError(f"unknown timezone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown timezone {name!r}") from exc


def instant_in(moment: datetime, zone: ZoneInfo) -> datetime:
    """A demo time as an instant (UTC): an aware time is taken as it is; a wall-clock
    (naive) time is read in ``zone``, by RFC 5545's rules for daylight-saving changes."""
    if moment.utcoffset() is not None:
        return moment.astimezone(UTC)
    return local_instant(moment.date(), moment.time(), zone)[0]


def earliest_on_site(now: datetime, min_lead_days: int) -> datetime:
    """The earliest start of an on-site demo booked at ``now``."""
    return now + timedelta(days=min_lead_days)
