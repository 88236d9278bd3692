"""An attendee's imported iCalendar feed (RFC 5545) read into busy intervals (issue 20, item 1).

What is busy:

- ``VFREEBUSY`` components: every ``FREEBUSY`` period (start/end or start/duration) whose
  ``FBTYPE`` is ``BUSY`` (the default), ``BUSY-UNAVAILABLE`` or ``BUSY-TENTATIVE``; ``FREE``
  periods are not busy. A tentative time is kept busy: booking over it risks a double booking.
- ``VEVENT`` components, as Google and Outlook publish a calendar: ``DTSTART`` to ``DTEND`` (or
  ``DTSTART`` + ``DURATION``), recurring ones (``RRULE``, ``RDATE``, minus ``EXDATE``, with an
  instance moved by a ``RECURRENCE-ID`` taking its place) expanded inside the window asked
  for. ``TRANSP:TRANSPARENT`` ("show as free") and ``STATUS:CANCELLED`` events are not busy.
- All-day events (``VALUE=DATE``) are busy from the start of their first day to the start of
  the day after their last (``DTEND`` is exclusive; none means one day), in the attendee's
  timezone. A time with no ``Z`` and no ``TZID`` (floating), or a ``TZID`` neither the feed's
  ``VTIMEZONE`` nor the IANA database (nor Windows' names, which the ``icalendar`` package maps)
  knows, is read in the attendee's timezone.

Hostile or broken input is refused as a whole with `FeedError`, never read in part: a feed
that silently lost a busy time would let someone be booked twice. Limits: the size, the number
of components, of busy periods and of expanded occurrences, and the length of any one busy time.

The result is clipped to the window and merged (sorted, overlaps joined). Pure: the feed is
bytes the caller fetched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rruleset, rrulestr  # type: ignore[import-untyped]
from icalendar import Calendar, Component

from leadflow.core.appointments import Interval, intervals_merge
from leadflow.core.errors import InputError
from leadflow.core.sales import zone_of

BUSY_TYPES = frozenset({"BUSY", "BUSY-UNAVAILABLE", "BUSY-TENTATIVE"})


class FeedError(InputError):
    """A free/busy feed that cannot be read, or is too large to read; the message says why."""

    def __init__(self, message: str, field: str = "free_busy_url") -> None:
        super().__init__(field, message)


@dataclass(frozen=True)
class FeedLimits:
    max_bytes: int = 2_000_000
    max_components: int = 20_000
    max_periods: int = 50_000
    max_occurrences: int = 50_000
    max_busy: timedelta = timedelta(days=366)


DEFAULT_LIMITS = FeedLimits()


def busy_from_ical(
    data: bytes | str,
    *,
    timezone: str,
    window: Interval,
    limits: FeedLimits = DEFAULT_LIMITS,
) -> tuple[Interval, ...]:
    """The busy intervals of a feed inside ``window`` (see the module's docstring);
    ``timezone`` is the attendee's, for all-day and floating times."""
    zone = zone_of(timezone)
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > limits.max_bytes:
        raise FeedError(f"the calendar is larger than {limits.max_bytes:,} bytes")
    if raw.upper().count(b"BEGIN:") > limits.max_components:
        raise FeedError(f"the calendar has more than {limits.max_components:,} entries")
    if not raw.lstrip(b"\xef\xbb\xbf \t\r\n").upper().startswith(b"BEGIN:VCALENDAR"):
        raise FeedError("this is not an iCalendar file (it does not begin with BEGIN:VCALENDAR)")
    try:
        calendars = Calendar.from_ical(raw, multiple=True)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise FeedError(f"the calendar cannot be read: {_short(exc)}") from None
    if not calendars:
        raise FeedError("the calendar is incomplete (it has no END:VCALENDAR)")
    reader = _Reader(zone, window, limits)
    for calendar in calendars:
        if calendar.name != "VCALENDAR":
            raise FeedError(f"the file holds a {calendar.name} outside any calendar")
        for component in calendar.walk():
            _refuse_errors(component)
            if component.name == "VFREEBUSY":
                reader.freebusy(component)
            elif component.name == "VEVENT":
                reader.event(component)
    return intervals_merge(reader.intervals())


class _Reader:
    def __init__(self, zone: ZoneInfo, window: Interval, limits: FeedLimits) -> None:
        self.zone = zone
        self.window = window
        self.limits = limits
        self.found: list[Interval] = []
        self.periods = 0
        self.occurrences = 0
        #: Original starts of instances a RECURRENCE-ID moved, by UID; the series' occurrences.
        self.moved: dict[str, set[datetime]] = {}
        self.series: list[tuple[str, list[tuple[datetime, Interval | None]]]] = []

    def freebusy(self, component: Component) -> None:
        _refuse_errors(component)
        values = component.get("FREEBUSY")
        if values is None:
            return
        for prop in values if isinstance(values, list) else [values]:
            periods = getattr(prop, "dts", None) or [prop]
            fbtype = str(prop.params.get("FBTYPE", "BUSY")).upper()
            for period in periods:
                self.periods += 1
                if self.periods > self.limits.max_periods:
                    raise FeedError(
                        f"the calendar has more than {self.limits.max_periods:,} busy times"
                    )
                if fbtype not in BUSY_TYPES:
                    continue
                start = getattr(period, "start", None)
                end = getattr(period, "end", None)
                if not isinstance(start, datetime) or not isinstance(end, datetime):
                    raise FeedError("a FREEBUSY period is not a start and an end or a duration")
                self._add(self._instant(start), self._instant(end))

    def event(self, component: Component) -> None:
        _refuse_errors(component)
        if str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            return
        if str(component.get("STATUS", "")).upper() == "CANCELLED":
            return
        start_prop = component.get("DTSTART")
        if start_prop is None:
            raise FeedError("an event has no start (DTSTART)")
        start_value = start_prop.dt
        length = self._length(component, start_value)
        uid = str(component.get("UID", ""))
        recurrence_id = component.get("RECURRENCE-ID")
        if recurrence_id is not None:
            self.moved.setdefault(uid, set()).add(self._start_instant(recurrence_id.dt))
            self._add_event(start_value, length)
            return
        if component.get("RRULE") is None and component.get("RDATE") is None:
            self._add_event(start_value, length)
            return
        occurrences = [
            (original, self._occurrence(original, length))
            for original in self._expand(component, start_value, length)
        ]
        self.series.append((uid, occurrences))

    def intervals(self) -> list[Interval]:
        found = list(self.found)
        for uid, occurrences in self.series:
            moved = self.moved.get(uid, set())
            found.extend(
                interval
                for original, interval in occurrences
                if interval is not None and original not in moved
            )
        return found

    # --- helpers ---

    def _length(self, component: Component, start: date | datetime) -> timedelta:
        end_prop = component.get("DTEND")
        duration_prop = component.get("DURATION")
        if end_prop is not None:
            end = end_prop.dt
            if isinstance(start, datetime) != isinstance(end, datetime):
                raise FeedError("an event's start and end are not both dates or both times")
            if isinstance(start, datetime):
                length = self._instant(end) - self._instant(start)
            else:
                length = timedelta(days=(end - start).days)
        elif duration_prop is not None:
            length = duration_prop.dt
            if not isinstance(length, timedelta):
                raise FeedError("an event's DURATION is not a duration")
        else:
            length = timedelta(days=1) if not isinstance(start, datetime) else timedelta(0)
        if length < timedelta(0):
            raise FeedError("an event ends before it starts")
        if length > self.limits.max_busy:
            raise FeedError(f"an event lasts longer than {self.limits.max_busy.days} days")
        return length

    def _expand(
        self, component: Component, start: date | datetime, length: timedelta
    ) -> Iterable[datetime]:
        """The original starts of a recurring event's occurrences that may touch the window.

        A timed event with a zone repeats in that zone (09:00 stays 09:00 across a change); an
        all-day or floating one repeats on the attendee's wall clock."""
        if isinstance(start, datetime) and start.tzinfo is not None:
            dtstart = start
            tz: Any = start.tzinfo
        else:
            dtstart = start if isinstance(start, datetime) else datetime.combine(start, time(0))
            tz = None

        def wall(value: date | datetime) -> datetime:
            moment = self._start_instant(value)
            return moment.astimezone(tz) if tz is not None else _naive_in(moment, self.zone)

        rules = rruleset()
        for prop in _as_list(component.get("RRULE")):
            text = prop.to_ical().decode()
            if tz is None:  # UNTIL in UTC against a floating start: read it on the wall clock
                text = _until_on_wall(text, self.zone)
            try:
                rule: Any = rrulestr(text, dtstart=dtstart, forceset=False)
            except (ValueError, TypeError) as exc:
                raise FeedError(f"an event's repeat rule cannot be read: {_short(exc)}") from None
            rules.rrule(rule)
        if component.get("RRULE") is None:
            rules.rdate(dtstart)
        for key, add in (("RDATE", rules.rdate), ("EXDATE", rules.exdate)):
            for prop in _as_list(component.get(key)):
                for value in getattr(prop, "dts", []):
                    moment = value.dt
                    if isinstance(moment, tuple):  # an RDATE period: its start
                        moment = moment[0]
                    add(wall(moment))
        after = wall(self.window.start - length) - timedelta(microseconds=1)
        before = wall(self.window.end)
        try:
            for original in rules.xafter(after, inc=False):
                if original >= before:
                    break
                self.occurrences += 1
                if self.occurrences > self.limits.max_occurrences:
                    raise FeedError(
                        f"the calendar repeats more than {self.limits.max_occurrences:,} times"
                    )
                yield original if tz is not None else original.replace(tzinfo=self.zone)
        except (ValueError, TypeError, OverflowError) as exc:
            raise FeedError(f"an event's repeat rule cannot be read: {_short(exc)}") from None

    def _occurrence(self, original: datetime, length: timedelta) -> Interval | None:
        start = original
        end = start + length
        if length and length % timedelta(days=1) == timedelta(0) and start.time() == time(0):
            # whole local days: end at the local midnight, not 24 h later across a change
            end = _local_midnight(start.date() + timedelta(days=length.days), start.tzinfo)
        return self._clip(start, end)

    def _add_event(self, start: date | datetime, length: timedelta) -> None:
        instant = self._start_instant(start)
        if isinstance(start, datetime):
            end = instant + length
        else:
            end = _local_midnight(start + timedelta(days=length.days), self.zone)
        self._add(instant, end)

    def _start_instant(self, value: date | datetime) -> datetime:
        if isinstance(value, datetime):
            return self._instant(value)
        return _local_midnight(value, self.zone)

    def _instant(self, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            return value.replace(tzinfo=self.zone)
        return value

    def _add(self, start: datetime, end: datetime) -> None:
        if end - start > self.limits.max_busy:
            raise FeedError(f"a busy time lasts longer than {self.limits.max_busy.days} days")
        interval = self._clip(start, end)
        if interval is not None:
            self.found.append(interval)

    def _clip(self, start: datetime, end: datetime) -> Interval | None:
        start = max(start, self.window.start)
        end = min(end, self.window.end)
        if end <= start:
            return None
        return Interval(start.astimezone(UTC), end.astimezone(UTC))


def _local_midnight(day: date, zone: Any) -> datetime:
    """The first instant of a local day (where midnight is skipped, the moment the day starts)."""
    return datetime.combine(day, time(0), zone).astimezone(ZoneInfo("UTC")).astimezone(zone)


def _naive_in(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def _until_on_wall(rule: str, zone: ZoneInfo) -> str:
    parts = []
    for part in rule.split(";"):
        name, _, value = part.partition("=")
        if name.upper() == "UNTIL" and value.upper().endswith("Z"):
            try:
                until = datetime.strptime(value.upper(), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            except ValueError:
                raise FeedError(f"an event's repeat rule has a bad UNTIL {value!r}") from None
            value = _naive_in(until, zone).strftime("%Y%m%dT%H%M%S")
        parts.append(f"{name}={value}")
    return ";".join(parts)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _refuse_errors(component: Component) -> None:
    errors = getattr(component, "errors", [])
    if errors:
        name, message = errors[0]
        what = f"the calendar's {name}" if name else "a line of the calendar"
        raise FeedError(f"{what} cannot be read ({_short(message)})")


def _short(message: object) -> str:
    text = str(message)
    return text if len(text) <= 200 else text[:197] + "…"
