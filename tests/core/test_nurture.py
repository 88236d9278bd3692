"""When nurture touches fall due: working days of the program's calendar, pure."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from leadflow.core.calendar import working_calendar
from leadflow.core.nurture import sequence_schedule, touch_due

NEW_YORK = working_calendar(country="US", subdivision="NY", timezone="America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def at(text: str, zone: ZoneInfo | None = None) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=zone or UTC)


def local_day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def test_a_wait_of_zero_is_the_same_moment_even_on_a_sunday() -> None:
    sunday = at("2026-03-01T15:30:00")
    assert touch_due(sunday, 0, NEW_YORK) == sunday


def test_a_wait_skips_the_weekend_and_falls_due_at_nine_local_time() -> None:
    friday = at("2026-03-06T15:00:00")  # 10:00 in New York
    due = touch_due(friday, 1, NEW_YORK)
    assert due == datetime(2026, 3, 9, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    assert due.tzinfo == UTC


def test_a_wait_skips_public_holidays() -> None:
    before_thanksgiving = at("2026-11-25T15:00:00")  # Wednesday
    due = touch_due(before_thanksgiving, 1, NEW_YORK)
    assert local_day(due, "America/New_York") == date(2026, 11, 27)


def test_a_wait_skips_the_subdivisions_own_holidays() -> None:
    bavaria = working_calendar(country="DE", subdivision="BY", timezone="Europe/Berlin")
    berlin = working_calendar(country="DE", subdivision="BE", timezone="Europe/Berlin")
    before_epiphany = at("2026-01-05T10:00:00", BERLIN)  # Monday; 6 January is Bavarian only
    assert local_day(touch_due(before_epiphany, 1, bavaria), "Europe/Berlin") == date(2026, 1, 7)
    assert local_day(touch_due(before_epiphany, 1, berlin), "Europe/Berlin") == date(2026, 1, 6)


def test_a_wait_skips_program_closure_days() -> None:
    closed = working_calendar(
        country="US",
        timezone="America/New_York",
        closure_days=[date(2026, 3, 9), date(2026, 3, 10)],
    )
    friday = at("2026-03-06T15:00:00")
    assert local_day(touch_due(friday, 1, closed), "America/New_York") == date(2026, 3, 11)


def test_the_day_counted_from_is_the_local_day_of_the_previous_touch() -> None:
    # 02:00 UTC on Saturday is still Friday evening in New York: one working day is Monday.
    late_friday = at("2026-03-07T02:00:00")
    assert local_day(touch_due(late_friday, 1, NEW_YORK), "America/New_York") == date(2026, 3, 9)


def test_the_schedule_counts_each_wait_from_the_previous_touchs_due_day() -> None:
    entered = at("2026-12-23T14:00:00")  # Wednesday before Christmas
    due = sequence_schedule(entered, [0, 3, 10, 20], NEW_YORK)
    days = [local_day(moment, "America/New_York") for moment in due]
    # Christmas (25th) and New Year's Day are holidays; weekends are skipped.
    assert days == [date(2026, 12, 23), date(2026, 12, 29), date(2027, 1, 13), date(2027, 2, 11)]
    assert due[0] == entered


def test_a_negative_wait_or_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 0"):
        touch_due(at("2026-03-06T15:00:00"), -1, NEW_YORK)
    with pytest.raises(ValueError, match="aware"):
        touch_due(datetime(2026, 3, 6, 15), 1, NEW_YORK)
