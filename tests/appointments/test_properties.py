"""Properties of booking through the database (hypothesis): whatever times are asked for, in
whatever order, with moves among them, the booked calls of one attendee never overlap (nor come
closer than the buffer); and the slots the booking page offers lie in the attendee's local
working hours, on working days of their calendar (weekends and public holidays left out),
across the daylight-saving changes of both people's zones."""

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadflow.appointments.models import Appointment
from leadflow.appointments.selectors import BUFFER, attendee_slots
from leadflow.appointments.services import (
    appointment_book,
    appointment_reschedule,
    attendee_calendar_save,
)
from leadflow.core.calendar import holiday_name, working_calendar
from leadflow.core.errors import DomainRefused, InputError
from leadflow.leads.models import Lead
from tests.appointments.conftest import People

pytestmark = pytest.mark.django_db

#: Four days before the US clocks go back (1 November 2026), three after Europe's.
BEFORE_US_CHANGE = datetime(2026, 10, 28, 12, 0, tzinfo=UTC)
ZONES = ("America/Los_Angeles", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "UTC")
PLACES = {
    "America/Los_Angeles": ("US", "CA"),
    "Europe/Berlin": ("DE", "BE"),
    "Australia/Sydney": ("AU", "NSW"),
    "Asia/Kolkata": ("IN", ""),
    "UTC": ("GB", ""),
}
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _reset() -> None:
    Appointment.objects.update(rescheduled_from=None)
    Appointment.objects.all().delete()


@st.composite
def requests(draw: st.DrawFn) -> list[tuple[str, datetime, int]]:
    """Bookings and moves: (what, start, which earlier call to move)."""
    count = draw(st.integers(2, 8))
    found = []
    for _ in range(count):
        minutes = draw(st.integers(0, 4 * 24 * 4)) * 15  # any quarter hour in four days
        what = draw(st.sampled_from(["book", "book", "move"]))
        found.append((what, BEFORE_US_CHANGE + timedelta(minutes=minutes), draw(st.integers(0, 7))))
    return found


@FUZZ
@given(asked=requests())
def test_booked_calls_of_one_attendee_never_overlap(
    asked: list[tuple[str, datetime, int]], people: People, hot_lead: Lead
) -> None:
    _reset()
    try:
        for what, start, which in asked:
            booked = list(Appointment.objects.filter(state="booked").order_by("id"))
            try:
                if what == "move" and booked:
                    appointment_reschedule(
                        appointment=booked[which % len(booked)],
                        starts_at=start,
                        actor=people.qualifier,
                        now=BEFORE_US_CHANGE,
                    )
                else:
                    appointment_book(
                        lead=hot_lead,
                        attendee=people.seller,
                        kind="phone",
                        starts_at=start,
                        agenda="",
                        prospect_confirmed=False,
                        confirmation="",
                        actor=people.qualifier,
                        now=BEFORE_US_CHANGE,
                    )
            except (DomainRefused, InputError):
                continue
        calls = sorted(
            Appointment.objects.filter(attendee=people.seller, state="booked").values_list(
                "starts_at", "ends_at"
            )
        )
        for (_, first_end), (second_start, _) in itertools.pairwise(calls):
            assert first_end + BUFFER <= second_start
    finally:
        _reset()


@st.composite
def calendars(draw: st.DrawFn) -> tuple[str, str, int, int, str, timedelta]:
    zone = draw(st.sampled_from(ZONES))
    viewer = draw(st.sampled_from(ZONES))
    start = draw(st.integers(6, 11))
    end = draw(st.integers(13, 20))
    days = draw(st.sampled_from(["Mon-Fri", "Mon-Thu", "Tue-Sat", "Sun-Thu"]))
    shift = timedelta(hours=draw(st.integers(0, 24 * 10)))
    return zone, viewer, start, end, days, shift


@FUZZ
@given(chosen=calendars())
def test_offered_slots_lie_in_local_hours_on_working_days_across_dst(
    chosen: tuple[str, str, int, int, str, timedelta], people: People, hot_lead: Lead
) -> None:
    zone, viewer, start, end, days, shift = chosen
    country, subdivision = PLACES[zone]
    attendee_calendar_save(
        attendee=people.seller,
        timezone=zone,
        country=country,
        subdivision=subdivision,
        working_hours=f"{days} {start:02d}:00-{end:02d}:00",
        actor=None,
        now=BEFORE_US_CHANGE,
    )
    cal = working_calendar(country=country, subdivision=subdivision or None, timezone=zone)
    worked = {
        "Mon-Fri": {0, 1, 2, 3, 4},
        "Mon-Thu": {0, 1, 2, 3},
        "Tue-Sat": {1, 2, 3, 4, 5},
        "Sun-Thu": {6, 0, 1, 2, 3},
    }[days]
    now = BEFORE_US_CHANGE + shift
    slots = attendee_slots(
        attendee=people.seller, lead=hot_lead, viewer_timezone=viewer, now=now, limit=500
    )
    assert slots  # every calendar here works some hours in three weeks
    for slot in slots:
        local = slot.attendee_start
        assert local.tzinfo == ZoneInfo(zone)
        assert local.weekday() in worked
        assert holiday_name(cal, local.date()) is None
        assert time(start) <= local.time()
        assert slot.attendee_end.time() <= time(end)
        assert slot.end - slot.start == timedelta(minutes=30)
        assert slot.prospect_start.astimezone(UTC) == slot.start
        assert slot.prospect_start.tzinfo == ZoneInfo(viewer)
        assert slot.start >= now + timedelta(hours=2)
