"""An appointment of an agency program is delivered to the client at once and on its own, like
a Hot lead (issue 20, item 1): through real peers, the e-mail with the files reaches a real SMTP
server and the signed webhook a real HTTP receiver, each carrying the call's time and attendee;
a call is delivered once, a partner program's not at all; the invitations reach the SMTP server
with their .ics."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from icalendar import Calendar

from leadflow.accounts.models import User
from leadflow.appointments.models import Appointment
from leadflow.appointments.selectors import lead_attendees
from leadflow.appointments.services import (
    appointment_deliver,
    appointment_reschedule,
)
from leadflow.core.schedule import Frequency
from leadflow.delivery.models import Delivery, DeliveryItem
from leadflow.delivery.services import ScheduleSettings, schedule_save
from leadflow.leads.models import Lead
from leadflow.notifications.signing import verify
from leadflow.programs.models import Program
from tests.appointments.conftest import TUESDAY_10_LA, Book, People
from tests.factories import NOW
from tests.receivers import SmtpServer, WebhookReceiver
from tests.tasks import IMMEDIATE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("immediate")]


@pytest.fixture
def immediate() -> object:
    with override_settings(TASKS=IMMEDIATE):
        yield


def delivery_email(smtp_server: SmtpServer) -> object:
    [found] = [m for m in smtp_server.messages if m["Subject"].startswith("Appointment for")]
    return found


def test_a_booked_call_reaches_the_client_by_e_mail_with_its_time_and_attendee(
    program: Program, people: People, hot_lead: Lead, smtp_server: SmtpServer, book: Book
) -> None:
    appointment = book(hot_lead)
    delivery = Delivery.objects.get(deliverable_kind="appointment", deliverable_id=appointment.pk)
    # Number 1 is the Hot lead itself, delivered at its approval.
    assert (delivery.kind, delivery.lead_count, delivery.number) == ("single", 0, 2)
    assert not DeliveryItem.objects.filter(delivery=delivery).exists()
    received = delivery_email(smtp_server)
    assert received["To"] == "sam@acme.example"  # type: ignore[index]
    assert received["Subject"] == (  # type: ignore[index]
        "Appointment for Acme Demand Gen: Phone call with Sam Seller, Tue 3 Nov 2026, 10:00 PST"
    )
    attachments = {p.get_filename(): p for p in received.iter_attachments()}  # type: ignore[attr-defined]
    assert set(attachments) == {
        "acme-demand-appointment-0002.csv",
        "acme-demand-appointment-0002.xlsx",
    }
    content = attachments["acme-demand-appointment-0002.csv"].get_content()
    text = content.decode() if isinstance(content, bytes) else content
    header, row = list(csv.reader(io.StringIO(text)))
    values = dict(zip(header, row, strict=True))
    assert values["AppointmentStart"] == TUESDAY_10_LA.isoformat()
    assert values["AppointmentLocalStart"] == "2026-11-03T10:00:00-08:00"
    assert values["AppointmentAttendee"] == "Sam Seller"
    assert values["AppointmentAttendeeEmail"] == "sam@acme.example"
    assert values["AppointmentUid"] == appointment.uid
    assert values["Email"] == hot_lead.email


def test_the_signed_webhook_carries_the_call(
    program: Program, people: People, hot_lead: Lead, webhook_receiver: WebhookReceiver, book: Book
) -> None:
    schedule = schedule_save(
        program=program,
        settings=ScheduleSettings(
            frequency=Frequency.WEEKLY, weekday=0, webhook_url=webhook_receiver.url
        ),
        actor=None,
        now=NOW,
    )
    appointment = book(hot_lead)
    [request] = webhook_receiver.requests
    headers = request.headers
    assert headers["X-LeadFlow-Event"] == "delivery.created"
    assert verify(
        secret=schedule.webhook_secret,
        timestamp=headers["X-LeadFlow-Timestamp"],
        body=request.body,
        signature=headers["X-LeadFlow-Signature"],
        now=timezone.now(),
    )
    payload = json.loads(request.body)
    assert payload["delivery"]["kind"] == "single"
    assert payload["deliverable"]["kind"] == "appointment"
    assert payload["deliverable"]["lead_id"] == hot_lead.pk
    fields = payload["deliverable"]["fields"]
    assert fields["starts_at"] == TUESDAY_10_LA.isoformat()
    assert fields["attendee"] == "Sam Seller"
    assert fields["attendee_email"] == "sam@acme.example"
    assert (fields["uid"], fields["sequence"]) == (appointment.uid, 0)
    [sent] = payload["leads"]
    assert sent["id"] == hot_lead.pk


def test_a_call_is_delivered_once(people: People, hot_lead: Lead, book: Book) -> None:
    appointment = book(hot_lead)
    assert not appointment_deliver(appointment_id=appointment.pk, now=NOW)
    assert Delivery.objects.filter(deliverable_kind="appointment").count() == 1


def test_a_moved_call_is_delivered_again_as_the_same_invitation(
    people: People, hot_lead: Lead, book: Book
) -> None:
    first = book(hot_lead)
    moved = appointment_reschedule(
        appointment=first,
        starts_at=TUESDAY_10_LA + timedelta(days=1),
        actor=people.qualifier,
        now=NOW,
    )
    deliveries = Delivery.objects.filter(deliverable_kind="appointment").order_by("number")
    assert [d.deliverable_id for d in deliveries] == [first.pk, moved.pk]
    assert deliveries[1].summary["deliverable"]["title"].endswith("a later SEQUENCE)")


def test_a_partner_programs_call_is_not_delivered_to_the_client(
    other_program: Program, partner_lead: Lead, field_seller: User, book: Book
) -> None:
    assert lead_attendees(lead=partner_lead) == [field_seller]  # routed at its approval
    book(
        partner_lead,
        attendee=field_seller,
        kind="on_site",
        agenda="",
        prospect_confirmed=False,
        confirmation="",
    )
    assert not Delivery.objects.filter(program=other_program).exists()


def test_the_invitations_reach_the_smtp_server_with_their_ics(
    people: People, hot_lead: Lead, smtp_server: SmtpServer, book: Book
) -> None:
    appointment = book(hot_lead)
    invitations = [m for m in smtp_server.messages if m["Subject"].startswith("Invitation:")]
    assert sorted(m["To"] for m in invitations) == sorted(
        ["sam@acme.example", hot_lead.email.lower(), "quinn@agency.example"]
    )
    [part] = [p for p in invitations[0].iter_attachments() if p.get_filename() == "invite.ics"]
    cal = Calendar.from_ical(part.get_content())
    assert cal["method"] == "REQUEST"
    assert str(cal.walk("VEVENT")[0]["uid"]) == appointment.uid
    assert Appointment.objects.count() == 1
