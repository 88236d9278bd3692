"""The delivery journeys in a real browser: a sales manager sets a program's schedule and
delivers now; the client's contact opens the delivery and downloads its files."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create
from leadflow.delivery.models import Delivery, DeliverySchedule
from leadflow.programs.models import Program
from tests.delivery.conftest import LeadMaker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
#: Set to a folder to keep the journey's screenshots (they are not part of the docs).
SHOTS = os.environ.get("LEADFLOW_DELIVERY_SHOTS")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def sign_in(page: Page, live_server: LiveServer, username: str, path: str) -> None:
    page.goto(f"{live_server.url}{path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}{path}")


def test_a_manager_schedules_and_delivers_and_the_client_downloads(
    page: Page,
    screenshots: Path,
    live_server: LiveServer,
    program: Program,
    approved_lead: LeadMaker,
) -> None:
    user_create(
        username="mona",
        password="mona-password-1",
        roles=(Role.MANAGER,),
        clients=(program.client,),
    )
    user_create(
        username="carl",
        password="carl-password-1",
        email="carl@acme.example",
        roles=(Role.CLIENT,),
        clients=(program.client,),
    )
    approved_lead(program, "a", first_name="Grace", last_name="Hopper", company="Cobol Systems")
    approved_lead(program, "c")
    page.set_viewport_size(DESKTOP)

    sign_in(page, live_server, "mona", "/deliveries/")
    page.get_by_role("link", name=program.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(program.name)
    form = page.locator("form.schedule-form")
    form.get_by_label("Frequency").select_option("biweekly")
    form.get_by_label("Weekday").select_option(label="Thursday")
    form.get_by_label("Time of day").fill("10:30")
    form.get_by_label("E-mail recipients").fill("crm@acme.example")
    form.get_by_role("button", name="Save delivery settings").click()
    expect(page.get_by_text("Delivery settings saved.")).to_be_visible()
    expect(page.get_by_text("Every other Thursday at 10:30 (America/New_York)")).to_be_visible()
    shot(page, "delivery-program")
    page.screenshot(path=str(screenshots / "delivery-program.png"), full_page=True)
    schedule = DeliverySchedule.objects.get(program=program)
    assert (schedule.frequency, schedule.weekday) == ("biweekly", 3)

    page.get_by_role("button", name="Deliver now").click()
    expect(page.get_by_text("Delivery 1: 1 lead; 1 C sent to nurture.")).to_be_visible()
    expect(page.get_by_role("cell", name="Cobol Systems")).to_be_visible()
    shot(page, "delivery-detail-manager")
    delivery = Delivery.objects.get()

    page.context.clear_cookies()
    sign_in(page, live_server, "carl", "/deliveries/")
    page.get_by_role("link", name="Delivery 1").click()
    expect(page).to_have_url(f"{live_server.url}/deliveries/{delivery.pk}/")
    expect(page.get_by_role("heading", name="Sending")).to_have_count(0)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="acme-demand-delivery-0001.csv").click()
    download = download_info.value
    assert download.suggested_filename == "acme-demand-delivery-0001.csv"
    content = Path(download.path()).read_text()
    assert content.startswith("FirstName,LastName,")
    assert "Grace,Hopper" in content
    page.set_viewport_size(PHONE)
    shot(page, "delivery-detail-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways at phone width ({width}px)"
