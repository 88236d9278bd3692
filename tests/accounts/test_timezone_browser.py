"""The account page in a real browser (issue 17): a person picks the time zone LeadFlow shows
them times in, and every page then names it in its footer."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create
from leadflow.programs.models import Program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_qualifier_chooses_their_time_zone_and_the_footer_names_it(
    page: Page, screenshots: Path, live_server: LiveServer, program: Program
) -> None:
    user_create(
        username="quinn",
        password="quinn-qualifies-1",
        first_name="Quinn",
        last_name="Hart",
        roles=(Role.QUALIFIER,),
        programs=(program,),
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    # The live server's first request imports every view: slow on a loaded machine.
    page.goto(f"{live_server.url}/queue/", timeout=60_000)
    page.get_by_label("Username").fill("quinn")
    page.get_by_label("Password").fill("quinn-qualifies-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".viewer-zone")).to_contain_text("Times in UTC")

    page.locator("summary", has_text="Quinn Hart").click()
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    page.get_by_label("Time zone").select_option("America/New_York")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_text("Times are now shown in America/New York.")).to_be_visible()
    expect(page.locator("main strong", has_text="America/New York")).to_be_visible()
    expect(page.locator(".viewer-zone")).to_contain_text("Times in New York time")
    page.screenshot(path=str(screenshots / "account-timezone.png"), full_page=True)

    page.get_by_role("link", name="Queue").click()
    expect(page.locator(".viewer-zone")).to_contain_text("Times in New York time")
