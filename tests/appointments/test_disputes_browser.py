"""The dispute of a call in a real browser: the client's sales person disputes a delivered call
the prospect did not attend, a QA reviewer upholds it, and the program's guarantee ledger shows
the appointments beside the leads, the call upheld and a replacement awaited."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role, User
from leadflow.appointments.models import AppointmentDispute
from leadflow.appointments.selectors import attendee_slots
from leadflow.appointments.services import appointment_deliver, appointment_terms_save
from leadflow.core.guarantee import PeriodKind, period_of
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests.appointments.conftest import Book, People
from tests.appointments.test_browser import DESKTOP, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_client_disputes_a_call_qa_upholds_and_the_ledger_shows_it_beside_the_leads(
    page: Page,
    screenshots: Path,
    live_server: LiveServer,
    program: Program,
    people: People,
    hot_lead: Lead,
    book: Book,
    make_user: Callable[..., User],
) -> None:
    reviewer = make_user(Role.REVIEWER, programs=(program,))
    booked = timezone.now() - timedelta(days=6)
    slot = attendee_slots(attendee=people.seller, lead=hot_lead, viewer_timezone="UTC", now=booked)[
        0
    ]
    call = book(hot_lead, slot.start, now=booked)
    appointment_deliver(appointment_id=call.pk, now=booked)
    appointment_terms_save(
        program=program, user=people.manager, appointments_per_period=4, now=booked
    )
    page.set_viewport_size(DESKTOP)

    sign_in(page, live_server, people.seller.username, "/disputes/")
    page.get_by_role("link", name="Disputes of appointments").click()
    page.get_by_test_id("disputable-calls").get_by_role("link", name="Dispute this call").click()
    page.get_by_label("The prospect did not attend").check()
    page.get_by_label("What went wrong?").fill("Nobody joined the video call.")
    page.screenshot(path=str(screenshots / "appointment-dispute.png"), full_page=True)
    page.get_by_role("button", name="Dispute this call").click()
    expect(page.get_by_role("status")).to_contain_text("Call disputed")
    dispute = AppointmentDispute.objects.get()
    expect(page.get_by_test_id("status")).to_have_text("Open")

    sign_in(page, live_server, reviewer.username, "/appointments/disputes/")
    page.get_by_test_id("to-decide").get_by_role("link", name=f"Dispute #{dispute.pk}").click()
    expect(page.get_by_text("Nobody joined the video call.", exact=True)).to_be_visible()
    page.get_by_label("Uphold: the call does not count and is replaced").check()
    page.get_by_label("Note for the client").fill("The attendee waited a quarter of an hour.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_contain_text(f"Dispute #{dispute.pk} upheld")

    page.set_viewport_size({"width": 1920, "height": 1000})  # 21 columns side by side
    page.goto(f"{live_server.url}/disputes/programs/{program.slug}/ledger")
    month = period_of(booked, PeriodKind.MONTH, program.client.timezone)  # first delivered
    cells = page.locator(f'tbody tr[data-period="{month.label}"] td')
    # The leads' ten columns (the Hot lead was not delivered here), then the appointments':
    # owed, delivered, held, not attended, valid, disputed, open, upheld, replaced, awaiting,
    # still owed.
    expect(cells).to_have_text(["0"] * 10 + ["4", "1", "0", "0", "0", "1", "0", "1", "0", "1", "4"])
    expect(page.get_by_role("columnheader", name="Appointments")).to_be_visible()
    page.screenshot(path=str(screenshots / "guarantee-ledger-appointments.png"), full_page=True)
