"""The guarantee ledger's arithmetic: periods in the client's timezone, the dispute window, and
how owed, delivered, valid, disputed, upheld, replaced and still owed are counted."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.core.guarantee import (
    LedgerError,
    Period,
    PeriodCounts,
    PeriodKind,
    dispute_deadline,
    dispute_window_start,
    guarantee_ledger,
    ledger_row,
    period_containing,
    period_of,
    periods_between,
)

NY = "America/New_York"
BERLIN = "Europe/Berlin"

# Periods


def test_a_month_runs_from_its_first_day_to_the_first_of_the_next() -> None:
    period = period_containing(date(2026, 11, 17), PeriodKind.MONTH)
    assert (period.start, period.end, period.last_day) == (
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2026, 11, 30),
    )
    assert period.label == "2026-11"


def test_december_runs_into_the_next_year() -> None:
    period = period_containing(date(2026, 12, 31), PeriodKind.MONTH)
    assert (period.start, period.end) == (date(2026, 12, 1), date(2027, 1, 1))
    assert period.next().label == "2027-01"


def test_a_week_runs_monday_to_sunday_and_is_named_by_its_iso_week() -> None:
    period = period_containing(date(2026, 1, 1), PeriodKind.WEEK)  # a Thursday
    assert (period.start, period.last_day) == (date(2025, 12, 29), date(2026, 1, 4))
    assert period.label == "2026-W01"


def test_a_quarter_is_three_months() -> None:
    period = period_containing(date(2026, 8, 15), PeriodKind.QUARTER)
    assert (period.start, period.end, period.label) == (
        date(2026, 7, 1),
        date(2026, 10, 1),
        "2026-Q3",
    )
    assert period_containing(date(2026, 12, 31), PeriodKind.QUARTER).label == "2026-Q4"


def test_an_instant_belongs_to_the_period_of_its_day_in_the_client_timezone() -> None:
    # 1 November 03:30 UTC is still 31 October (23:30) in New York.
    moment = datetime(2026, 11, 1, 3, 30, tzinfo=UTC)
    assert period_of(moment, PeriodKind.MONTH, NY).label == "2026-10"
    assert period_of(moment, PeriodKind.MONTH, BERLIN).label == "2026-11"
    assert period_of(moment, PeriodKind.MONTH, "UTC").label == "2026-11"


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        period_of(datetime(2026, 11, 1), PeriodKind.MONTH, NY)


def test_an_unknown_timezone_is_refused() -> None:
    with pytest.raises(LedgerError, match="unknown timezone"):
        period_of(datetime(2026, 11, 1, tzinfo=UTC), PeriodKind.MONTH, "Mars/Olympus")


def test_periods_between_lists_every_period_without_gaps() -> None:
    first = period_containing(date(2026, 11, 1), PeriodKind.MONTH)
    last = period_containing(date(2027, 2, 1), PeriodKind.MONTH)
    assert [p.label for p in periods_between(first, last)] == [
        "2026-11",
        "2026-12",
        "2027-01",
        "2027-02",
    ]


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)), st.sampled_from(PeriodKind)
)
def test_every_day_lies_in_exactly_its_period_and_periods_tile(day: date, kind: PeriodKind) -> None:
    period = period_containing(day, kind)
    assert period.contains(day)
    assert not period.contains(period.end)
    assert period.next().start == period.end
    assert period_containing(period.last_day, kind) == period


# The dispute window


def test_the_window_closes_at_the_end_of_the_tenth_day_after_delivery_in_the_client_timezone() -> (
    None
):
    delivered = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)  # Monday 09:30 in New York
    closes = dispute_deadline(delivered, days=10, timezone=NY)
    assert closes.tzinfo is not None
    local = closes.astimezone(ZoneInfo(NY))
    assert (local.date(), local.hour, local.minute, local.second) == (
        date(2026, 11, 12),
        23,
        59,
        59,
    )


def test_a_late_evening_delivery_counts_from_its_local_day() -> None:
    # 02:00 UTC on 3 November is the evening of 2 November in New York.
    delivered = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    closes = dispute_deadline(delivered, days=1, timezone=NY)
    assert closes.astimezone(ZoneInfo(NY)).date() == date(2026, 11, 3)


def test_the_window_crosses_a_clock_change_in_local_days() -> None:
    # New York leaves daylight saving time on 1 November 2026.
    delivered = datetime(2026, 10, 30, 16, 0, tzinfo=UTC)
    closes = dispute_deadline(delivered, days=5, timezone=NY)
    assert closes == datetime(2026, 11, 4, 23, 59, 59, 999999, tzinfo=ZoneInfo(NY))
    assert closes.utcoffset() == timedelta(hours=-5)


def test_a_negative_window_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 0"):
        dispute_deadline(datetime(2026, 11, 2, tzinfo=UTC), days=-1, timezone=NY)


@given(
    delivered=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
    ),
    after=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
    days=st.integers(min_value=0, max_value=30),
    timezone=st.sampled_from([NY, BERLIN, "UTC", "Pacific/Auckland", "America/Santiago"]),
)
def test_the_window_start_is_the_same_rule_as_the_deadline(
    delivered: datetime, after: timedelta, days: int, timezone: str
) -> None:
    now = delivered + after
    open_by_deadline = now <= dispute_deadline(delivered, days=days, timezone=timezone)
    open_by_start = delivered >= dispute_window_start(now, days=days, timezone=timezone)
    assert open_by_deadline == open_by_start


# The ledger


def test_valid_is_delivered_plus_replaced_minus_upheld() -> None:
    row = ledger_row(None, 20, PeriodCounts(delivered=20, disputed=5, open=1, upheld=3, replaced=2))
    assert (row.valid, row.rejected, row.awaiting_replacement, row.still_owed) == (19, 1, 1, 1)


def test_an_open_dispute_does_not_make_a_lead_invalid() -> None:
    row = ledger_row(None, 10, PeriodCounts(delivered=10, disputed=2, open=2))
    assert (row.valid, row.still_owed) == (10, 0)


def test_a_surplus_owes_nothing_but_still_awaits_replacements() -> None:
    row = ledger_row(None, 10, PeriodCounts(delivered=15, disputed=2, upheld=2))
    assert (row.valid, row.still_owed, row.awaiting_replacement) == (13, 0, 2)


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        (PeriodCounts(delivered=-1), "negative"),
        (PeriodCounts(delivered=5, disputed=1, open=1, upheld=1), "outnumber"),
        (PeriodCounts(delivered=5, disputed=2, upheld=1, replaced=2), "only upheld"),
        (PeriodCounts(delivered=1, disputed=2, upheld=2), "more leads upheld"),
    ],
)
def test_counts_that_cannot_be_real_are_refused(counts: PeriodCounts, message: str) -> None:
    with pytest.raises(LedgerError, match=message):
        ledger_row(None, 10, counts)


NOW = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)


def test_the_ledger_runs_without_gaps_from_the_first_counted_period_to_the_current_one() -> None:
    ledger = guarantee_ledger(
        kind=PeriodKind.MONTH,
        timezone=NY,
        owed_per_period=5,
        counts=[(date(2026, 9, 30), PeriodCounts(delivered=6))],
        now=NOW,
    )
    assert [row.period.label for row in ledger.rows if row.period] == [
        "2026-09",
        "2026-10",
        "2026-11",
        "2026-12",
    ]
    assert [row.still_owed for row in ledger.rows] == [0, 5, 5, 5]
    assert [row.current for row in ledger.rows] == [False, False, False, True]


def test_days_are_added_up_into_their_period() -> None:
    ledger = guarantee_ledger(
        kind=PeriodKind.MONTH,
        timezone=NY,
        owed_per_period=10,
        counts=[
            (date(2026, 12, 1), PeriodCounts(delivered=4)),
            (date(2026, 12, 9), PeriodCounts(delivered=3)),
            (date(2026, 12, 1), PeriodCounts(disputed=2, upheld=1, replaced=1)),
        ],
        now=NOW,
    )
    (row,) = ledger.rows
    assert (row.delivered, row.disputed, row.upheld, row.replaced, row.valid) == (7, 2, 1, 1, 7)
    assert row.still_owed == 3


def test_periods_before_the_terms_start_owe_nothing() -> None:
    ledger = guarantee_ledger(
        kind=PeriodKind.MONTH,
        timezone=NY,
        owed_per_period=10,
        counts=[(date(2026, 10, 5), PeriodCounts(delivered=2))],
        now=NOW,
        starts_on=date(2026, 11, 15),
    )
    assert [(row.period.label, row.owed) for row in ledger.rows if row.period] == [
        ("2026-10", 0),
        ("2026-11", 10),
        ("2026-12", 10),
    ]


def test_a_start_before_any_delivery_shows_the_empty_periods_that_owe() -> None:
    ledger = guarantee_ledger(
        kind=PeriodKind.QUARTER,
        timezone=NY,
        owed_per_period=30,
        counts=[],
        now=NOW,
        starts_on=date(2026, 5, 1),
    )
    assert [(row.period.label, row.still_owed) for row in ledger.rows if row.period] == [
        ("2026-Q2", 30),
        ("2026-Q3", 30),
        ("2026-Q4", 30),
    ]


def test_the_totals_add_up_each_period_and_a_surplus_does_not_carry_over() -> None:
    ledger = guarantee_ledger(
        kind=PeriodKind.MONTH,
        timezone=NY,
        owed_per_period=10,
        counts=[
            (date(2026, 11, 3), PeriodCounts(delivered=14, disputed=1, upheld=1)),
            (date(2026, 12, 3), PeriodCounts(delivered=6)),
        ],
        now=NOW,
    )
    totals = ledger.totals
    assert totals.period is None
    assert (totals.owed, totals.delivered, totals.valid, totals.upheld) == (20, 20, 19, 1)
    assert totals.still_owed == 4  # November's surplus of 3 does not cover December's 4


def test_weeks_in_the_ledger_follow_the_client_timezone() -> None:
    now = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)  # Monday of 2026-W47
    ledger = guarantee_ledger(
        kind=PeriodKind.WEEK,
        timezone=BERLIN,
        owed_per_period=3,
        counts=[(date(2026, 11, 8), PeriodCounts(delivered=3))],  # Sunday of 2026-W45
        now=now,
    )
    assert [(row.period.label, row.still_owed) for row in ledger.rows if row.period] == [
        ("2026-W45", 0),
        ("2026-W46", 3),
        ("2026-W47", 3),
    ]


def test_a_negative_promise_is_refused() -> None:
    with pytest.raises(LedgerError):
        guarantee_ledger(kind=PeriodKind.MONTH, timezone=NY, owed_per_period=-1, counts=[], now=NOW)


def test_periods_order_by_their_days() -> None:
    october = Period(date(2026, 10, 1), date(2026, 11, 1), PeriodKind.MONTH)
    november = october.next()
    assert october < november
    assert november.span == "2026-11-01 to 2026-11-30"
