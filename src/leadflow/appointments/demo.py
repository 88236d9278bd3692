"""The demo's appointments (issue 20, item 1): the attendees' working hours (the agency
client's sales person in New York, the partner's user on their partner's calendar) and one
call booked by the qualifier with the client's sales person for a qualified lead of the agency
program, its invitation sent and the call delivered to the client, made with the real services
three hours before the demo's ``now`` (or just after the program's last delivery, if later).

Idempotent: when an appointment exists already nothing is added."""

from collections.abc import Mapping
from datetime import datetime, timedelta

from django.db.models import Max

from leadflow.accounts.models import User
from leadflow.appointments.models import Appointment
from leadflow.appointments.selectors import (
    BOOKABLE_RATINGS,
    BOOKABLE_STATUSES,
    attendee_calendar,
    attendee_slots,
    lead_attendees,
)
from leadflow.appointments.services import (
    appointment_book,
    appointment_deliver,
    attendee_calendar_save,
)
from leadflow.delivery.models import Delivery
from leadflow.leads.models import Lead
from leadflow.programs.models import Program

#: When the demo's call was booked, before the demo's ``now``.
BOOKED_BEFORE = timedelta(hours=3)


def demo_appointments(
    *, agency: Program, partners: Program, actors: Mapping[str, User], now: datetime
) -> Appointment | None:
    if Appointment.objects.exists():
        return None
    # Booked after the program's last delivery, so that deliveries stay numbered in time order.
    last = Delivery.objects.filter(program=agency).aggregate(last=Max("created_at"))["last"]
    at = now - BOOKED_BEFORE
    if last is not None and last >= at:
        at = min(last + timedelta(minutes=1), now - timedelta(seconds=1))
    seller, field = actors["client"], actors["partner"]
    attendee_calendar_save(
        attendee=seller,
        timezone="America/New_York",
        country="US",
        subdivision="NY",
        working_hours="Mon-Fri 09:00-12:00, 13:00-17:00",
        actor=actors["manager"],
        now=at,
    )
    defaults = attendee_calendar(user=field, program=partners)
    attendee_calendar_save(
        attendee=field,
        timezone=defaults.timezone,
        country=defaults.country,
        subdivision=defaults.subdivision,
        working_hours="Mon-Thu 08:00-16:00\nFri 08:00-12:00",
        actor=actors["manager"],
        now=at,
    )
    lead = (
        Lead.objects.filter(
            program=agency, status__in=BOOKABLE_STATUSES, rating__in=BOOKABLE_RATINGS
        )
        .order_by("-score", "id")
        .first()
    )
    if lead is None or seller not in lead_attendees(lead=lead):
        return None
    qualifier = actors["qualifier"]
    slots = attendee_slots(attendee=seller, lead=lead, viewer_timezone="UTC", now=at)
    slot = next((s for s in slots if s.start >= now + timedelta(days=1)), None)
    if slot is None:
        return None
    appointment = appointment_book(
        lead=lead,
        attendee=seller,
        kind="video",
        starts_at=slot.start,
        agenda="Their reporting needs and the pilot they plan for next quarter.",
        location="https://meet.example.com/contoso-demo",
        prospect_confirmed=True,
        confirmation="Confirmed on the qualifying call",
        actor=qualifier,
        now=at,
    )
    # The demo replays its history: nothing is queued for later, so the call is delivered now.
    appointment_deliver(appointment_id=appointment.pk, now=at)
    return appointment
