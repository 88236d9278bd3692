"""The demo's appointments: the attendees have their hours, and one call booked by the
qualifier with the agency client's sales person is delivered to the client and counted on its
program's guarantee ledger beside the leads."""

import pytest

from leadflow.appointments.models import Appointment, AttendeeCalendar
from leadflow.delivery.models import Delivery
from leadflow.demo.seed import demo_load
from leadflow.guarantees.selectors import program_ledger
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
    ledger = program_ledger(program=appointment.program, now=NOW)
    (section,) = ledger.sections
    assert section.title == "Appointments"
    assert section.totals["delivered"] == 1
