"""The demo's appointments: the attendees have their hours, and one call booked by the
qualifier with the agency client's sales person is delivered to the client."""

import pytest

from leadflow.appointments.models import Appointment, AttendeeCalendar
from leadflow.delivery.models import Delivery
from leadflow.demo.seed import demo_load
from tests.factories import NOW

pytestmark = pytest.mark.django_db


def test_the_demo_has_attendees_with_hours_and_one_booked_call_delivered() -> None:
    demo_load(now=NOW)
    calendars = {c.user.username: c for c in AttendeeCalendar.objects.select_related("user")}
    assert set(calendars) == {"client", "partner"}
    assert calendars["client"].timezone == "America/New_York"
    (appointment,) = Appointment.objects.all()
    assert (appointment.state, appointment.attendee.username) == ("booked", "client")
    assert appointment.booked_by is not None
    assert appointment.booked_by.username == "qualifier"
    assert appointment.starts_at > NOW
    assert Delivery.objects.filter(
        deliverable_kind="appointment", deliverable_id=appointment.pk
    ).exists()
    assert appointment.lead.events.filter(action="appointment_booked").exists()
