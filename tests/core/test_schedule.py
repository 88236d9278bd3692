"""Delivery schedule arithmetic (issue 6): weekly, bi-weekly and monthly runs at a local time in
the client's timezone, across month ends and daylight-saving changes."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from leadflow.core.schedule import (
    LAST,
    Frequency,
    Schedule,
    ScheduleError,
    describe,
    local_instant,
    monthly_day,
    next_run,
    runs_on,
    upcoming_runs,
)

NEW_YORK = "America/New_York"
BERLIN = "Europe/Berlin"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def local(run_at: datetime, zone: str) -> datetime:
    return run_at.astimezone(ZoneInfo(zone))


# Weekly and bi-weekly


def test_weekly_runs_on_the_next_named_weekday_at_the_local_time() -> None:
    schedule = Schedule(Frequency.WEEKLY, NEW_YORK, time(9, 0), weekday=0)
    run = next_run(schedule, utc(2026, 11, 4, 12, 0))  # a Wednesday
    assert local(run.at, NEW_YORK) == datetime(2026, 11, 9, 9, 0, tzinfo=ZoneInfo(NEW_YORK))
    assert run.at == utc(2026, 11, 9, 14, 0)
    assert (run.day, run.note) == (date(2026, 11, 9), "")


def test_a_run_at_the_very_instant_given_is_not_next_the_next_one_is() -> None:
    schedule = Schedule(Frequency.WEEKLY, NEW_YORK, time(9, 0), weekday=0)
    monday_nine = utc(2026, 11, 9, 14, 0)
    assert next_run(schedule, monday_nine - timedelta(microseconds=1)).at == monday_nine
    assert next_run(schedule, monday_nine).at == monday_nine + timedelta(days=7)


def test_the_local_day_counts_not_the_utc_day() -> None:
    # 02:00 UTC on Tuesday is still Monday evening in New York: Monday 21:00 is ahead.
    schedule = Schedule(Frequency.WEEKLY, NEW_YORK, time(21, 30), weekday=0)
    run = next_run(schedule, utc(2026, 11, 10, 2, 0))
    assert run.at == utc(2026, 11, 10, 2, 30)
    assert run.day == date(2026, 11, 9)


def test_biweekly_runs_every_second_week_counted_from_the_anchor_week() -> None:
    # Anchor on a Wednesday: its week (Monday 2 November) has a run; 9 November does not.
    schedule = Schedule(Frequency.BIWEEKLY, BERLIN, time(9, 0), weekday=0, anchor=date(2026, 11, 4))
    days = [run.day for run in upcoming_runs(schedule, utc(2026, 11, 1), 4)]
    assert days == [date(2026, 11, 2), date(2026, 11, 16), date(2026, 11, 30), date(2026, 12, 14)]
    assert not runs_on(schedule, date(2026, 11, 9))


def test_biweekly_parity_holds_before_the_anchor_and_across_a_53_week_year() -> None:
    schedule = Schedule(Frequency.BIWEEKLY, "UTC", time(9, 0), weekday=4, anchor=date(2026, 1, 2))
    assert runs_on(schedule, date(2025, 12, 19))  # two weeks before the anchor
    assert not runs_on(schedule, date(2025, 12, 26))
    # 2026 has 53 ISO weeks: odd ISO week numbers would run on 1 January (week 53) and again
    # on 8 January (week 1 of 2027); counting weeks from the anchor keeps two weeks apart.
    fridays = [run.day for run in upcoming_runs(schedule, utc(2026, 12, 20), 3)]
    assert fridays == [date(2027, 1, 1), date(2027, 1, 15), date(2027, 1, 29)]


# Month ends


def test_the_31st_runs_on_the_last_day_of_shorter_months_and_says_so() -> None:
    schedule = Schedule(Frequency.MONTHLY, BERLIN, time(9, 0), day_of_month=31)
    runs = upcoming_runs(schedule, utc(2027, 1, 1), 4)
    assert [run.day for run in runs] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]
    assert runs[0].note == ""
    assert runs[1].note == "February has no day 31; runs on its last day"


def test_the_30th_in_a_leap_february_is_the_29th() -> None:
    schedule = Schedule(Frequency.MONTHLY, "UTC", time(9, 0), day_of_month=30)
    assert next_run(schedule, utc(2028, 2, 1)).day == date(2028, 2, 29)
    assert next_run(schedule, utc(2027, 2, 1)).day == date(2027, 2, 28)


def test_a_monthly_run_late_on_the_last_day_of_the_month_is_found_from_the_month_before() -> None:
    schedule = Schedule(Frequency.MONTHLY, NEW_YORK, time(23, 30), day_of_month=31)
    # 30 April 23:30 in New York is 1 May 03:30 UTC.
    run = next_run(schedule, utc(2027, 4, 30, 12, 0))
    assert (run.day, run.at) == (date(2027, 4, 30), utc(2027, 5, 1, 3, 30))


@pytest.mark.parametrize(
    ("week", "weekday", "month", "expected"),
    [
        (1, 0, (2026, 6), date(2026, 6, 1)),  # the first Monday is the 1st
        (1, 6, (2026, 6), date(2026, 6, 7)),
        (4, 3, (2026, 11), date(2026, 11, 26)),  # Thanksgiving
        (LAST, 4, (2026, 7), date(2026, 7, 31)),  # the last Friday is the last day
        (LAST, 4, (2027, 2), date(2027, 2, 26)),
    ],
)
def test_monthly_on_a_weekday_of_a_given_week(
    week: int, weekday: int, month: tuple[int, int], expected: date
) -> None:
    schedule = Schedule(Frequency.MONTHLY, "UTC", time(9, 0), weekday=weekday, week_of_month=week)
    assert monthly_day(schedule, *month) == expected


# Daylight-saving changes


def test_a_weekly_run_keeps_its_local_time_when_the_clocks_change() -> None:
    schedule = Schedule(Frequency.WEEKLY, BERLIN, time(9, 0), weekday=0)
    runs = upcoming_runs(schedule, utc(2027, 3, 20), 2)  # Berlin changes on 28 March
    assert [run.at for run in runs] == [utc(2027, 3, 22, 8, 0), utc(2027, 3, 29, 7, 0)]
    assert all(local(run.at, BERLIN).time() == time(9, 0) for run in runs)


def test_a_time_skipped_by_the_spring_change_runs_as_long_after_the_gap() -> None:
    schedule = Schedule(Frequency.WEEKLY, NEW_YORK, time(2, 30), weekday=6)
    run = next_run(schedule, utc(2026, 3, 7))  # 8 March 2026: 02:00 → 03:00
    assert run.at == utc(2026, 3, 8, 7, 30)
    assert local(run.at, NEW_YORK).time() == time(3, 30)
    assert run.note == (
        "02:30 does not exist on 2026-03-08 in America/New_York (clocks go forward); runs at 03:30"
    )
    # The next week is back at 02:30.
    assert local(next_run(schedule, run.at).at, NEW_YORK).time() == time(2, 30)


def test_a_time_repeated_by_the_autumn_change_runs_once_at_its_first_occurrence() -> None:
    schedule = Schedule(Frequency.WEEKLY, NEW_YORK, time(1, 30), weekday=6)
    run = next_run(schedule, utc(2026, 10, 31))  # 1 November 2026: 02:00 → 01:00
    assert run.at == utc(2026, 11, 1, 5, 30)  # 01:30 EDT, not 01:30 EST an hour later
    assert "happens twice" in run.note
    after = next_run(schedule, run.at)
    assert after.day == date(2026, 11, 8)
    assert next_run(schedule, run.at + timedelta(minutes=30)).day == date(2026, 11, 8)


def test_a_gap_at_midnight_moves_the_run_within_the_same_day() -> None:
    # Santiago skips from 00:00 to 01:00 on Sunday 6 September 2026.
    schedule = Schedule(Frequency.WEEKLY, "America/Santiago", time(0, 30), weekday=6)
    run = next_run(schedule, utc(2026, 9, 5))
    assert run.day == date(2026, 9, 6)
    assert local(run.at, "America/Santiago") == datetime(
        2026, 9, 6, 1, 30, tzinfo=ZoneInfo("America/Santiago")
    )


def test_half_hour_daylight_saving_is_handled_like_any_other() -> None:
    # Lord Howe Island moves its clocks by 30 minutes: 02:00 → 02:30 on 4 October 2026.
    instant, note = local_instant(date(2026, 10, 4), time(2, 15), ZoneInfo("Australia/Lord_Howe"))
    assert local(instant, "Australia/Lord_Howe").time() == time(2, 45)
    assert "does not exist" in note


# Bad schedules and descriptions


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"frequency": Frequency.WEEKLY}, "needs a weekday"),
        ({"frequency": Frequency.WEEKLY, "weekday": 7}, "0 (Monday) to 6 (Sunday)"),
        ({"frequency": Frequency.WEEKLY, "weekday": 1, "day_of_month": 3}, "weekday only"),
        ({"frequency": Frequency.BIWEEKLY, "weekday": 1}, "anchor date"),
        ({"frequency": Frequency.MONTHLY}, "either on a day of the month"),
        ({"frequency": Frequency.MONTHLY, "day_of_month": 32}, "1 to 31"),
        ({"frequency": Frequency.MONTHLY, "day_of_month": 1, "weekday": 1}, "either"),
        ({"frequency": Frequency.MONTHLY, "weekday": 1}, "the weekday and which week"),
        ({"frequency": Frequency.MONTHLY, "weekday": 1, "week_of_month": 5}, "1 to 4 or -1"),
        ({"frequency": Frequency.WEEKLY, "weekday": 1, "timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_a_schedule_that_cannot_run_is_refused_with_the_reason(
    kwargs: dict[str, object], message: str
) -> None:
    kwargs = {"timezone": "UTC", **kwargs}
    with pytest.raises(ScheduleError, match=re.escape(message)):
        Schedule(**kwargs)  # type: ignore[arg-type]


def test_a_naive_instant_is_refused() -> None:
    schedule = Schedule(Frequency.WEEKLY, "UTC", weekday=0)
    with pytest.raises(ValueError, match="timezone-aware"):
        next_run(schedule, datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("schedule", "text"),
    [
        (Schedule(Frequency.WEEKLY, BERLIN, weekday=0), "Every Monday at 09:00 (Europe/Berlin)"),
        (
            Schedule(Frequency.BIWEEKLY, "UTC", time(8, 15), weekday=4, anchor=date(2026, 1, 2)),
            "Every other Friday at 08:15 (UTC), counting from the week of 2026-01-02",
        ),
        (
            Schedule(Frequency.MONTHLY, "UTC", day_of_month=31),
            "Monthly on day 31 (the last day in shorter months) at 09:00 (UTC)",
        ),
        (
            Schedule(Frequency.MONTHLY, "UTC", weekday=4, week_of_month=LAST),
            "Monthly on the last Friday at 09:00 (UTC)",
        ),
    ],
)
def test_a_schedule_is_described_in_words(schedule: Schedule, text: str) -> None:
    assert describe(schedule) == text


# Properties, for every schedule and instant

ZONES = [
    "UTC",
    NEW_YORK,
    BERLIN,
    "Europe/London",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Kolkata",
]
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    frequency = draw(st.sampled_from(list(Frequency)))
    at = time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45])))
    zone = draw(st.sampled_from(ZONES))
    if frequency is Frequency.MONTHLY:
        if draw(st.booleans()):
            return Schedule(frequency, zone, at, day_of_month=draw(st.integers(1, 31)))
        week = draw(st.sampled_from([1, 2, 3, 4, LAST]))
        return Schedule(frequency, zone, at, weekday=draw(st.integers(0, 6)), week_of_month=week)
    anchor = (
        draw(st.dates(date(2019, 1, 1), date(2036, 1, 1)))
        if frequency.value == "biweekly"
        else None
    )
    return Schedule(frequency, zone, at, weekday=draw(st.integers(0, 6)), anchor=anchor)


@given(schedules(), instants)
def test_the_next_run_is_after_the_instant_on_a_day_the_schedule_runs(
    schedule: Schedule, after: datetime
) -> None:
    run = next_run(schedule, after)
    assert run.at > after
    assert runs_on(schedule, run.day)
    assert run.at.tzinfo is UTC


@given(schedules(), instants)
def test_the_next_run_is_at_the_local_time_unless_a_gap_moved_it_later(
    schedule: Schedule, after: datetime
) -> None:
    run = next_run(schedule, after)
    wall = datetime.combine(run.day, schedule.at)
    shown = run.at.astimezone(schedule.zone).replace(tzinfo=None)
    if "does not exist" in run.note:
        assert timedelta(0) < shown - wall <= timedelta(hours=2)
    else:
        assert shown == wall


@given(schedules(), instants, st.floats(0, 1, exclude_max=True))
def test_no_run_is_skipped_between_the_instant_and_the_next_run(
    schedule: Schedule, after: datetime, fraction: float
) -> None:
    run = next_run(schedule, after)
    between = after + (run.at - after) * fraction
    assume(between < run.at)
    assert next_run(schedule, between) == run


@given(schedules(), instants)
def test_consecutive_runs_are_a_week_two_weeks_or_a_month_apart(
    schedule: Schedule, after: datetime
) -> None:
    first, second = upcoming_runs(schedule, after, 2)
    gap = (second.day - first.day).days
    if schedule.frequency is Frequency.WEEKLY:
        assert gap == 7
    elif schedule.frequency is Frequency.BIWEEKLY:
        assert gap == 14
    else:
        months = (second.day.year - first.day.year) * 12 + second.day.month - first.day.month
        assert months == 1
    assert second.at > first.at
