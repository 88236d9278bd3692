"""The lead's story in a real browser (issue 17, item 6): the history reads as a timeline of
sentences, newest first; a filter link keeps one kind (the calls); the field changes of an
entry open with one click."""

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create
from leadflow.core.lifecycle import Action
from leadflow.leads.models import CallOutcome
from leadflow.leads.services import LeadInput, lead_create, lead_transition
from leadflow.leads.services.calls import call_record
from leadflow.programs.models import Program
from tests.conftest import NOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_reads_the_timeline_filters_the_calls_and_opens_a_change(
    page: Page, screenshots: Path, live_server: LiveServer, program: Program
) -> None:
    manager = user_create(
        username="morgan",
        password="morgan-manages-1",
        roles=(Role.MANAGER,),
        programs=(program,),
    )
    lead = lead_create(
        program=program,
        data=LeadInput(
            first_name="Ada",
            last_name="Lovelace",
            email="ada@example.com",
            company="Analytical Engines Ltd",
            answers={"budget": "approved", "need": "established", "timeframe_months": 2},
        ),
        actor=None,
        now=NOW,
    )
    now = timezone.now()
    lead_transition(lead=lead, action=Action.START_QUALIFYING, actor=manager, now=now)
    call_record(
        lead=lead,
        caller=manager,
        outcome=CallOutcome.VOICEMAIL,
        note="Left a message about the demo",
        now=now,
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    # The live server's first request imports every view: slow on a loaded machine.
    page.goto(f"{live_server.url}/leads/{lead.pk}/", timeout=60_000)
    page.get_by_label("Username").fill("morgan")
    page.get_by_label("Password").fill("morgan-manages-1")
    page.get_by_role("button", name="Sign in").click()

    timeline = page.get_by_test_id("timeline")
    entries = timeline.locator("li.ws-entry")
    # Opening the lead held it for the manager: the newest entry, above the call.
    expect(entries.first).to_contain_text("morgan opened the lead to call.")
    expect(entries.nth(1)).to_contain_text("morgan called: left voicemail")
    expect(entries.last).to_contain_text("LeadFlow created the lead.")
    expect(timeline).not_to_contain_text("rule 1 fired")

    filters = page.get_by_role("navigation", name="Show in the history")
    filters.get_by_role("link", name="Calls").click()
    expect(page).to_have_url(f"{live_server.url}/leads/{lead.pk}/?history=calls#history-heading")
    expect(filters.get_by_role("link", name="Calls")).to_have_attribute("aria-current", "true")
    for sentence in entries.all_inner_texts():
        assert "Calls" in sentence, sentence
    expect(timeline).not_to_contain_text("created the lead")
    page.screenshot(path=str(screenshots / "timeline-calls.png"), full_page=True)

    filters.get_by_role("link", name="Everything").click()
    created = entries.filter(has_text="created the lead")
    changes = created.locator("details.ws-changes")
    expect(changes.locator("ul")).not_to_be_visible()
    changes.locator("summary").click()
    expect(changes.locator("ul")).to_be_visible()
    expect(changes).to_contain_text("Budget: approved")
    expect(changes).to_contain_text("Decision time frame (months): 2")
    page.screenshot(path=str(screenshots / "timeline.png"), full_page=True)
