"""The guarantee ledger of DESIGN.md ("Hand-off": an upheld dispute owes a replacement lead under
the program's guarantee; "Core objects": guarantee terms are the number of valid leads promised
per period) as pure arithmetic.

Periods are calendar weeks (Monday to Sunday), months or quarters in the client's timezone: a
lead delivered at 23:30 on 31 October in New York counts for October even though it is already
November in UTC.

How a period is counted:

- **owed**: the valid leads promised for the period (0 before the terms' first day).
- **delivered**: leads first delivered in the period. A replacement is *not* delivered in the
  period of its delivery; it is counted as **replaced** in the period of the lead it replaces,
  because it makes good that period's promise. So a replacement delivered in December for a lead
  delivered in November lifts November's valid count and leaves December's alone.
- **disputed**, **open**, **upheld**, **rejected**: disputes of leads counted in the period (a
  dispute of a replacement lead counts where that replacement counts).
- **valid**: delivered + replaced - upheld. An open dispute does not make a lead invalid; only an
  upheld one does.
- **awaiting replacement**: upheld - replaced, the replacements the next deliveries owe.
- **still owed**: owed - valid, never below 0. Periods stand alone: a surplus in one period does
  not cover a shortfall in another.

The dispute window is counted in calendar days in the client's timezone: a window of N days
closes at the end (23:59:59.999999) of the Nth day after the day of delivery.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_END_OF_DAY = time(23, 59, 59, 999999, fold=1)


class LedgerError(ValueError):
    """Counts that cannot describe real disputes (negative, more upheld than disputed...)."""


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"

    @property
    def label(self) -> str:
        return {"week": "Week", "month": "Month", "quarter": "Quarter"}[self.value]


@dataclass(frozen=True, order=True)
class Period:
    """One guarantee period: the days from ``start`` up to, not including, ``end``."""

    start: date
    end: date
    kind: PeriodKind = field(compare=False)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def label(self) -> str:
        """``2026-W45``, ``2026-11`` or ``2026-Q4``."""
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    @property
    def span(self) -> str:
        return f"{self.start.isoformat()} to {self.last_day.isoformat()}"

    def next(self) -> Period:
        return period_containing(self.end, self.kind)

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise LedgerError(f"unknown timezone {timezone!r}") from None


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_containing(day: date, kind: PeriodKind) -> Period:
    """The period of ``kind`` that contains the calendar day ``day``."""
    if kind is PeriodKind.WEEK:
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=7), kind)
    if kind is PeriodKind.MONTH:
        start = day.replace(day=1)
        return Period(start, _add_months(start, 1), kind)
    start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return Period(start, _add_months(start, 3), kind)


def period_of(moment: datetime, kind: PeriodKind, timezone: str) -> Period:
    """The period an instant belongs to, by its calendar day in ``timezone`` (the client's)."""
    _require_aware(moment, "moment")
    return period_containing(moment.astimezone(_zone(timezone)).date(), kind)


def periods_between(first: Period, last: Period) -> list[Period]:
    """Every period from ``first`` to ``last``, both included, oldest first."""
    if first.kind is not last.kind:
        raise ValueError("both periods must be of one kind")
    periods = []
    current = first
    while current <= last:
        periods.append(current)
        current = current.next()
    return periods


def dispute_deadline(delivered_at: datetime, *, days: int, timezone: str) -> datetime:
    """The last instant a delivered lead may be disputed: the end of the ``days``-th calendar
    day after the day of delivery, both days taken in the client's timezone."""
    _require_aware(delivered_at, "delivered_at")
    if days < 0:
        raise ValueError(f"the dispute window must be at least 0 days, not {days}")
    zone = _zone(timezone)
    delivered_on = delivered_at.astimezone(zone).date()
    return datetime.combine(delivered_on + timedelta(days=days), _END_OF_DAY, zone)


def dispute_window_start(now: datetime, *, days: int, timezone: str) -> datetime:
    """The earliest delivery instant still open to dispute at ``now``: the first instant of the
    day ``days`` days before today in the client's timezone. A lead delivered at or after it may
    be disputed (the same answer as ``now <= dispute_deadline(...)``, as one bound for a query).
    """
    _require_aware(now, "now")
    if days < 0:
        raise ValueError(f"the dispute window must be at least 0 days, not {days}")
    zone = _zone(timezone)
    first_day = now.astimezone(zone).date() - timedelta(days=days)
    start = datetime.combine(first_day, time(0), zone)
    # Where midnight does not exist (clocks move forward at 00:00), the day starts at the
    # transition: the instant of "00:00 before the change" is exactly that.
    return start.astimezone(ZoneInfo("UTC")).astimezone(zone)


@dataclass(frozen=True)
class PeriodCounts:
    """What the database counted for one period (or one part of a period).

    ``delivered`` excludes replacements; the dispute counts and ``replaced`` are of disputes
    counted in the period (see the module's docstring).
    """

    delivered: int = 0
    disputed: int = 0
    open: int = 0
    upheld: int = 0
    replaced: int = 0

    def __add__(self, other: PeriodCounts) -> PeriodCounts:
        return PeriodCounts(
            delivered=self.delivered + other.delivered,
            disputed=self.disputed + other.disputed,
            open=self.open + other.open,
            upheld=self.upheld + other.upheld,
            replaced=self.replaced + other.replaced,
        )

    def check(self) -> None:
        for name in ("delivered", "disputed", "open", "upheld", "replaced"):
            if getattr(self, name) < 0:
                raise LedgerError(f"{name} cannot be negative")
        if self.open + self.upheld > self.disputed:
            raise LedgerError("open and upheld disputes cannot outnumber the disputes")
        if self.replaced > self.upheld:
            raise LedgerError("only upheld disputes are replaced")


@dataclass(frozen=True)
class LedgerRow:
    """One period of the ledger, or the totals (``period`` is None)."""

    period: Period | None
    owed: int
    delivered: int
    valid: int
    disputed: int
    open: int
    rejected: int
    upheld: int
    replaced: int
    awaiting_replacement: int
    still_owed: int
    current: bool = False


@dataclass(frozen=True)
class Ledger:
    kind: PeriodKind
    timezone: str
    owed_per_period: int
    rows: tuple[LedgerRow, ...]
    totals: LedgerRow


def ledger_row(period: Period | None, owed: int, counts: PeriodCounts) -> LedgerRow:
    """A period's figures from its counts (see the module's docstring for each)."""
    counts.check()
    if owed < 0:
        raise LedgerError("owed cannot be negative")
    valid = counts.delivered + counts.replaced - counts.upheld
    if valid < 0:
        raise LedgerError("more leads upheld invalid than delivered and replaced")
    return LedgerRow(
        period=period,
        owed=owed,
        delivered=counts.delivered,
        valid=valid,
        disputed=counts.disputed,
        open=counts.open,
        rejected=counts.disputed - counts.open - counts.upheld,
        upheld=counts.upheld,
        replaced=counts.replaced,
        awaiting_replacement=counts.upheld - counts.replaced,
        still_owed=max(owed - valid, 0),
    )


def guarantee_ledger(
    *,
    kind: PeriodKind,
    timezone: str,
    owed_per_period: int,
    counts: Iterable[tuple[date, PeriodCounts]],
    now: datetime,
    starts_on: date | None = None,
) -> Ledger:
    """The ledger from the first period with anything in it (or the terms' first day) up to the
    current period, with no gaps: a period in which nothing was delivered still owes.

    ``counts`` are (a calendar day in the client's timezone, what was counted that day); the
    days are added up into their periods. Periods ending before ``starts_on`` owe nothing.
    """
    if owed_per_period < 0:
        raise LedgerError("owed per period cannot be negative")
    current = period_of(now, kind, timezone)
    by_period: dict[Period, PeriodCounts] = {}
    for day, part in counts:
        period = period_containing(day, kind)
        by_period[period] = by_period.get(period, PeriodCounts()) + part
    first = min([current, *by_period])
    if starts_on is not None:
        first = min(first, period_containing(starts_on, kind))
    last = max([current, *by_period])
    rows = []
    for period in periods_between(first, last):
        owed = owed_per_period if starts_on is None or period.end > starts_on else 0
        row = ledger_row(period, owed, by_period.get(period, PeriodCounts()))
        rows.append(replace(row, current=period == current))
    return Ledger(
        kind=kind,
        timezone=timezone,
        owed_per_period=owed_per_period,
        rows=tuple(rows),
        totals=_totals(rows),
    )


def _totals(rows: list[LedgerRow]) -> LedgerRow:
    def total(name: str) -> int:
        return sum(getattr(row, name) for row in rows)

    return LedgerRow(
        period=None,
        owed=total("owed"),
        delivered=total("delivered"),
        valid=total("valid"),
        disputed=total("disputed"),
        open=total("open"),
        rejected=total("rejected"),
        upheld=total("upheld"),
        replaced=total("replaced"),
        awaiting_replacement=total("awaiting_replacement"),
        still_owed=total("still_owed"),
    )
