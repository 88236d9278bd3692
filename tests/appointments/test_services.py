"""Booking, moving, cancelling and recording sales calls (issue 20, item 1)."""

import email
from datetime import timedelta

import pytest
from icalendar import Calendar

from leadflow.accounts.models import User
from leadflow.appointments.models import Appointment
from leadflow.appointments.selectors import attendee_slots, lead_attendees
from leadflow.appointments.services import (
    NotBookable,
    SlotTaken,
    appointment_cancel,
    appointment_outcome_record,
    appointment_reschedule,
)
from leadflow.core.appointments import AppointmentRefused
from leadflow.core.errors import InvalidTransition
from leadflow.leads.models import Lead, LeadEvent
from leadflow.notifications.models import OutboxMessage
from leadflow.partners.services.routing import leads_route
from leadflow.programs.models import Program
from tests import factories
from tests.appointments.conftest import TUESDAY_10_LA, Book, People
from tests.factories import NOW

pytestmark = pytest.mark.django_db


def invitations(appointment: Appointment) -> list[Calendar]:
    found = []
    for message in OutboxMessage.objects.filter(key__startswith=f"appointment:{appointment.uid}:"):
        for attachment in message.attachments.all():
            found.append(Calendar.from_ical(bytes(attachment.content)))
    return found


def test_the_attendee_of_an_agency_program_is_the_clients_sales_person(
    hot_lead: Lead, people: People
) -> None:
    assert lead_attendees(lead=hot_lead) == [people.seller]


def test_the_attendees_of_a_partner_program_are_the_users_of_the_partner_holding_the_lead(
    partner_lead: Lead, field_seller: User, people: People
) -> None:
    lead = partner_lead
    field = field_seller
    assert lead_attendees(lead=lead) == []
    [result] = leads_route(lead_ids=[lead.pk], now=NOW)
    assert result.partner_id is not None
    assert lead_attendees(lead=lead) == [field]


def test_slots_are_the_attendees_hours_shown_on_both_clocks(hot_lead: Lead, people: People) -> None:
    slots = attendee_slots(
        attendee=people.seller, lead=hot_lead, viewer_timezone="Europe/Berlin", now=NOW
    )
    first = slots[0]
    # Monday 14:30 UTC is 06:30 in LA: the first slot is Monday 09:00 LA = 18:00 Berlin.
    assert first.attendee_start.strftime("%a %H:%M") == "Mon 09:00"
    assert first.prospect_start.strftime("%a %H:%M %Z") == "Mon 18:00 CET"
    assert all(s.attendee_start.weekday() < 5 for s in slots)


def test_booking_records_the_call_in_the_leads_history_and_sends_the_invitation(
    hot_lead: Lead, people: People, book: Book
) -> None:
    appointment = book(hot_lead)
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=30)
    assert appointment.timezone == "America/Los_Angeles"
    event = LeadEvent.objects.get(lead=hot_lead, action="appointment_booked")
    assert event.after["appointments"]["appointment"] == appointment.pk
    assert "Sam Seller" in event.reason
    recipients = {
        m.content["to"][0]
        for m in OutboxMessage.objects.filter(key__startswith=f"appointment:{appointment.uid}:")
    }
    assert recipients == {"sam@acme.example", hot_lead.email.lower(), "quinn@agency.example"}
    (cal, *_) = invitations(appointment)
    assert cal["method"] == "REQUEST"
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["uid"]) == appointment.uid
    assert vevent["sequence"] == 0
    assert vevent.decoded("dtstart") == TUESDAY_10_LA


def test_a_slot_booked_once_is_refused_the_second_time(
    hot_lead: Lead, people: People, book: Book
) -> None:
    book(hot_lead)
    with pytest.raises(SlotTaken):
        book(hot_lead, TUESDAY_10_LA + timedelta(minutes=15))


def test_a_slot_outside_the_hours_is_refused(hot_lead: Lead, people: People, book: Book) -> None:
    with pytest.raises(SlotTaken):
        book(hot_lead, TUESDAY_10_LA - timedelta(hours=4))  # 06:00 in LA


def test_a_lead_not_yet_qualified_is_not_booked(
    program: Program, people: People, book: Book
) -> None:
    lead = factories.rated_lead(program=program, rating="hot", status="new")
    with pytest.raises(NotBookable):
        book(lead)


def test_someone_who_is_not_an_attendee_of_the_lead_is_not_booked(
    hot_lead: Lead, people: People, book: Book
) -> None:
    with pytest.raises(NotBookable):
        book(
            hot_lead, attendee=people.manager, agenda="", prospect_confirmed=False, confirmation=""
        )


def test_a_reschedule_keeps_the_uid_with_sequence_one_higher(
    hot_lead: Lead, people: People, book: Book
) -> None:
    first = book(hot_lead)
    moved = appointment_reschedule(
        appointment=first,
        starts_at=TUESDAY_10_LA + timedelta(days=1),
        actor=people.qualifier,
        now=NOW,
    )
    first.refresh_from_db()
    assert first.state == "rescheduled"
    assert (moved.uid, moved.sequence, moved.state) == (first.uid, 1, "booked")
    (vevent,) = next(c for c in invitations(moved) if c.walk("VEVENT")[0]["sequence"] == 1).walk(
        "VEVENT"
    )
    assert vevent.decoded("dtstart") == TUESDAY_10_LA + timedelta(days=1)
    # The old time is free again.
    book(hot_lead)


def test_a_cancellation_sends_method_cancel_and_frees_the_slot(
    hot_lead: Lead, people: People, book: Book
) -> None:
    appointment = book(hot_lead)
    appointment_cancel(appointment=appointment, actor=people.qualifier, now=NOW, reason="ill")
    appointment.refresh_from_db()
    assert (appointment.state, appointment.sequence) == ("cancelled", 1)
    cancels = [c for c in invitations(appointment) if c["method"] == "CANCEL"]
    assert cancels
    assert cancels[0].walk("VEVENT")[0]["status"] == "CANCELLED"
    assert LeadEvent.objects.filter(lead=hot_lead, action="appointment_cancelled").exists()
    with pytest.raises(InvalidTransition):
        appointment_cancel(appointment=appointment, actor=people.qualifier, now=NOW)
    book(hot_lead)


def test_only_the_attendee_records_a_no_show_and_only_after_the_start(
    hot_lead: Lead, people: People, book: Book
) -> None:
    appointment = book(hot_lead)
    with pytest.raises(AppointmentRefused):
        appointment_outcome_record(
            appointment=appointment, held=False, actor=people.seller, now=NOW
        )
    after = TUESDAY_10_LA + timedelta(hours=1)
    with pytest.raises(AppointmentRefused):
        appointment_outcome_record(
            appointment=appointment, held=False, actor=people.qualifier, now=after
        )
    done = appointment_outcome_record(
        appointment=appointment, held=False, actor=people.seller, now=after
    )
    assert done.state == "no_show"
    assert LeadEvent.objects.filter(lead=hot_lead, action="appointment_no_show").exists()


def test_the_outcome_window_closes(hot_lead: Lead, people: People, book: Book) -> None:
    appointment = book(hot_lead)
    with pytest.raises(AppointmentRefused):
        appointment_outcome_record(
            appointment=appointment,
            held=True,
            actor=people.seller,
            now=TUESDAY_10_LA + timedelta(days=4),
        )


def test_the_invitation_email_carries_the_ics(hot_lead: Lead, people: People, book: Book) -> None:
    appointment = book(hot_lead)
    message = OutboxMessage.objects.filter(key__startswith=f"appointment:{appointment.uid}:")[0]
    assert message.content["subject"].startswith("Invitation: Phone call")
    assert email  # the module is used by the delivery tests' receiver


def test_the_ics_is_in_the_attendees_timezone_with_organizer_and_attendees(
    hot_lead: Lead, people: People, book: Book
) -> None:
    from leadflow.appointments.services import appointment_ics

    appointment = book(hot_lead)
    raw = appointment_ics(appointment=appointment).decode()
    assert "DTSTART;TZID=America/Los_Angeles:20261103T100000" in raw
    assert "BEGIN:VTIMEZONE" in raw
    cal = Calendar.from_ical(raw)
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["organizer"]) == "mailto:quinn@agency.example"
    attendees = sorted(str(a) for a in vevent["attendee"])
    assert attendees == sorted(["mailto:sam@acme.example", f"mailto:{hot_lead.email.lower()}"])
    assert str(vevent["status"]) == "CONFIRMED"
    assert str(vevent["description"]) == "Walk through the migration plan"
