"""The public form in a real browser: what a person sees and does, and what a bot does."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.leads.models import Lead
from leadflow.programs.models import Program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_form(page: Page, live_server: LiveServer, program: Program) -> None:
    page.goto(f"{live_server.url}/forms/{program.slug}/")
    expect(page.get_by_role("heading", name="Contact Acme Corp")).to_be_visible()


def test_a_person_fills_in_the_form_and_is_thanked(
    page: Page, screenshots: Path, live_server: LiveServer, program: Program
) -> None:
    open_form(page, live_server, program)
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Company").fill("Analytical Engines")
    page.get_by_label("Country").fill("United Kingdom")
    page.get_by_label("Is there a budget for this?").select_option("An approved budget")
    page.get_by_label("What is your part in the buying decision?").select_option(
        "I make the decision"
    )
    page.get_by_label("How clear is your need?").select_option("We need a solution now")
    page.get_by_label("In how many months do you plan to decide?").fill("2")
    page.get_by_label("How can we help?").fill("A demo, please.")
    page.screenshot(path=str(screenshots / "web-to-lead-form.png"), full_page=True)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    lead = Lead.objects.get()
    assert (lead.email, lead.country, lead.channel) == ("ada@example.com", "GB", "web")
    assert lead.answers == {
        "budget": "approved",
        "authority": "decision_maker",
        "need": "established",
        "timeframe_months": 2,
    }
    assert lead.rating == "hot"


def test_the_honeypot_is_invisible_and_a_bot_that_fills_it_gets_no_lead(
    page: Page, live_server: LiveServer, program: Program
) -> None:
    open_form(page, live_server, program)
    trap = page.locator("input[name=leadflow_hp]")
    assert not trap.is_visible()
    page.get_by_label("E-mail").fill("bot@example.com")
    page.evaluate("document.querySelector('input[name=leadflow_hp]').value = 'http://spam.example'")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert Lead.objects.count() == 0


def test_an_invalid_email_is_shown_next_to_the_field(
    page: Page, live_server: LiveServer, program: Program
) -> None:
    open_form(page, live_server, program)
    page.get_by_label("E-mail").fill("ada@")
    page.get_by_label("Company").fill("Analytical Engines")
    page.get_by_role("button", name="Send").click()
    email = page.get_by_label("E-mail")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_value("ada@")
    expect(email).to_have_accessible_description(re.compile("Error: not an e-mail address"))
    expect(page.get_by_role("alert")).to_contain_text("E-mail: not an e-mail address")
    expect(page.locator(".error-summary")).to_be_focused()
    assert Lead.objects.count() == 0
