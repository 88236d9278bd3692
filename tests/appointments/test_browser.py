"""The booking journey in a real browser: a qualifier in Berlin opens a qualified lead, books a
call with the client's sales person in Los Angeles on a slot shown on both clocks, with the
agenda and the prospect's confirmation; the call is on the lead's panel; the sales person opens
it and sees it on their own clock; the manager sets the sales person's hours on the
Availability page."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.appointments.models import Appointment
from leadflow.leads.models import Lead
from tests.appointments.conftest import People

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "not-used-123"


def sign_in(page: Page, live_server: LiveServer, username: str, path: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_qualifier_in_berlin_books_a_call_with_a_seller_in_los_angeles(
    page: Page, screenshots: Path, live_server: LiveServer, people: People, hot_lead: Lead
) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, people.qualifier.username, f"/leads/{hot_lead.pk}/")
    panel = page.get_by_test_id("appointments-panel")
    expect(panel).to_contain_text("No call booked yet.")
    panel.get_by_role("link", name="Book a call with Sam Seller").click()

    expect(page.get_by_role("heading", name="Book a call with Sam Seller")).to_be_visible()
    slots = page.get_by_test_id("slots")
    first = slots.locator("label").first
    expect(first).to_contain_text("for the attendee")
    label = first.inner_text()
    # The attendee's clock is Los Angeles', the qualifier's Berlin's.
    assert re.search(r"P[SD]T for the attendee", label), label
    assert re.search(r"CES?T for you", label), label
    page.screenshot(path=str(screenshots / "appointments-book.png"), full_page=True)

    second = slots.locator("label").nth(1)
    second.click()
    page.get_by_label("Kind of call").select_option("video")
    page.get_by_label("Agenda").fill("Their reporting needs and a pilot next quarter")
    page.get_by_label("Where (a dial-in, a meeting link or an address)").fill(
        "https://meet.example/pilot"
    )
    page.get_by_label("The prospect confirmed the time").check()
    page.get_by_label("Confirmation (how and when)").fill("On the qualifying call")
    page.get_by_role("button", name="Book the call").click()

    expect(page.get_by_text("Call booked; the invitation is on its way.")).to_be_visible()
    panel = page.get_by_test_id("appointments-panel")
    expect(panel.get_by_test_id("appointment")).to_contain_text("Video call with Sam Seller")
    expect(panel).to_contain_text("Confirmed by the prospect: On the qualifying call")
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "appointments-panel.png"), full_page=True)

    appointment = Appointment.objects.get(lead=hot_lead)
    assert appointment.kind == "video"
    assert appointment.timezone == "America/Los_Angeles"

    sign_in(page, live_server, people.seller.username, f"/appointments/{appointment.pk}/")
    expect(page.get_by_test_id("appointment-state")).to_have_text("Booked")
    expect(page.get_by_text("America/Los_Angeles")).to_be_visible()
    expect(page.get_by_role("link", name="Invitation (.ics)")).to_be_visible()
    page.screenshot(path=str(screenshots / "appointments-detail.png"), full_page=True)

    sign_in(page, live_server, people.manager.username, "/appointments/availability/")
    page.get_by_role("link", name="Sam Seller").click()
    page.get_by_label("Working hours").fill("Mon-Fri 08:00-12:00, 13:00-16:00")
    page.get_by_role("button", name="Save the hours").click()
    expect(page.get_by_text("Availability saved.")).to_be_visible()
    expect(page.get_by_test_id("attendees")).to_contain_text("Monday 08:00-12:00, 13:00-16:00")
    page.screenshot(path=str(screenshots / "appointments-availability.png"), full_page=True)
