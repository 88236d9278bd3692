"""The working-day calendar behind every follow-up clock (DESIGN.md, "Follow-up SLA").

DESIGN.md: a deadline of N working days is the end (23:59:59.999999) of the Nth working day after
the day of assignment, in the partner's timezone. Working days are Monday to Friday except the
public holidays of the partner's country and subdivision (the ``holidays`` library) and the
program's own closure days.

The module is pure: it reads no clock and no database, so the claim, contact and follow-up clocks,
the ``leadflow deadline`` command and the "days left" displays all compute the same instant.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from leadflow.core.errors import CalendarError

CLOSURE_DAY = "Program closure day"
"""The name `holiday_name` gives a program closure day that is not also a public holiday."""

_END_OF_DAY = time(23, 59, 59, 999999, fold=1)
_HOLIDAY_LANGUAGE = "en_US"
"""Holiday names for countries whose own default language is not a form of English."""


@dataclass(frozen=True)
class WorkingCalendar:
    """Whose working days a clock counts: a partner's country, subdivision and timezone, and the
    program's closure days.

    Build it with `working_calendar`, which checks and normalises the codes; a calendar built
    directly is checked too, but must already use the canonical codes.
    """

    country: str
    subdivision: str | None
    timezone: str
    closure_days: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        known = _subdivisions(self.country)
        if self.subdivision is not None and self.subdivision not in known:
            raise CalendarError(_unknown_subdivision(self.country, self.subdivision))
        _zone(self.timezone)

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)


def working_calendar(
    *,
    country: str,
    subdivision: str | None = None,
    timezone: str,
    closure_days: Iterable[date] = (),
) -> WorkingCalendar:
    """The calendar of a partner and program, from values as people type or store them.

    The country is an ISO 3166-1 alpha-2 code in any case ("us" is US); the subdivision is one of
    the codes the ``holidays`` library knows for that country, in any case, or one of its names
    ("California" is CA); an empty subdivision means none. Raises `CalendarError` for an unknown
    country, subdivision or timezone.
    """
    canonical_country = _canonical_country(country)
    return WorkingCalendar(
        country=canonical_country,
        subdivision=_canonical_subdivision(canonical_country, subdivision),
        timezone=timezone,
        closure_days=frozenset(closure_days),
    )


def is_working_day(cal: WorkingCalendar, day: date) -> bool:
    """Monday to Friday, not a public holiday of the country and subdivision, not a closure day."""
    _require_day(day)
    return (
        day.weekday() < 5
        and day not in cal.closure_days
        and day not in _public_holidays(cal.country, cal.subdivision, day.year)
    )


def holiday_name(cal: WorkingCalendar, day: date) -> str | None:
    """Why a weekday is not a working day, for the explanation shown beside a deadline.

    The public holiday's name in English (the ``holidays`` library joins several with "; "), else
    `CLOSURE_DAY` for a program closure day, else None. Weekends have no name.
    """
    _require_day(day)
    name = _public_holidays(cal.country, cal.subdivision, day.year).get(day)
    if name is not None:
        return name
    return CLOSURE_DAY if day in cal.closure_days else None


def add_working_days(cal: WorkingCalendar, day: date, n: int) -> date:
    """The Nth working day after ``day``; ``day`` itself when N is 0, working day or not."""
    _require_day(day)
    if n < 0:
        raise ValueError(f"the number of working days must be at least 0, not {n}")
    current = day
    remaining = n
    while remaining:
        current += timedelta(days=1)
        if is_working_day(cal, current):
            remaining -= 1
    return current


def deadline(start: datetime, working_days: int, cal: WorkingCalendar) -> datetime:
    """When a clock of ``working_days`` started at ``start`` runs out (DESIGN.md, "Follow-up SLA").

    The day of assignment is ``start``'s date in the calendar's timezone, so a lead assigned late
    in the evening UTC may already be assigned "tomorrow" for the partner. The result is the last
    microsecond of the Nth working day after it, in the calendar's timezone with the UTC offset of
    that day; where the clock is turned back across midnight the later of the two instants counts.
    """
    _require_aware(start, "start")
    if working_days < 0:
        raise ValueError(f"working_days must be at least 0, not {working_days}")
    zone = cal.zone
    assigned = start.astimezone(zone).date()
    return datetime.combine(add_working_days(cal, assigned, working_days), _END_OF_DAY, zone)


def working_days_between(cal: WorkingCalendar, start: datetime, end: datetime) -> int:
    """The working days after ``start``'s day up to and including ``end``'s day, both days taken
    in the calendar's timezone: what a "days left" display counts from now to a deadline.

    Negative when ``end``'s day is before ``start``'s (a clock overdue by that many working days),
    so that ``working_days_between(cal, a, b) == -working_days_between(cal, b, a)``.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    zone = cal.zone
    first = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    if last < first:
        return -working_days_between(cal, end, start)
    return sum(
        is_working_day(cal, first + timedelta(days=offset))
        for offset in range(1, (last - first).days + 1)
    )


@functools.lru_cache(maxsize=512)
def _country_entity(country: str) -> holidays.HolidayBase:
    """The ``holidays`` class of one country, as an empty instance to read its attributes from.

    Only that country's module is imported: ``holidays.list_supported_countries()`` imports all
    of them (about 0.7 s), and with its default arguments it also lists alpha-3 codes and
    aliases such as "UK" for GB, which a calendar keyed by ISO 3166-1 alpha-2 must refuse.
    """
    if len(country) != 2 or not (country.isascii() and country.isalpha()):
        raise CalendarError(f"unknown country {country!r}")
    try:
        entity = holidays.country_holidays(country)
    except NotImplementedError:
        raise CalendarError(f"unknown country {country!r}") from None
    if entity.country != country:
        raise CalendarError(
            f"unknown country {country!r} (its ISO 3166-1 alpha-2 code is {entity.country!r})"
        )
    return entity


def _subdivisions(country: str) -> tuple[str, ...]:
    return tuple(_country_entity(country).subdivisions)


def _canonical_country(country: str) -> str:
    code = country.strip().upper()
    _country_entity(code)
    return code


def _canonical_subdivision(country: str, subdivision: str | None) -> str | None:
    if subdivision is None or not subdivision.strip():
        return None
    wanted = subdivision.strip().casefold()
    for code in _subdivisions(country):
        if code.casefold() == wanted:
            return code
    names: dict[str, str] = getattr(_country_entity(country), "subdivisions_aliases", {})
    for name, code in names.items():
        if name.casefold() == wanted:
            return code
    raise CalendarError(_unknown_subdivision(country, subdivision))


def _unknown_subdivision(country: str, subdivision: str) -> str:
    known = ", ".join(_subdivisions(country)) or "none"
    return f"unknown subdivision {subdivision!r} of {country} (known: {known})"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise CalendarError(f"unknown timezone {name!r}") from None


@functools.lru_cache(maxsize=4096)
def _public_holidays(country: str, subdivision: str | None, year: int) -> Mapping[date, str]:
    """One year of public holidays, filled once and never changed afterwards.

    A ``holidays`` object fills the years it is asked about as a side effect of every lookup;
    keeping one frozen mapping per year instead makes any year work, lets threads share the
    cache safely, and keeps an observed day that falls in the previous year (New Year's Day on
    a Saturday is observed on 31 December) in the year the library assigns it to. Names are
    asked for in English because the library otherwise picks the language from the process
    environment (``LANGUAGE``): the country's own English ("Labour Day" in Australia), else US
    English, else the country's default language.
    """
    entity = holidays.country_holidays(
        country, subdiv=subdivision, years=year, language=_holiday_language(country)
    )
    return MappingProxyType(dict(entity))


@functools.lru_cache(maxsize=512)
def _holiday_language(country: str) -> str | None:
    entity = _country_entity(country)
    default_language: str | None = entity.default_language
    if default_language is not None and default_language.startswith("en"):
        return default_language
    if _HOLIDAY_LANGUAGE in entity.supported_languages:
        return _HOLIDAY_LANGUAGE
    return default_language


def _require_day(day: date) -> None:
    if isinstance(day, datetime):
        raise TypeError("a working day is a date; take the date in the calendar's timezone first")


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, not {moment.isoformat()}")
