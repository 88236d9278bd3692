"""Appointment slots (working hours on the attendee's calendar, minus holidays and busy times,
across timezones and daylight-saving changes) and the appointment's states."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.core.appointments import (
    MAX_SLOTS,
    AppointmentAction,
    AppointmentDisputeReason,
    AppointmentDisputeRefused,
    AppointmentRefused,
    AppointmentRole,
    AppointmentRules,
    AppointmentState,
    Availability,
    Interval,
    ProspectHours,
    Slot,
    WeeklyHours,
    WorkingWindow,
    appointment_disputable,
    appointment_dispute_check,
    appointment_dispute_closes,
    appointment_next,
    appointment_steps,
    free_slots,
    intervals_merge,
    slot_free,
    weekly_hours_parse,
)
from leadflow.core.calendar import holiday_name, working_calendar
from leadflow.core.errors import InputError, InvalidTransition
from leadflow.core.schedule import local_instant

NY = "America/New_York"
BERLIN = "Europe/Berlin"
KOLKATA = "Asia/Kolkata"
NY_CAL = working_calendar(country="US", subdivision="NY", timezone=NY)
MINUTES = timedelta(minutes=1)


def at(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))  # type: ignore[misc]


def slots(availability: Availability, **kwargs: object) -> list[datetime]:
    defaults: dict[str, object] = {
        "prospect_timezone": KOLKATA,
        "duration": timedelta(minutes=30),
        "horizon": timedelta(days=7),
        "step": timedelta(minutes=30),
    }
    defaults.update(kwargs)
    return [s.attendee_start for s in free_slots(availability=availability, **defaults)]  # type: ignore[arg-type]


def starts_on(found: list[datetime], day: date) -> list[str]:
    return [f"{s:%H:%M}" for s in found if s.date() == day]


# --- Working hours, weekends, holidays ---------------------------------------------------------


def test_a_working_day_offers_every_half_hour_from_nine_to_the_last_that_ends_by_five() -> None:
    found = slots(Availability(NY_CAL, WeeklyHours.weekdays()), now=at(NY, 2026, 11, 9, 8))
    monday = starts_on(found, date(2026, 11, 9))
    assert monday[0] == "09:00"
    assert monday[-1] == "16:30"
    assert len(monday) == 16


def test_weekends_are_not_offered() -> None:
    found = slots(Availability(NY_CAL, WeeklyHours.weekdays()), now=at(NY, 2026, 11, 13, 8))
    assert {s.weekday() for s in found} <= {0, 1, 2, 3, 4}
    assert not starts_on(found, date(2026, 11, 14))
    assert not starts_on(found, date(2026, 11, 15))


def test_a_public_holiday_of_the_attendees_calendar_is_not_offered() -> None:
    found = slots(Availability(NY_CAL, WeeklyHours.weekdays()), now=at(NY, 2026, 11, 23, 8))
    assert holiday_name(NY_CAL, date(2026, 11, 26)) == "Thanksgiving Day"
    assert starts_on(found, date(2026, 11, 25))
    assert not starts_on(found, date(2026, 11, 26))


def test_a_closure_day_is_not_offered_even_with_working_hours_that_weekday() -> None:
    cal = working_calendar(country="DE", timezone=BERLIN, closure_days=[date(2026, 11, 10)])
    hours = WeeklyHours({d: (WorkingWindow(time(9), time(12)),) for d in range(7)})
    found = slots(Availability(cal, hours), now=at(BERLIN, 2026, 11, 9, 7))
    assert not starts_on(found, date(2026, 11, 10))
    assert starts_on(found, date(2026, 11, 14))  # Saturday: worked by these hours


def test_a_day_may_have_a_lunch_break() -> None:
    hours = WeeklyHours({0: (WorkingWindow(time(13), time(15)), WorkingWindow(time(9), time(10)))})
    found = slots(Availability(NY_CAL, hours), now=at(NY, 2026, 11, 9, 7), step=timedelta(hours=1))
    assert starts_on(found, date(2026, 11, 9)) == ["09:00", "13:00", "14:00"]


def test_overlapping_windows_of_one_day_are_refused() -> None:
    with pytest.raises(InputError, match="overlap"):
        WeeklyHours({0: (WorkingWindow(time(9), time(12)), WorkingWindow(time(11), time(13)))})


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(InputError, match="end after"):
        WorkingWindow(time(17), time(9))


def test_working_hours_are_read_as_people_type_them_and_written_back() -> None:
    hours = weekly_hours_parse(
        "Mon-Fri 09:00-12:00, 13:00-17:00\n\nsat 10 to 12\nFriday 17:00-18:30"
    )
    assert hours.text == (
        "Monday 09:00-12:00, 13:00-17:00\n"
        "Tuesday 09:00-12:00, 13:00-17:00\n"
        "Wednesday 09:00-12:00, 13:00-17:00\n"
        "Thursday 09:00-12:00, 13:00-17:00\n"
        "Friday 09:00-12:00, 13:00-17:00, 17:00-18:30\n"
        "Saturday 10:00-12:00"
    )
    assert weekly_hours_parse(hours.text) == hours


def test_a_range_of_days_may_wrap_over_the_weekend() -> None:
    assert sorted(weekly_hours_parse("Sat-Mon 10:00-14:00").days) == [0, 5, 6]


def test_every_line_that_cannot_be_read_is_named() -> None:
    with pytest.raises(InputError) as refused:
        weekly_hours_parse("Mon 09:00-17:00\nFunday 09:00-17:00\nTue 9-\nWed 17:00-09:00\nThu")
    assert refused.value.field == "working_hours"
    assert str(refused.value) == (
        "Line 2: 'Funday' is not a day of the week. "
        "Line 3: '9-' is not hours such as 09:00-17:00. "
        "Line 4: 17:00-09:00 ends before it starts. "
        "Line 5: no hours after the days."
    )


def test_overlapping_hours_typed_on_two_lines_are_refused() -> None:
    with pytest.raises(InputError, match="overlap"):
        weekly_hours_parse("Mon-Fri 09:00-17:00\nWed 16:00-18:00")


# --- Busy times, notice, horizon -----------------------------------------------------------------


def test_busy_time_is_not_offered_and_a_slot_may_start_when_it_ends() -> None:
    busy = (Interval(at(NY, 2026, 11, 9, 10, 15), at(NY, 2026, 11, 9, 11)),)
    found = slots(Availability(NY_CAL, WeeklyHours.weekdays(), busy), now=at(NY, 2026, 11, 9, 8))
    assert starts_on(found, date(2026, 11, 9))[:4] == ["09:00", "09:30", "11:00", "11:30"]


def test_a_busy_time_off_the_grid_moves_the_next_slot_to_the_grid() -> None:
    busy = (Interval(at(NY, 2026, 11, 9, 9), at(NY, 2026, 11, 9, 9, 40)),)
    found = slots(Availability(NY_CAL, WeeklyHours.weekdays(), busy), now=at(NY, 2026, 11, 9, 8))
    assert starts_on(found, date(2026, 11, 9))[0] == "10:00"


def test_a_buffer_keeps_a_break_around_busy_time() -> None:
    busy = (Interval(at(NY, 2026, 11, 9, 10), at(NY, 2026, 11, 9, 11)),)
    found = slots(
        Availability(NY_CAL, WeeklyHours.weekdays(), busy),
        now=at(NY, 2026, 11, 9, 8),
        buffer=timedelta(minutes=15),
    )
    assert starts_on(found, date(2026, 11, 9))[:3] == ["09:00", "11:30", "12:00"]


def test_the_notice_moves_the_first_slot_to_the_next_grid_point() -> None:
    found = slots(
        Availability(NY_CAL, WeeklyHours.weekdays()),
        now=at(NY, 2026, 11, 9, 10, 5),
        notice=timedelta(hours=2),
    )
    assert found[0] == at(NY, 2026, 11, 9, 12, 30)


def test_the_horizon_keeps_every_slot_within_it() -> None:
    now = at(NY, 2026, 11, 9, 8)
    found = free_slots(
        availability=Availability(NY_CAL, WeeklyHours.weekdays()),
        prospect_timezone=NY,
        duration=timedelta(hours=1),
        now=now,
        horizon=timedelta(hours=4),
    )
    assert [f"{s.attendee_start:%H:%M}" for s in found] == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
    ]
    assert found[-1].end == now + timedelta(hours=4)


def test_a_limit_stops_the_search() -> None:
    found = slots(Availability(NY_CAL, WeeklyHours.weekdays()), now=at(NY, 2026, 11, 9, 8), limit=3)
    assert len(found) == 3


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("duration", timedelta(0)),
        ("duration", timedelta(hours=13)),
        ("step", timedelta(minutes=1)),
        ("notice", timedelta(hours=-1)),
        ("horizon", timedelta(days=400)),
        ("buffer", timedelta(minutes=-5)),
        ("limit", 0),
        ("prospect_timezone", "Mars/Olympus"),
    ],
)
def test_a_search_out_of_bounds_is_refused_naming_the_parameter(name: str, value: object) -> None:
    with pytest.raises(InputError) as refused:
        slots(
            Availability(NY_CAL, WeeklyHours.weekdays()),
            now=at(NY, 2026, 11, 9, 8),
            **{name: value},
        )
    assert refused.value.field == name


# --- Timezones and daylight-saving changes -------------------------------------------------------


def test_nine_to_five_stays_nine_to_five_local_across_the_autumn_change() -> None:
    found = free_slots(
        availability=Availability(NY_CAL, WeeklyHours.weekdays()),
        prospect_timezone=BERLIN,
        duration=timedelta(minutes=30),
        now=at(NY, 2026, 10, 30, 7),
        horizon=timedelta(days=4),
    )
    friday = [s for s in found if s.attendee_start.date() == date(2026, 10, 30)]
    monday = [s for s in found if s.attendee_start.date() == date(2026, 11, 2)]
    assert friday[0].start == datetime(2026, 10, 30, 13, tzinfo=UTC)  # EDT
    assert monday[0].start == datetime(2026, 11, 2, 14, tzinfo=UTC)  # EST
    assert f"{friday[0].prospect_start:%H:%M}" == "14:00"  # Berlin already on winter time
    assert f"{monday[-1].attendee_end:%H:%M}" == "17:00"


def test_in_the_weeks_between_the_us_and_eu_changes_the_prospect_sees_the_gap_move() -> None:
    # The US moves its clocks on 8 March 2026, the EU on 29 March.
    found = free_slots(
        availability=Availability(NY_CAL, WeeklyHours.weekdays()),
        prospect_timezone=BERLIN,
        duration=timedelta(minutes=30),
        now=at(NY, 2026, 3, 6, 7),
        horizon=timedelta(days=4),
    )
    first = {s.attendee_start.date(): s for s in reversed(found)}
    assert f"{first[date(2026, 3, 6)].prospect_start:%H:%M}" == "15:00"
    assert f"{first[date(2026, 3, 9)].prospect_start:%H:%M}" == "14:00"


def test_the_notice_is_elapsed_time_even_when_now_is_given_on_a_local_clock() -> None:
    hours = WeeklyHours({6: (WorkingWindow(time(7), time(10)),)})
    found = slots(
        Availability(NY_CAL, hours),
        now=at(NY, 2026, 10, 31, 9),  # EDT; 24 hours later it is 08:00 EST
        notice=timedelta(hours=24),
    )
    assert found[0] == at(NY, 2026, 11, 1, 8)


def test_a_window_edge_skipped_by_the_spring_change_reads_as_after_the_gap() -> None:
    hours = WeeklyHours({6: (WorkingWindow(time(2, 30), time(4)),)})
    found = slots(
        Availability(NY_CAL, hours), now=at(NY, 2026, 3, 7, 12), step=timedelta(minutes=30)
    )
    assert starts_on(found, date(2026, 3, 8)) == ["03:30"]


def test_an_hour_repeated_by_the_autumn_change_is_offered_twice_in_real_time() -> None:
    hours = WeeklyHours({6: (WorkingWindow(time(1), time(3)),)})
    found = free_slots(
        availability=Availability(NY_CAL, hours),
        prospect_timezone=KOLKATA,
        duration=timedelta(hours=1),
        now=at(NY, 2026, 10, 31, 12),
        horizon=timedelta(days=2),
        step=timedelta(hours=1),
    )
    assert [s.start.hour for s in found] == [5, 6, 7]  # 01:00 EDT, 01:00 EST, 02:00 EST
    assert [f"{s.attendee_start:%H:%M %Z}" for s in found] == [
        "01:00 EDT",
        "01:00 EST",
        "02:00 EST",
    ]


def test_only_slots_inside_the_prospects_hours_when_asked() -> None:
    found = free_slots(
        availability=Availability(NY_CAL, WeeklyHours.weekdays()),
        prospect_timezone=KOLKATA,
        duration=timedelta(minutes=30),
        now=at(NY, 2026, 11, 9, 7),
        horizon=timedelta(days=1),
        prospect_hours=ProspectHours(time(8), time(20)),
    )
    # 09:00 in New York is 19:30 in Kolkata: only the slot that ends by 20:00 there is left.
    assert [f"{s.attendee_start:%H:%M}>{s.prospect_end:%H:%M}" for s in found] == ["09:00>20:00"]


def test_a_booked_time_is_checked_again_against_hours_and_busy_time() -> None:
    busy = (Interval(at(NY, 2026, 11, 9, 10), at(NY, 2026, 11, 9, 11)),)
    availability = Availability(NY_CAL, WeeklyHours.weekdays(), busy)
    half_hour = timedelta(minutes=30)
    zero = timedelta(0)
    assert slot_free(
        availability=availability, start=at(NY, 2026, 11, 9, 9), duration=half_hour, buffer=zero
    )
    assert not slot_free(
        availability=availability,
        start=at(NY, 2026, 11, 9, 10, 30),
        duration=half_hour,
        buffer=zero,
    )
    assert not slot_free(
        availability=availability,
        start=at(NY, 2026, 11, 9, 16, 45),
        duration=half_hour,
        buffer=zero,
    )
    assert not slot_free(
        availability=availability, start=at(NY, 2026, 11, 26, 9), duration=half_hour, buffer=zero
    )


def test_intervals_merge_joins_overlapping_and_touching_ones() -> None:
    a = Interval(at(NY, 2026, 1, 5, 9), at(NY, 2026, 1, 5, 10))
    b = Interval(at(NY, 2026, 1, 5, 10), at(NY, 2026, 1, 5, 11))
    c = Interval(at(NY, 2026, 1, 5, 10, 30), at(NY, 2026, 1, 5, 10, 45))
    empty = Interval(at(NY, 2026, 1, 5, 12), at(NY, 2026, 1, 5, 12))
    assert intervals_merge([c, b, empty, a]) == (Interval(a.start, b.end),)


# --- Properties -----------------------------------------------------------------------------------

ZONES = [NY, BERLIN, KOLKATA, "Australia/Sydney", "Europe/London", "America/Los_Angeles"]
CALENDARS = {
    NY: NY_CAL,
    BERLIN: working_calendar(country="DE", subdivision="BE", timezone=BERLIN),
    "Australia/Sydney": working_calendar(
        country="AU", subdivision="NSW", timezone="Australia/Sydney"
    ),
    "Europe/London": working_calendar(country="GB", subdivision="ENG", timezone="Europe/London"),
}
#: Weeks with a daylight-saving change somewhere, and ordinary ones.
NOWS = st.sampled_from(
    [
        datetime(2026, 3, 6, 12, tzinfo=UTC),
        datetime(2026, 3, 27, 20, tzinfo=UTC),
        datetime(2026, 4, 3, 3, tzinfo=UTC),
        datetime(2026, 10, 23, 15, tzinfo=UTC),
        datetime(2026, 10, 30, 22, tzinfo=UTC),
        datetime(2026, 12, 22, 9, tzinfo=UTC),
        datetime(2026, 7, 1, 0, tzinfo=UTC),
    ]
) | st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@st.composite
def windows(draw: st.DrawFn) -> tuple[WorkingWindow, ...]:
    hours = sorted(draw(st.sets(st.integers(0, 47), min_size=2, max_size=4)))
    pairs = [(hours[i], hours[i + 1]) for i in range(0, len(hours) - 1, 2)]
    return tuple(
        WorkingWindow(
            time(a // 2, a % 2 * 30), time(b // 2, b % 2 * 30) if b < 48 else time(23, 59)
        )
        for a, b in pairs
    )


@st.composite
def availabilities(draw: st.DrawFn, now: datetime) -> Availability:
    zone = draw(st.sampled_from(list(CALENDARS)))
    days = draw(st.dictionaries(st.integers(0, 6), windows(), min_size=1))
    busy = []
    for _ in range(draw(st.integers(0, 12))):
        start = now + timedelta(minutes=draw(st.integers(-600, 60 * 24 * 9)))
        busy.append(Interval(start, start + timedelta(minutes=draw(st.integers(0, 600)))))
    return Availability(CALENDARS[zone], WeeklyHours(days), tuple(busy))


@dataclass(frozen=True)
class Search:
    availability: Availability
    prospect_timezone: str
    duration: timedelta
    now: datetime
    notice: timedelta
    horizon: timedelta
    step: timedelta
    buffer: timedelta

    def run(self) -> list[Slot]:
        return free_slots(
            availability=self.availability,
            prospect_timezone=self.prospect_timezone,
            duration=self.duration,
            now=self.now,
            notice=self.notice,
            horizon=self.horizon,
            step=self.step,
            buffer=self.buffer,
        )


@st.composite
def searches(draw: st.DrawFn) -> Search:
    now = draw(NOWS)
    return Search(
        availability=draw(availabilities(now)),
        prospect_timezone=draw(st.sampled_from(ZONES)),
        duration=timedelta(minutes=draw(st.sampled_from([15, 30, 45, 60, 90]))),
        now=now,
        notice=timedelta(minutes=draw(st.integers(0, 60 * 48))),
        horizon=timedelta(days=draw(st.integers(3, 9))),
        step=timedelta(minutes=draw(st.sampled_from([15, 20, 30, 60]))),
        buffer=timedelta(minutes=draw(st.sampled_from([0, 0, 10]))),
    )


def _windows_of(availability: Availability, day: date) -> list[Interval]:
    if holiday_name(availability.calendar, day) is not None:
        return []
    zone = availability.calendar.zone
    return [
        Interval(local_instant(day, w.start, zone)[0], local_instant(day, w.end, zone)[0])
        for w in availability.hours.windows_on(day)
    ]


@settings(max_examples=150, deadline=None)
@given(searches())
def test_slots_are_in_order_within_hours_off_holidays_and_clear_of_busy_time(
    search: Search,
) -> None:
    found = search.run()
    availability = search.availability
    assert [s.start for s in found] == sorted({s.start for s in found})
    for slot in found:
        assert slot.end - slot.start == search.duration
        assert slot.start >= search.now + search.notice
        assert slot.end <= search.now + search.horizon
        day = slot.attendee_start.date()
        assert holiday_name(availability.calendar, day) is None
        windows = _windows_of(availability, day)
        assert any(w.start <= slot.start and slot.end <= w.end for w in windows)
        wanted = Interval(slot.start, slot.end)
        for busy in (b for b in availability.busy if b.end > b.start):
            widened = Interval(busy.start - search.buffer, busy.end + search.buffer)
            assert not widened.overlaps(wanted)
        # (compared in UTC: an inter-zone == is False on a repeated hour, PEP 495)
        assert slot.prospect_start.astimezone(UTC) == slot.start
        assert slot.attendee_start.astimezone(UTC) == slot.start
        assert slot.prospect_start.tzinfo == ZoneInfo(search.prospect_timezone)


@settings(max_examples=100, deadline=None)
@given(searches())
def test_every_free_point_of_the_grid_is_offered(search: Search) -> None:
    """A brute-force search over every grid point of every window finds the same slots."""
    availability = search.availability
    earliest = search.now + search.notice
    latest = search.now + search.horizon
    busy = [b for b in availability.busy if b.end > b.start]
    zone = availability.calendar.zone
    expected = []
    day = earliest.astimezone(zone).date() - timedelta(days=1)
    while day <= latest.astimezone(zone).date() + timedelta(days=1):
        for window in _windows_of(availability, day):
            start = window.start
            while start + search.duration <= window.end:
                end = start + search.duration
                candidate = Interval(start - search.buffer, end + search.buffer)
                if (
                    earliest <= start
                    and end <= latest
                    and not any(b.overlaps(candidate) for b in busy)
                ):
                    expected.append(start)
                start += search.step
        day += timedelta(days=1)
    assert [s.start for s in search.run()] == expected[:MAX_SLOTS]


# --- States ---------------------------------------------------------------------------------------

RULES = AppointmentRules(outcome_days=2)
START = at(NY, 2026, 11, 10, 15)  # a Tuesday
ATTENDEE = AppointmentRole.ATTENDEE
BOOKER = AppointmentRole.BOOKER
MANAGER = AppointmentRole.MANAGER


def step(
    action: AppointmentAction, role: AppointmentRole, now: datetime, **kwargs: object
) -> AppointmentState:
    return appointment_next(
        state=kwargs.pop("state", AppointmentState.BOOKED),  # type: ignore[arg-type]
        action=action,
        role=role,
        starts_at=START,
        timezone=NY,
        now=now,
        rules=kwargs.pop("rules", RULES),  # type: ignore[arg-type]
    )


def test_the_attendee_records_a_no_show_until_the_end_of_the_nth_day_after_the_start() -> None:
    assert (
        step(AppointmentAction.RECORD_NO_SHOW, ATTENDEE, at(NY, 2026, 11, 12, 23, 59))
        is AppointmentState.NO_SHOW
    )
    with pytest.raises(AppointmentRefused, match="ended 2026-11-12 23:59 EST"):
        step(AppointmentAction.RECORD_NO_SHOW, ATTENDEE, at(NY, 2026, 11, 13, 0, 0))


def test_a_no_show_cannot_be_recorded_before_the_start() -> None:
    with pytest.raises(AppointmentRefused, match="before the appointment starts"):
        step(AppointmentAction.RECORD_NO_SHOW, ATTENDEE, START - MINUTES)


def test_only_the_attendee_records_a_no_show() -> None:
    for role in (BOOKER, MANAGER):
        with pytest.raises(AppointmentRefused, match="only the attendee"):
            step(AppointmentAction.RECORD_NO_SHOW, role, START + MINUTES)


def test_a_manager_or_the_attendee_records_it_held_the_qualifier_does_not() -> None:
    assert (
        step(AppointmentAction.RECORD_HELD, MANAGER, START + timedelta(hours=1))
        is AppointmentState.HELD
    )
    assert step(AppointmentAction.RECORD_HELD, ATTENDEE, START) is AppointmentState.HELD
    with pytest.raises(AppointmentRefused):
        step(AppointmentAction.RECORD_HELD, BOOKER, START + timedelta(hours=1))


def test_cancel_and_reschedule_close_at_the_start_or_the_notice_before_it() -> None:
    assert step(AppointmentAction.CANCEL, BOOKER, START - MINUTES) is AppointmentState.CANCELLED
    assert (
        step(AppointmentAction.RESCHEDULE, ATTENDEE, START - MINUTES)
        is AppointmentState.RESCHEDULED
    )
    with pytest.raises(AppointmentRefused):
        step(AppointmentAction.CANCEL, BOOKER, START)
    strict = AppointmentRules(change_notice=timedelta(hours=24))
    with pytest.raises(AppointmentRefused):
        step(AppointmentAction.RESCHEDULE, BOOKER, START - timedelta(hours=23), rules=strict)
    assert (
        step(AppointmentAction.RESCHEDULE, BOOKER, START - timedelta(hours=25), rules=strict)
        is AppointmentState.RESCHEDULED
    )


@pytest.mark.parametrize("state", [s for s in AppointmentState if s is not AppointmentState.BOOKED])
def test_nothing_leaves_an_outcome(state: AppointmentState) -> None:
    with pytest.raises(InvalidTransition):
        step(AppointmentAction.RECORD_HELD, ATTENDEE, START + MINUTES, state=state)


def test_a_person_with_two_roles_may_do_what_either_allows() -> None:
    assert (
        appointment_next(
            state=AppointmentState.BOOKED,
            action=AppointmentAction.RECORD_NO_SHOW,
            role=[BOOKER, ATTENDEE],
            starts_at=START,
            timezone=NY,
            now=START + MINUTES,
            rules=RULES,
        )
        is AppointmentState.NO_SHOW
    )


def test_the_steps_offered_follow_the_role_and_the_time() -> None:
    def offered(role: AppointmentRole, now: datetime) -> list[str]:
        return [
            s.action.value
            for s in appointment_steps(
                state=AppointmentState.BOOKED,
                role=role,
                starts_at=START,
                timezone=NY,
                now=now,
                rules=RULES,
            )
        ]

    assert offered(BOOKER, START - MINUTES) == ["reschedule", "cancel"]
    assert offered(ATTENDEE, START + MINUTES) == ["record_held", "record_no_show"]
    assert offered(BOOKER, START + MINUTES) == []
    assert offered(ATTENDEE, at(NY, 2026, 11, 20, 9)) == []


def test_rules_must_name_who_may_take_every_step() -> None:
    with pytest.raises(InputError, match="name who may"):
        AppointmentRules(who={AppointmentAction.CANCEL: frozenset({BOOKER})})


def test_a_held_appointment_cannot_be_disputed_as_a_no_show_but_for_the_wrong_person() -> None:
    assert not appointment_disputable(AppointmentState.HELD, AppointmentDisputeReason.NO_SHOW)
    assert appointment_disputable(AppointmentState.HELD, AppointmentDisputeReason.WRONG_PERSON)
    assert appointment_disputable(AppointmentState.NO_SHOW, AppointmentDisputeReason.NO_SHOW)
    assert not appointment_disputable(
        AppointmentState.CANCELLED, AppointmentDisputeReason.OUTSIDE_CRITERIA
    )


# --- Disputes of delivered calls (issue 20, item 2) -------------------------------------------

# Delivered (booked) Monday 2 November 2026 10:00 New York for a call on Thursday 12 November.
DELIVERED = at(NY, 2026, 11, 2, 10)
CALL = at(NY, 2026, 11, 12, 14)


def check(
    state: AppointmentState = AppointmentState.NO_SHOW,
    reason: AppointmentDisputeReason = AppointmentDisputeReason.NO_SHOW,
    now: datetime = CALL + timedelta(hours=2),
    days: int = 10,
) -> datetime:
    return appointment_dispute_check(
        state=state, reason=reason, delivered_at=DELIVERED, starts_at=CALL, days=days,
        timezone=NY, now=now,
    )  # fmt: skip


def test_the_window_of_a_call_counts_from_the_day_of_the_call_when_it_was_delivered_before() -> (
    None
):
    closes = appointment_dispute_closes(
        delivered_at=DELIVERED, starts_at=CALL, days=10, timezone=NY
    )
    assert closes == datetime(2026, 11, 22, 23, 59, 59, 999999, tzinfo=ZoneInfo(NY))
    later = appointment_dispute_closes(
        delivered_at=CALL + timedelta(days=1), starts_at=CALL, days=10, timezone=NY
    )
    assert later.date() == date(2026, 11, 23)
    assert check() == closes


def test_a_call_is_disputed_only_once_it_is_due() -> None:
    with pytest.raises(AppointmentDisputeRefused, match="has not taken place yet"):
        check(
            AppointmentState.BOOKED, AppointmentDisputeReason.OUTSIDE_CRITERIA, now=CALL - MINUTES
        )
    check(AppointmentState.BOOKED, AppointmentDisputeReason.OUTSIDE_CRITERIA, now=CALL)


def test_the_window_closes_at_the_end_of_its_last_day() -> None:
    last = datetime(2026, 11, 22, 23, 59, 59, 999999, tzinfo=ZoneInfo(NY))
    check(now=last)
    with pytest.raises(AppointmentDisputeRefused, match="window closed"):
        check(now=last + timedelta(microseconds=1))


def test_a_held_call_is_not_disputed_as_a_no_show_nor_a_moved_or_cancelled_one_at_all() -> None:
    with pytest.raises(AppointmentDisputeRefused, match="recorded this call as held"):
        check(AppointmentState.HELD, AppointmentDisputeReason.NO_SHOW)
    check(AppointmentState.HELD, AppointmentDisputeReason.WRONG_PERSON)
    check(AppointmentState.BOOKED, AppointmentDisputeReason.NO_SHOW)  # not recorded: client says
    with pytest.raises(AppointmentDisputeRefused, match="moved"):
        check(AppointmentState.RESCHEDULED, AppointmentDisputeReason.WRONG_PERSON)
    with pytest.raises(AppointmentDisputeRefused, match="cancelled"):
        check(AppointmentState.CANCELLED, AppointmentDisputeReason.OUTSIDE_CRITERIA)
