"""The qualifier's journey in a real browser: sign in, take the next lead from the queue, work
it with the call script while the qualification panel follows the answers, save, log the call,
and submit it to QA review."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.leads.models import CallLog, EventKind
from leadflow.leads.services import LeadInput, lead_create
from leadflow.programs.models import Program
from tests.conftest import NOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def test_a_qualifier_takes_a_lead_qualifies_it_and_submits_it_for_review(
    page: Page, screenshots: Path, live_server: LiveServer, program: Program
) -> None:
    user_create(
        username="quinn",
        password="quinn-qualifies-1",
        roles=(Role.QUALIFIER,),
        programs=(program,),
    )
    lead = lead_create(
        program=program,
        data=LeadInput(
            first_name="Ada",
            last_name="Lovelace",
            title="Head of Operations",
            email="ada@example.com",
            phone="+442071234567",
            company="Analytical Engines Ltd",
            profile={"current_environment": "spreadsheets"},
        ),
        actor=None,
        now=NOW,
    )
    page.set_viewport_size(DESKTOP)

    page.goto(f"{live_server.url}/queue/")
    page.get_by_label("Username").fill("quinn")
    page.get_by_label("Password").fill("quinn-qualifies-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/queue/")
    expect(page.get_by_text("1 lead waiting in your programs.")).to_be_visible()
    take_next = page.get_by_role("button", name="Take next lead")
    expect(take_next).to_be_focused()
    page.screenshot(path=str(screenshots / "queue.png"), full_page=True)

    page.keyboard.press("n")
    expect(page).to_have_url(f"{live_server.url}/leads/{lead.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada Lovelace")
    rating = page.locator("#qualification-panel").get_by_test_id("rating")
    expect(rating).to_have_text("FYI")

    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("group", name="Budget").get_by_label("Approved").check()
    page.get_by_role("group", name="Need").get_by_label("Established").check()
    timeframe = page.get_by_label("Decision time frame (months)")
    timeframe.fill("2")
    timeframe.press("Tab")
    expect(rating).to_have_text("Hot")
    expect(page.locator("#qualification-panel")).to_contain_text("Preview of the answers")
    assert page.evaluate("window.stillTheSamePage") is True
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "workspace.png"), full_page=True)

    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_text("Answers saved: rating Hot, score 75.")).to_be_visible()
    expect(rating).to_have_text("Hot")

    call = page.get_by_role("group", name="Log a call")
    call.get_by_label("Outcome").select_option("connected")
    call.get_by_label("Note").fill("Spoke to Ada: wants a demo before Christmas.")
    call.get_by_role("button", name="Log call").click()
    expect(page.get_by_text("Call logged.")).to_be_visible()
    expect(page.locator(".ws-calls")).to_contain_text("Spoke to Ada")

    page.set_viewport_size(PHONE)
    page.screenshot(path=str(screenshots / "workspace-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways at phone width ({width}px)"
    page.set_viewport_size(DESKTOP)

    page.get_by_role("button", name="Submit to QA review").click()
    expect(page).to_have_url(f"{live_server.url}/queue/")
    expect(
        page.get_by_text(re.compile(rf"Lead #{lead.pk} submitted for QA review"))
    ).to_be_visible()
    expect(page.get_by_text("0 leads waiting in your programs.")).to_be_visible()

    lead.refresh_from_db()
    assert (lead.status, lead.rating, lead.held_by) == (LeadStatus.IN_REVIEW, "hot", None)
    assert lead.answers == {"budget": "approved", "need": "established", "timeframe_months": 2}
    assert CallLog.objects.get(lead=lead).outcome == "connected"
    kinds = list(lead.events.order_by("at", "id").values_list("kind", "action"))
    assert kinds == [
        (EventKind.CREATED, ""),
        (EventKind.HELD, ""),
        (EventKind.STATUS_CHANGED, Action.START_QUALIFYING),
        (EventKind.UPDATED, ""),
        (EventKind.QUALIFIED, ""),
        (EventKind.CALL, ""),
        (EventKind.STATUS_CHANGED, Action.SUBMIT_FOR_REVIEW),
        (EventKind.RELEASED, ""),
    ]
