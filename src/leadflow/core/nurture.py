"""When a nurture touch is due (DESIGN.md, "Nurture and follow-up": a sequence's touches wait
a number of the program's working days).

A touch waits ``wait_days`` working days counted from the previous touch's due day (from the
day of entry for the first touch), in the program's calendar: its country and subdivision's
public holidays, its closure days and weekends are skipped. A wait of 0 means the same moment
as the previous touch (on entry for the first one), whatever the day. A touch after a wait is
due at the start of the sending hour (``SEND_AT``, local time) of its working day, so that
e-mails arrive in the morning and call tasks are in the queue when the qualifiers start. A
sequence ends ``END_AFTER_DAYS`` working days after its last touch.

Pure: the calendar and the instants are parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time

from leadflow.core.calendar import WorkingCalendar, add_working_days

#: The local time of day a touch after a wait falls due.
SEND_AT = time(9, 0)
#: Working days after its last touch that a sequence ends (the last touch has time to be
#: answered before the lead goes to the dead file or on to a long-term sequence).
END_AFTER_DAYS = 10


def touch_due(previous: datetime, wait_days: int, cal: WorkingCalendar) -> datetime:
    """The instant (UTC) a touch waiting ``wait_days`` working days after ``previous`` (the
    previous touch's due instant, or the entry) is due."""
    if previous.tzinfo is None:
        raise ValueError("previous must be timezone-aware")
    if wait_days < 0:
        raise ValueError(f"wait_days must be at least 0, not {wait_days}")
    if wait_days == 0:
        return previous.astimezone(UTC)
    zone = cal.zone
    day = add_working_days(cal, previous.astimezone(zone).date(), wait_days)
    return datetime.combine(day, SEND_AT, zone).astimezone(UTC)


def sequence_schedule(
    entered: datetime, waits: Sequence[int], cal: WorkingCalendar
) -> list[datetime]:
    """Every touch's due instant for a lead entering at ``entered`` (a preview of the whole
    sequence, and what the engine computes one touch at a time)."""
    due: list[datetime] = []
    previous = entered
    for wait in waits:
        previous = touch_due(previous, wait, cal)
        due.append(previous)
    return due
