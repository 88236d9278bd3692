"""The working-day calendar of DESIGN.md's "Follow-up SLA": pure, no Django, no database."""

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.core.calendar import (
    CLOSURE_DAY,
    WorkingCalendar,
    add_working_days,
    deadline,
    holiday_name,
    is_working_day,
    working_calendar,
    working_days_between,
)
from leadflow.core.errors import CalendarError

EXAMPLES = Path(__file__).parent / "data" / "deadline_examples.jsonl"

CALIFORNIA = working_calendar(country="US", subdivision="CA", timezone="America/Los_Angeles")
ENGLAND = working_calendar(country="GB", subdivision="ENG", timezone="Europe/London")
SCOTLAND = working_calendar(country="GB", subdivision="SCT", timezone="Europe/London")
BAVARIA = working_calendar(country="DE", subdivision="BY", timezone="Europe/Berlin")
BERLIN = working_calendar(country="DE", subdivision="BE", timezone="Europe/Berlin")
FRANCE = working_calendar(country="FR", timezone="Europe/Paris")
JAPAN = working_calendar(country="JP", timezone="Asia/Tokyo")
NEW_SOUTH_WALES = working_calendar(country="AU", subdivision="NSW", timezone="Australia/Sydney")


def end_of(day: str, zone: str) -> datetime:
    return datetime.fromisoformat(f"{day}T23:59:59.999999").replace(tzinfo=ZoneInfo(zone), fold=1)


def load_examples() -> list[dict[str, object]]:
    return [json.loads(line) for line in EXAMPLES.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("example", load_examples(), ids=lambda example: str(example["expect"]))
def test_design_examples_give_the_expected_deadline(example: dict[str, object]) -> None:
    given_input = example["input"]
    assert isinstance(given_input, dict)
    cal = working_calendar(
        country=given_input["country"],
        subdivision=given_input["subdivision"],
        timezone=given_input["timezone"],
    )
    start = datetime.fromisoformat(given_input["from"]).replace(tzinfo=cal.zone)

    result = deadline(start, given_input["working_days"], cal)

    assert result.isoformat() == example["expect"]


def test_friday_afternoon_plus_two_working_days_ends_on_tuesday() -> None:
    friday = datetime(2026, 2, 6, 15, 0, tzinfo=ENGLAND.zone)

    assert deadline(friday, 2, ENGLAND).isoformat() == "2026-02-10T23:59:59.999999+00:00"


def test_a_monday_holiday_pushes_friday_plus_two_to_wednesday() -> None:
    friday_before_late_summer_bank_holiday = datetime(2026, 8, 28, 15, 0, tzinfo=ENGLAND.zone)

    result = deadline(friday_before_late_summer_bank_holiday, 2, ENGLAND)

    assert result.isoformat() == "2026-09-02T23:59:59.999999+01:00"


def test_zero_working_days_end_on_the_day_of_assignment() -> None:
    saturday = datetime(2026, 2, 7, 10, 0, tzinfo=ENGLAND.zone)

    assert deadline(saturday, 0, ENGLAND) == end_of("2026-02-07", "Europe/London")
    assert add_working_days(ENGLAND, date(2026, 2, 7), 0) == date(2026, 2, 7)


def test_weekends_are_not_working_days() -> None:
    assert is_working_day(ENGLAND, date(2026, 2, 6))
    assert not is_working_day(ENGLAND, date(2026, 2, 7))
    assert not is_working_day(ENGLAND, date(2026, 2, 8))
    assert holiday_name(ENGLAND, date(2026, 2, 7)) is None


def test_california_state_holiday_is_not_a_federal_one() -> None:
    federal = working_calendar(country="US", timezone="America/Los_Angeles")
    cesar_chavez_day = date(2026, 3, 31)

    assert not is_working_day(CALIFORNIA, cesar_chavez_day)
    assert holiday_name(CALIFORNIA, cesar_chavez_day) == "Cesar Chavez Day"
    assert is_working_day(federal, cesar_chavez_day)


def test_california_works_on_columbus_day_and_rests_the_day_after_thanksgiving() -> None:
    federal = working_calendar(country="US", timezone="America/New_York")
    columbus_day = date(2026, 10, 12)
    day_after_thanksgiving = date(2026, 11, 27)

    assert not is_working_day(federal, columbus_day)
    assert is_working_day(CALIFORNIA, columbus_day)
    assert is_working_day(federal, day_after_thanksgiving)
    assert holiday_name(CALIFORNIA, day_after_thanksgiving) == "Day After Thanksgiving"


def test_us_holiday_observed_on_the_friday_of_the_previous_year() -> None:
    new_years_eve_2027 = date(2027, 12, 31)

    assert holiday_name(CALIFORNIA, new_years_eve_2027) == "New Year's Day (observed)"
    assert add_working_days(CALIFORNIA, date(2027, 12, 30), 1) == date(2028, 1, 3)


def test_england_and_scotland_have_different_bank_holidays() -> None:
    english_late_summer = date(2026, 8, 31)
    scottish_summer = date(2026, 8, 3)
    scottish_new_year_holiday = date(2026, 1, 2)

    assert holiday_name(ENGLAND, english_late_summer) == "Late Summer Bank Holiday"
    assert is_working_day(SCOTLAND, english_late_summer)
    assert holiday_name(SCOTLAND, scottish_summer) == "Summer Bank Holiday"
    assert is_working_day(ENGLAND, scottish_summer)
    assert not is_working_day(SCOTLAND, scottish_new_year_holiday)
    assert is_working_day(ENGLAND, scottish_new_year_holiday)


def test_friday_plus_two_in_scotland_ends_on_tuesday_when_england_rests_on_monday() -> None:
    friday = datetime(2026, 8, 28, 15, 0, tzinfo=SCOTLAND.zone)

    assert deadline(friday, 2, SCOTLAND).isoformat() == "2026-09-01T23:59:59.999999+01:00"


def test_epiphany_is_a_holiday_in_bavaria_but_not_in_berlin() -> None:
    epiphany = date(2026, 1, 6)
    germany = working_calendar(country="DE", timezone="Europe/Berlin")

    assert holiday_name(BAVARIA, epiphany) == "Epiphany"
    assert is_working_day(BERLIN, epiphany)
    assert is_working_day(germany, epiphany)


def test_german_unity_day_is_a_holiday_in_every_state() -> None:
    german_unity_day = date(2025, 10, 3)

    assert not is_working_day(BAVARIA, german_unity_day)
    assert not is_working_day(BERLIN, german_unity_day)


def test_french_national_day_is_named_in_english() -> None:
    national_day = date(2026, 7, 14)

    assert not is_working_day(FRANCE, national_day)
    assert holiday_name(FRANCE, national_day) == "National Day"


def test_japanese_golden_week_with_its_substitute_holiday_is_skipped() -> None:
    friday = datetime(2026, 5, 1, 15, 0, tzinfo=JAPAN.zone)

    assert holiday_name(JAPAN, date(2026, 5, 6)) == "Substitute Holiday"
    assert deadline(friday, 1, JAPAN).isoformat() == "2026-05-07T23:59:59.999999+09:00"


def test_australian_easter_skips_good_friday_and_easter_monday() -> None:
    maundy_thursday = datetime(2026, 4, 2, 15, 0, tzinfo=NEW_SOUTH_WALES.zone)

    assert deadline(maundy_thursday, 1, NEW_SOUTH_WALES).date() == date(2026, 4, 7)


def test_closure_days_are_not_working_days() -> None:
    cal = working_calendar(
        country="US",
        subdivision="CA",
        timezone="America/Los_Angeles",
        closure_days=[date(2026, 12, 24), date(2026, 12, 31)],
    )
    wednesday = datetime(2026, 12, 23, 9, 0, tzinfo=cal.zone)

    assert holiday_name(cal, date(2026, 12, 24)) == CLOSURE_DAY
    assert holiday_name(cal, date(2026, 12, 25)) == "Christmas Day"
    assert deadline(wednesday, 1, cal).isoformat() == "2026-12-28T23:59:59.999999-08:00"
    assert deadline(wednesday, 1, CALIFORNIA).isoformat() == "2026-12-24T23:59:59.999999-08:00"


def test_offset_is_the_one_of_the_deadline_day_when_us_summer_time_starts() -> None:
    friday_in_winter_time = datetime(2026, 3, 6, 15, 0, tzinfo=CALIFORNIA.zone)

    assert friday_in_winter_time.utcoffset() == timedelta(hours=-8)
    result = deadline(friday_in_winter_time, 2, CALIFORNIA)
    assert result.isoformat() == "2026-03-10T23:59:59.999999-07:00"


def test_offset_is_the_one_of_the_deadline_day_when_us_summer_time_ends() -> None:
    friday_in_summer_time = datetime(2026, 10, 30, 15, 0, tzinfo=CALIFORNIA.zone)

    result = deadline(friday_in_summer_time, 1, CALIFORNIA)

    assert result.isoformat() == "2026-11-02T23:59:59.999999-08:00"


def test_offset_is_the_one_of_the_deadline_day_across_european_summer_time() -> None:
    before_spring = datetime(2026, 3, 27, 15, 0, tzinfo=BERLIN.zone)
    before_autumn = datetime(2026, 10, 23, 15, 0, tzinfo=BERLIN.zone)

    assert deadline(before_spring, 1, BERLIN).isoformat() == "2026-03-30T23:59:59.999999+02:00"
    assert deadline(before_autumn, 1, BERLIN).isoformat() == "2026-10-26T23:59:59.999999+01:00"


def test_offset_is_the_one_of_the_deadline_day_across_southern_summer_time() -> None:
    before_autumn = datetime(2026, 4, 2, 15, 0, tzinfo=NEW_SOUTH_WALES.zone)
    before_spring = datetime(2026, 10, 2, 15, 0, tzinfo=NEW_SOUTH_WALES.zone)

    assert before_autumn.utcoffset() == timedelta(hours=11)
    assert deadline(before_autumn, 1, NEW_SOUTH_WALES).isoformat() == (
        "2026-04-07T23:59:59.999999+10:00"
    )
    assert holiday_name(NEW_SOUTH_WALES, date(2026, 10, 5)) == "Labour Day"
    assert deadline(before_spring, 1, NEW_SOUTH_WALES).isoformat() == (
        "2026-10-06T23:59:59.999999+11:00"
    )


def test_late_evening_utc_is_already_the_next_day_for_the_partner() -> None:
    thursday_evening_utc = datetime(2026, 2, 5, 22, 0, tzinfo=UTC)
    utc_calendar = working_calendar(country="JP", timezone="UTC")

    assert deadline(thursday_evening_utc, 1, utc_calendar).isoformat() == (
        "2026-02-06T23:59:59.999999+00:00"
    )
    assert deadline(thursday_evening_utc, 1, JAPAN).isoformat() == (
        "2026-02-09T23:59:59.999999+09:00"
    )


def test_early_morning_utc_is_still_the_previous_day_for_the_partner() -> None:
    saturday_morning_utc = datetime(2026, 2, 7, 3, 0, tzinfo=UTC)

    assert deadline(saturday_morning_utc, 1, CALIFORNIA).isoformat() == (
        "2026-02-09T23:59:59.999999-08:00"
    )


def test_days_left_counts_working_days_after_today_up_to_the_deadline_day() -> None:
    friday = datetime(2026, 5, 22, 15, 0, tzinfo=CALIFORNIA.zone)
    due = deadline(friday, 2, CALIFORNIA)

    assert working_days_between(CALIFORNIA, friday, due) == 2
    assert working_days_between(CALIFORNIA, friday, friday + timedelta(hours=1)) == 0
    assert working_days_between(CALIFORNIA, due, friday) == -2


def test_unknown_country_is_refused() -> None:
    with pytest.raises(CalendarError, match=r"^unknown country 'XX'$"):
        working_calendar(country="XX", timezone="UTC")


def test_alias_country_code_is_refused_with_its_iso_code() -> None:
    with pytest.raises(CalendarError, match=r"^unknown country 'UK' .*'GB'"):
        working_calendar(country="UK", timezone="Europe/London")


def test_unknown_subdivision_is_refused_with_the_known_ones() -> None:
    with pytest.raises(CalendarError, match=r"^unknown subdivision 'ZZ' of US \(known: AK, AL, "):
        working_calendar(country="US", subdivision="ZZ", timezone="America/New_York")


def test_subdivision_of_a_country_without_subdivisions_is_refused() -> None:
    with pytest.raises(CalendarError, match=r"^unknown subdivision 'X' of IS \(known: none\)$"):
        working_calendar(country="IS", subdivision="X", timezone="Atlantic/Reykjavik")


@pytest.mark.parametrize("timezone", ["Mars/Olympus_Mons", "", "America", "../etc/passwd"])
def test_unknown_timezone_is_refused(timezone: str) -> None:
    with pytest.raises(CalendarError, match=r"^unknown timezone "):
        working_calendar(country="US", timezone=timezone)


def test_codes_are_normalised_to_the_canonical_spelling() -> None:
    cal = working_calendar(country="us", subdivision="California", timezone="America/Los_Angeles")

    assert cal == CALIFORNIA
    assert working_calendar(country="gb", subdivision="eng", timezone="Europe/London") == ENGLAND
    assert working_calendar(country="FR", subdivision="", timezone="Europe/Paris") == FRANCE


def test_calendar_built_directly_must_use_canonical_codes() -> None:
    with pytest.raises(CalendarError, match=r"^unknown subdivision 'ca' of US"):
        WorkingCalendar(country="US", subdivision="ca", timezone="America/Los_Angeles")


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        deadline(datetime(2026, 2, 6, 15, 0), 2, ENGLAND)


def test_negative_working_days_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 0"):
        deadline(datetime(2026, 2, 6, 15, 0, tzinfo=UTC), -1, ENGLAND)
    with pytest.raises(ValueError, match="at least 0"):
        add_working_days(ENGLAND, date(2026, 2, 6), -1)


def test_a_datetime_is_not_taken_for_a_day() -> None:
    with pytest.raises(TypeError):
        is_working_day(ENGLAND, datetime(2026, 2, 6, 15, 0, tzinfo=UTC))


def test_holidays_of_far_years_are_known() -> None:
    assert holiday_name(CALIFORNIA, date(2001, 7, 4)) == "Independence Day"
    assert holiday_name(CALIFORNIA, date(2061, 12, 26)) == "Christmas Day (observed)"


calendars = st.sampled_from(
    [
        CALIFORNIA,
        ENGLAND,
        SCOTLAND,
        BAVARIA,
        FRANCE,
        JAPAN,
        NEW_SOUTH_WALES,
        working_calendar(
            country="US",
            subdivision="NY",
            timezone="America/New_York",
            closure_days=[date(2026, 12, 24) + timedelta(days=7 * week) for week in range(52)],
        ),
    ]
)
starts = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2070, 12, 31),
    timezones=st.sampled_from(
        [UTC, ZoneInfo("America/Los_Angeles"), ZoneInfo("Asia/Tokyo"), ZoneInfo("Europe/London")]
    ),
    allow_imaginary=False,
)
working_day_counts = st.integers(min_value=1, max_value=40)


@settings(deadline=None)
@given(cal=calendars, start=starts, n=working_day_counts)
def test_property_deadline_is_the_end_of_a_working_day_in_the_calendar_timezone(
    cal: WorkingCalendar, start: datetime, n: int
) -> None:
    result = deadline(start, n, cal)

    assert result.tzinfo == cal.zone
    assert (result.hour, result.minute, result.second, result.microsecond) == (23, 59, 59, 999999)
    assert is_working_day(cal, result.date())
    round_trip = result.astimezone(UTC).astimezone(cal.zone)
    assert round_trip.replace(tzinfo=None) == result.replace(tzinfo=None)
    next_instant = result.astimezone(UTC) + timedelta(microseconds=1)
    assert next_instant.astimezone(cal.zone).date() > result.date()


@settings(deadline=None)
@given(cal=calendars, start=starts, n=working_day_counts)
def test_property_deadline_is_strictly_after_start(
    cal: WorkingCalendar, start: datetime, n: int
) -> None:
    assert deadline(start, n, cal).astimezone(UTC) > start.astimezone(UTC)


@settings(deadline=None)
@given(
    cal=calendars,
    start=starts,
    n=st.integers(min_value=0, max_value=40),
    more=st.integers(min_value=1, max_value=20),
)
def test_property_more_working_days_never_give_an_earlier_deadline(
    cal: WorkingCalendar, start: datetime, n: int, more: int
) -> None:
    assert deadline(start, n + more, cal) > deadline(start, n, cal)


@settings(deadline=None)
@given(cal=calendars, start=starts, n=st.integers(min_value=0, max_value=40))
def test_property_exactly_n_working_days_lie_between_assignment_and_deadline(
    cal: WorkingCalendar, start: datetime, n: int
) -> None:
    assert working_days_between(cal, start, deadline(start, n, cal)) == n
