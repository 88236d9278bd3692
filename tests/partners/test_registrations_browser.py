"""A partner's user registers a prospect it found, in a real browser: it opens "Register a
prospect you found" from its inbox, reads the protection terms, fills in the form, and sees the
registration accepted in its list; a second partner trying the same prospect is refused without
learning who has it."""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.core.enums import Channel
from leadflow.leads.models import Lead
from leadflow.partners.models import Partner, Registration, RegistrationStatus
from leadflow.programs.models import Program
from tests.partners.conftest import member
from tests.partners.test_portal_browser import DESKTOP, fresh_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill(page: Page) -> None:
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Company").fill("Cobol Systems")
    page.get_by_label("E-mail").fill("grace@cobol.example")
    page.get_by_label("State or region").fill("CA")
    page.get_by_label("Country").fill("US")
    page.get_by_label("About the opportunity").fill("Needs 40 seats by spring")
    page.get_by_role("button", name="Register the prospect").click()


def test_a_partner_registers_a_deal(
    page: Page,
    screenshots: Path,
    live_server: LiveServer,
    partner_program: Program,
    make_partner: Callable[..., Partner],
) -> None:
    first, second = make_partner(name="First Reseller"), make_partner(name="Second Reseller")
    page.set_viewport_size(DESKTOP)
    fresh_sign_in(page, live_server, member(first), "/partners/")
    page.get_by_role("link", name="Register a prospect you found").click()
    expect(page.get_by_test_id("protection-terms")).to_contain_text("protected for 90 days")
    fill(page)
    expect(page.locator("main")).to_contain_text("Registered: the prospect is yours until")
    expect(page.get_by_test_id("registration-outcome")).to_have_text("Accepted")
    page.screenshot(path=str(screenshots / "partner-register.png"), full_page=True)
    registration = Registration.objects.get()
    assert registration.status == RegistrationStatus.ACCEPTED
    assert Lead.objects.get(pk=registration.lead_id).channel == Channel.SALES_PROSPECTING

    fresh_sign_in(page, live_server, member(second), "/partners/register/")
    fill(page)
    outcome = page.get_by_test_id("registration-outcome")
    expect(outcome).to_contain_text("Refused")
    expect(page.locator("main")).not_to_contain_text("First Reseller")
    page.screenshot(path=str(screenshots / "partner-register-refused.png"), full_page=True)
