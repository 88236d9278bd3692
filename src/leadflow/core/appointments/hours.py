"""Working hours and busy intervals of an attendee (see the package's docstring)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from types import MappingProxyType

from leadflow.core.errors import InputError

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


def weekly_hours_parse(text: str) -> WeeklyHours:
    """Working hours as a person types them, one line per day or range of days:
    "Mon-Fri 09:00-17:00", "Monday 09:00-12:00, 13:00-17:00", "sat 10:00-12:00" (day names in
    full or by their first three letters, any case; "-" or "to" between times and days). A day
    on several lines gets all their windows. `InputError` on ``working_hours`` names every line
    that cannot be read, and nothing is returned then; the inverse is `WeeklyHours.text`."""
    days: dict[int, list[WorkingWindow]] = {}
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        head, _, rest = line.partition(" ")
        try:
            weekdays = _weekdays(head)
            windows = [_window(part) for part in rest.split(",") if part.strip()]
            if not windows:
                raise ValueError("no hours after the days")
        except ValueError as exc:
            problems.append(f"Line {number}: {exc}.")
            continue
        for weekday in weekdays:
            days.setdefault(weekday, []).extend(windows)
    if problems:
        raise InputError("working_hours", " ".join(problems))
    return WeeklyHours({day: tuple(windows) for day, windows in days.items()})


def _weekdays(text: str) -> list[int]:
    first, dash, last = text.partition("-")
    start = _weekday(first)
    if not dash:
        return [start]
    end = _weekday(last)
    return [(start + offset) % 7 for offset in range((end - start) % 7 + 1)]


def _weekday(text: str) -> int:
    wanted = text.strip().casefold()
    for number, name in enumerate(WEEKDAY_NAMES):
        if wanted in (name.casefold(), name[:3].casefold()):
            return number
    raise ValueError(f"{text.strip()!r} is not a day of the week")


def _window(text: str) -> WorkingWindow:
    cleaned = text.strip().replace(" to ", "-").replace("\u2013", "-").replace(" ", "")
    first, dash, last = cleaned.partition("-")
    if not dash:
        raise ValueError(f"{text.strip()!r} is not hours such as 09:00-17:00")
    try:
        start, end = time.fromisoformat(_hhmm(first)), time.fromisoformat(_hhmm(last))
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not hours such as 09:00-17:00") from None
    if end <= start:
        raise ValueError(f"{text.strip()} ends before it starts")
    return WorkingWindow(start, end)


def _hhmm(text: str) -> str:
    hours, colon, minutes = text.partition(":")
    if (
        not hours.isdigit()
        or len(hours) > 2
        or (colon and not (minutes.isdigit() and len(minutes) == 2))
    ):
        raise ValueError(text)
    return f"{int(hours):02d}:{minutes if colon else '00'}"


def busy_of(appointments: Sequence[tuple[datetime, datetime]]) -> tuple[Interval, ...]:
    """Busy intervals from (start, end) pairs of the attendee's booked appointments."""
    return tuple(Interval(start, end) for start, end in appointments)
