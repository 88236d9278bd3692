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
of components, of busy periods and of expanded occurrences (counted from each series' start),
the length of any one busy time, and the steps from a series' start to the window's end.
Repeat rules are read when they are the kind calendars publish (daily or slower; BYDAY,
BYMONTH, and for monthly and yearly ones BYMONTHDAY and BYSETPOS) and could match at all: the
rule library looks for a rule's next occurrence up to the year 9999, seconds of work for one
event that never matches, so such a rule is refused (`_check_satisfiable`), and the parts that
only limit a period (BYMONTH; a daily rule's BYDAY) are applied here rather than by the
library, which then meets a candidate every period and stops at the window's end. All the
repeats of a feed together take at most ``max_rule_steps`` candidates.

The result is clipped to the window and merged (sorted, overlaps joined). Pure: the feed is
bytes the caller fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar, Component

from leadflow.core.appointments import Interval, intervals_merge
from leadflow.core.errors import InputError
from leadflow.core.sales import zone_of

BUSY_TYPES = frozenset({"BUSY", "BUSY-UNAVAILABLE", "BUSY-TENTATIVE"})
#: The length of one step of each frequency read (a month and a year at their shortest).
_PERIOD = {
    "DAILY": timedelta(days=1),
    "WEEKLY": timedelta(days=7),
    "MONTHLY": timedelta(days=28),
    "YEARLY": timedelta(days=365),
}


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
    max_rule_periods: int = 200_000
    max_rule_steps: int = 1_000_000
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
        self.steps = 0
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
        uid = str(component.get("UID", ""))
        recurrence_id = component.get("RECURRENCE-ID")
        if recurrence_id is not None:
            # An instance of a series moved, made free or cancelled: the original time is not
            # busy any more, whatever the instance itself is.
            self.moved.setdefault(uid, set()).add(self._start_instant(recurrence_id.dt))
        if str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            return
        if str(component.get("STATUS", "")).upper() == "CANCELLED":
            return
        start_prop = component.get("DTSTART")
        if start_prop is None:
            raise FeedError("an event has no start (DTSTART)")
        start_value = start_prop.dt
        length = self._length(component, start_value)
        if recurrence_id is not None or (
            component.get("RRULE") is None and component.get("RDATE") is None
        ):
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
    ) -> list[datetime]:
        """The original starts of a recurring event's occurrences that may touch the window.

        A timed event with a zone repeats in that zone (09:00 stays 09:00 across a change); an
        all-day or floating one repeats on the attendee's wall clock. Every rule is cut at the
        window's end (its COUNT counted here), so a rule that never matches, or matches every
        second since 1900, costs at most ``max_rule_periods`` steps."""
        if isinstance(start, datetime) and start.tzinfo is not None:
            dtstart = start
            tz: Any = start.tzinfo
        else:
            dtstart = start if isinstance(start, datetime) else datetime.combine(start, time(0))
            tz = None

        def wall(value: date | datetime) -> datetime:
            moment = self._start_instant(value)
            return moment.astimezone(tz) if tz is not None else _naive_in(moment, self.zone)

        after = wall(self.window.start - length)
        before = wall(self.window.end)
        starts: set[datetime] = set()
        if component.get("RRULE") is None:
            starts.add(dtstart)
        for prop in _as_list(component.get("RRULE")):
            starts.update(self._rule(prop.to_ical().decode(), dtstart, before))
        for prop in _as_list(component.get("RDATE")):
            for value in getattr(prop, "dts", []):
                moment = value.dt[0] if isinstance(value.dt, tuple) else value.dt
                starts.add(wall(moment))
        for prop in _as_list(component.get("EXDATE")):
            for value in getattr(prop, "dts", []):
                starts.discard(wall(value.dt))
        return [
            original if tz is not None else original.replace(tzinfo=self.zone)
            for original in sorted(starts)
            if after < original < before
        ]

    def _rule(self, text: str, dtstart: datetime, before: datetime) -> list[datetime]:
        parts = {}
        for part in text.split(";"):
            name, _, value = part.partition("=")
            parts[name.strip().upper()] = value.strip()
        frequency = parts.get("FREQ", "").upper()
        if frequency not in _PERIOD:
            raise FeedError(
                f"an event repeats {frequency.lower() or 'without a frequency'}: "
                "only daily or slower repeats are read"
            )
        try:
            interval = int(parts.get("INTERVAL", "1"))
            count = int(parts.pop("COUNT")) if "COUNT" in parts else None
        except ValueError:
            raise FeedError(f"an event's repeat rule cannot be read: {text[:100]}") from None
        if interval < 1 or (count is not None and count < 0):
            raise FeedError(f"an event's repeat rule cannot be read: {text[:100]}")
        if (before - dtstart) / (_PERIOD[frequency] * interval) > self.limits.max_rule_periods:
            raise FeedError("an event repeats too often over too long a time to be read")
        until_text = parts.pop("UNTIL", None)
        _check_satisfiable(frequency, interval, parts, dtstart)
        # The parts that only limit a period's occurrences are applied here, not by the rule
        # library, so that it meets an occurrence every period or so and stops at the window.
        months = _numbers(parts.pop("BYMONTH")) if "BYMONTH" in parts else None
        weekdays = None
        if frequency == "DAILY" and "BYDAY" in parts:
            weekdays = {_WEEKDAYS.index(d.strip().upper()) for d in parts.pop("BYDAY").split(",")}
        try:
            rule: Any = rrulestr(
                ";".join(f"{k}={v}" for k, v in parts.items()), dtstart=dtstart, forceset=False
            )
            until = before
            if until_text is not None:
                until = min(until, _until(until_text, dtstart, self.zone))
            rule = rule.replace(until=until)
            found: list[datetime] = []
            for candidate in rule:
                self.steps += 1
                if self.steps > self.limits.max_rule_steps:
                    raise FeedError("the calendar's repeats take too long to read")
                if months is not None and candidate.month not in months:
                    continue
                if weekdays is not None and candidate.weekday() not in weekdays:
                    continue
                if count is not None and len(found) >= count:
                    break
                self.occurrences += 1
                if self.occurrences > self.limits.max_occurrences:
                    raise FeedError(
                        f"the calendar repeats more than {self.limits.max_occurrences:,} times"
                    )
                found.append(candidate)
        except (ValueError, TypeError, OverflowError) as exc:
            raise FeedError(f"an event's repeat rule cannot be read: {_short(exc)}") from None
        return found

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


#: The parts of a repeat rule read for each frequency: the ones calendars publish, chosen so
#: that a rule passing `_check_satisfiable` always has another occurrence within a few years
#: (the rule library looks for one up to the year 9999 otherwise, seconds of work per event).
_RULE_PARTS = {
    "DAILY": {"FREQ", "INTERVAL", "BYDAY", "BYMONTH", "WKST"},
    "WEEKLY": {"FREQ", "INTERVAL", "BYDAY", "BYMONTH", "WKST"},
    "MONTHLY": {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST"},
    "YEARLY": {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST"},
}
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _check_satisfiable(
    frequency: str, interval: int, parts: dict[str, str], dtstart: datetime
) -> None:
    """Refuses a repeat rule that could never match, or whose parts we do not read."""

    def refuse(why: str) -> NoReturn:
        raise FeedError(f"an event's repeat rule is not one calendars publish ({why})")

    unknown = set(parts) - _RULE_PARTS[frequency]
    if unknown:
        refuse(", ".join(sorted(unknown)) + f" with FREQ={frequency}")
    try:
        months = {int(m) for m in parts["BYMONTH"].split(",")} if "BYMONTH" in parts else None
        monthdays = (
            [int(d) for d in parts["BYMONTHDAY"].split(",")] if "BYMONTHDAY" in parts else []
        )
        positions = [int(p) for p in parts["BYSETPOS"].split(",")] if "BYSETPOS" in parts else []
    except ValueError:
        refuse("a number that is not one")
    days = [d.strip().upper() for d in parts["BYDAY"].split(",")] if "BYDAY" in parts else []
    ordinals = []
    for day in days:
        if day[-2:] not in _WEEKDAYS:
            refuse(f"BYDAY={day}")
        if day[:-2]:
            try:
                ordinals.append(int(day[:-2]))
            except ValueError:
                refuse(f"BYDAY={day}")
    if months is not None and not months <= set(range(1, 13)):
        refuse("BYMONTH out of 1-12")
    if frequency == "MONTHLY":
        reached = {(dtstart.month - 1 + k * interval) % 12 + 1 for k in range(12)}
        months = reached if months is None else months & reached
        if not months:
            refuse("BYMONTH never reached at this INTERVAL")
    if frequency in ("DAILY", "WEEKLY") and ordinals:
        refuse(f"BYDAY positions with FREQ={frequency}")
    weekdays = {d[-2:] for d in days}
    if (
        frequency == "DAILY"
        and days
        and interval % 7 == 0
        and _WEEKDAYS[dtstart.weekday()] not in weekdays
    ):
        refuse("BYDAY never reached at this INTERVAL")
    limit = 53 if frequency == "YEARLY" and months is None else 5
    if any(not 1 <= abs(o) <= limit for o in ordinals):
        refuse("a BYDAY position that no month or year has")
    for monthday in monthdays:
        if not 1 <= abs(monthday) <= 31:
            refuse("BYMONTHDAY out of 1-31")
    if monthdays and not any(
        abs(monthday) <= _MONTH_DAYS[month - 1]
        for monthday in monthdays
        for month in (months or range(1, 13))
    ):
        refuse("BYMONTHDAY that none of its months has")
    if frequency == "YEARLY" and interval > 1:
        # Leap days and the 53rd weekday of a year come only in some years, which an INTERVAL
        # may step over for ever.
        if (
            monthdays
            and all(abs(d) >= 29 for d in monthdays)
            and months is not None
            and months <= {2}
        ):
            refuse("a leap day every few years")
        if any(abs(o) >= 5 for o in ordinals):
            refuse("a fifth or 53rd weekday every few years")
    if positions and (
        monthdays or ordinals or not days or any(not 1 <= abs(p) <= 4 for p in positions)
    ):
        refuse("BYSETPOS other than the first to fourth or last of some weekdays")
    if ordinals and monthdays:
        refuse("BYDAY positions with BYMONTHDAY")


def _numbers(text: str) -> set[int]:
    return {int(part) for part in text.split(",")}


def _until(value: str, dtstart: datetime, zone: ZoneInfo) -> datetime:
    """A rule's UNTIL as a bound comparable with ``dtstart`` (aware when it is, else on the
    attendee's wall clock); a date means the end of that day."""
    text = value.upper()
    try:
        if text.endswith("Z"):
            moment = datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        elif "T" in text:
            moment = datetime.strptime(text, "%Y%m%dT%H%M%S").replace(tzinfo=dtstart.tzinfo or zone)
        else:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time.max).replace(tzinfo=dtstart.tzinfo or zone)
    except ValueError:
        raise FeedError(f"an event's repeat rule has a bad UNTIL {value!r}") from None
    if dtstart.tzinfo is None:
        return _naive_in(moment, zone)
    return moment.astimezone(dtstart.tzinfo)


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
