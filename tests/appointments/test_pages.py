"""The booking panel and pages: a qualifier books a call on one of the attendee's slots shown
on both clocks, moves and cancels it; the attendee records it held; nobody out of scope sees
any of it (404); the Availability page sets hours and refuses a bad feed with the reason."""

import pytest
import time_machine
from django.test import Client

from leadflow.appointments.models import Appointment, AttendeeCalendar
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests import factories
from tests.appointments.conftest import TUESDAY_10_LA, Book, People
from tests.factories import NOW

pytestmark = [pytest.mark.usefixtures("plain_http"), pytest.mark.django_db]


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_the_panel_offers_a_call_with_the_clients_sales_person(
    client: Client, hot_lead: Lead, people: People
) -> None:
    client.force_login(people.qualifier)
    page = text(client.get(f"/leads/{hot_lead.pk}/"))
    assert 'data-testid="appointments-panel"' in page
    assert f"/appointments/leads/{hot_lead.pk}/book/{people.seller.pk}/" in page


def test_the_panel_is_not_shown_for_a_lead_not_yet_qualified(
    client: Client, program: Program, people: People
) -> None:
    lead = factories.rated_lead(program=program, rating="hot", status="new")
    client.force_login(people.qualifier)
    assert 'data-testid="appointments-panel"' not in text(client.get(f"/leads/{lead.pk}/"))
    assert client.get(f"/appointments/leads/{lead.pk}/book/{people.seller.pk}/").status_code == 404


def test_the_booking_page_shows_each_slot_on_both_clocks(
    client: Client, hot_lead: Lead, people: People
) -> None:
    client.force_login(people.qualifier)
    page = text(client.get(f"/appointments/leads/{hot_lead.pk}/book/{people.seller.pk}/"))
    assert "Mon 2 Nov, 09:00-09:30 PST for the attendee · Mon 18:00 CET for you" in page


def test_booking_on_the_page_records_the_call(
    client: Client, hot_lead: Lead, people: People
) -> None:
    client.force_login(people.qualifier)
    response = client.post(
        f"/appointments/leads/{hot_lead.pk}/book/{people.seller.pk}/",
        {
            "starts_at": TUESDAY_10_LA.isoformat(),
            "kind": "video",
            "agenda": "Pricing questions",
            "location": "https://meet.example/x",
            "prospect_confirmed": "on",
            "confirmation": "By phone",
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get(lead=hot_lead)
    assert (appointment.kind, appointment.prospect_confirmed) == ("video", True)
    page = text(client.get(f"/leads/{hot_lead.pk}/"))
    assert "Pricing questions" in page


def test_a_slot_taken_meanwhile_is_refused_with_409(
    client: Client, hot_lead: Lead, people: People, book: Book
) -> None:
    book(hot_lead)
    client.force_login(people.qualifier)
    response = client.post(
        f"/appointments/leads/{hot_lead.pk}/book/{people.seller.pk}/",
        {"starts_at": TUESDAY_10_LA.isoformat(), "kind": "phone"},
    )
    # The taken slot is no longer offered, so the form refuses the choice.
    assert response.status_code == 400
    assert Appointment.objects.filter(lead=hot_lead).count() == 1


def test_a_qualifier_of_another_program_gets_404_everywhere(
    client: Client, hot_lead: Lead, people: People, book: Book
) -> None:
    appointment = book(hot_lead)
    client.force_login(people.outsider)
    for url in (
        f"/appointments/leads/{hot_lead.pk}/book/{people.seller.pk}/",
        f"/appointments/{appointment.pk}/",
        f"/appointments/{appointment.pk}/reschedule/",
        f"/appointments/{appointment.pk}/invite.ics",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(f"/appointments/{appointment.pk}/step/", {"step": "cancel"})
    assert response.status_code == 404


def test_moving_the_call_on_its_page(
    client: Client, hot_lead: Lead, people: People, book: Book
) -> None:
    appointment = book(hot_lead)
    client.force_login(people.qualifier)
    later = TUESDAY_10_LA.replace(hour=19)
    response = client.post(
        f"/appointments/{appointment.pk}/reschedule/", {"starts_at": later.isoformat()}
    )
    assert response.status_code == 302
    moved = Appointment.objects.get(lead=hot_lead, state="booked")
    assert (moved.starts_at, moved.sequence, moved.uid) == (later, 1, appointment.uid)


def test_cancelling_the_call(client: Client, hot_lead: Lead, people: People, book: Book) -> None:
    appointment = book(hot_lead)
    client.force_login(people.qualifier)
    response = client.post(f"/appointments/{appointment.pk}/step/", {"step": "cancel"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.state == "cancelled"


def test_the_attendee_records_the_call_held_on_its_page(
    client: Client, hot_lead: Lead, people: People, frozen: time_machine.Traveller, book: Book
) -> None:
    appointment = book(hot_lead)
    client.force_login(people.seller)
    assert "step-record_held" not in text(client.get(f"/appointments/{appointment.pk}/"))
    frozen.move_to(TUESDAY_10_LA.replace(hour=19))
    client.force_login(people.seller)  # a new day, a new sign-in
    page = text(client.get(f"/appointments/{appointment.pk}/"))
    assert "step-record_no_show" in page
    response = client.post(f"/appointments/{appointment.pk}/step/", {"step": "record_held"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.state == "held"


def test_a_qualifier_may_not_record_a_no_show(
    client: Client, hot_lead: Lead, people: People, frozen: time_machine.Traveller, book: Book
) -> None:
    appointment = book(hot_lead)
    frozen.move_to(TUESDAY_10_LA.replace(hour=19))
    client.force_login(people.qualifier)
    response = client.post(f"/appointments/{appointment.pk}/step/", {"step": "record_no_show"})
    assert response.status_code == 409


def test_the_invitation_downloads_as_ics(
    client: Client, hot_lead: Lead, people: People, book: Book
) -> None:
    appointment = book(hot_lead)
    client.force_login(people.seller)
    response = client.get(f"/appointments/{appointment.pk}/invite.ics")
    assert response["Content-Type"] == "text/calendar"
    assert b"METHOD:REQUEST" in response.content
    assert f"UID:{appointment.uid}".encode() in response.content


def test_the_availability_page_lists_the_attendees_of_the_managers_programs(
    client: Client, people: People
) -> None:
    client.force_login(people.manager)
    page = text(client.get("/appointments/availability/"))
    assert "Sam Seller" in page
    assert "America/Los_Angeles" in page


def test_a_qualifier_has_no_availability_page(client: Client, people: People) -> None:
    client.force_login(people.qualifier)
    assert client.get("/appointments/availability/").status_code == 403


def test_saving_hours_on_the_availability_page(client: Client, people: People) -> None:
    client.force_login(people.manager)
    response = client.post(
        f"/appointments/availability/{people.seller.pk}/",
        {
            "form": "hours",
            "timezone": "Europe/Berlin",
            "country": "de",
            "subdivision": "BE",
            "working_hours": "mon-thu 08:00-12:00",
        },
    )
    assert response.status_code == 302
    calendar = AttendeeCalendar.objects.get(user=people.seller)
    assert (calendar.timezone, calendar.country, calendar.subdivision) == (
        "Europe/Berlin",
        "DE",
        "BE",
    )
    assert calendar.working_hours.startswith("Monday 08:00-12:00")


def test_unreadable_hours_are_refused_naming_the_line(client: Client, people: People) -> None:
    client.force_login(people.manager)
    response = client.post(
        f"/appointments/availability/{people.seller.pk}/",
        {"form": "hours", "timezone": "UTC", "country": "US", "working_hours": "Funday 9-5"},
    )
    assert response.status_code == 400
    assert "Line 1" in text(response)


def test_a_feed_on_a_private_address_is_refused_with_the_reason(
    client: Client, people: People
) -> None:
    client.force_login(people.manager)
    response = client.post(
        f"/appointments/availability/{people.seller.pk}/",
        {"form": "feed", "feed_url": "https://127.0.0.1/busy.ics"},
    )
    assert response.status_code == 400
    assert "loopback" in text(response)
