"""A sales manager sets a partner up in a real browser (issue 17, item 9): changes its
territories and capacity on Partner setup, and a program's follow-up limits."""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create
from leadflow.partners.models import Partner, SlaPolicy
from leadflow.programs.models import Client, Program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_sets_up_a_partner_and_the_programs_limits(
    page: Page,
    screenshots: Path,
    live_server: LiveServer,
    client_a: Client,
    partner_program: Program,
    make_partner: Callable[..., Partner],
) -> None:
    partner = make_partner("Initech Solutions")
    user_create(
        username="maria", password="maria-demo-pass", roles=(Role.MANAGER,), clients=(client_a,)
    )
    page.goto(f"{live_server.url}/accounts/login/?next=/partners/setup/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill("maria-demo-pass")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Partner setup")).to_be_visible()
    page.screenshot(path=screenshots / "partner-setup.png", full_page=True)

    page.get_by_role("link", name="Initech Solutions").click()
    page.get_by_label("Territories").fill("US-CA\nUS-NV 89")
    page.get_by_label("Capacity").fill("4")
    page.screenshot(path=screenshots / "partner-setup-partner.png", full_page=True)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Initech Solutions was saved.")).to_be_visible()
    partner.refresh_from_db()
    assert partner.capacity == 4
    assert sorted(str(t) for t in partner.territories.all()) == ["US-CA", "US-NV 89*"]

    page.get_by_role("link", name="Partner setup").first.click()
    page.get_by_role("link", name="Acme Corp: Acme Partner Program").click()
    page.get_by_label("Working days to claim a new lead").fill("3")
    page.get_by_role("button", name="Save the limits").click()
    expect(page.get_by_text("leads assigned from now on use it")).to_be_visible()
    assert SlaPolicy.objects.get(program=partner_program).claim_days == 3

    page.goto(f"{live_server.url}/programs/{partner_program.slug}/settings")
    page.get_by_label("Closure days").fill("2026-12-24")
    page.get_by_role("button", name="Save the settings").click()
    expect(page.get_by_text("Program settings saved.")).to_be_visible()
    page.screenshot(path=screenshots / "program-settings.png", full_page=True)
