"""The predicted chance in a real browser (issue 19): a sales manager sees "A · 34 %" on the
lead list with the factors on hover, the lead's panel in plain words, and the "rules vs model"
report drawn with its charts under the Content-Security-Policy; a reviewer sees the chance in
the review batch."""

from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.programs.models import Program
from tests import factories
from tests.sales.test_browser import DESKTOP, sign_in
from tests.scoring.predictions import history, predict

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_sees_the_chance_beside_the_rating_and_which_to_trust(
    page: Page, screenshots: Path, live_server: LiveServer, program: Program
) -> None:
    factories.user(
        username="mona", roles=(Role.MANAGER,), clients=(program.client,), password="mona-pass-26"
    )
    history(program, count=24)
    grace = factories.lead(
        program=program, answers=factories.A, first_name="Grace", last_name="Hopper",
        email="grace@cobol.example", company="Cobol Systems",
    )  # fmt: skip
    predict(grace, 0.344)
    factories.lead(program=program, first_name="Hedy", last_name="Lamarr", email="h@x.example")
    refused: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(message.text)

    page.on("console", listen)
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "mona", "mona-pass-26", "/leads/?q=a")
    row = page.locator("tr", has_text="Grace Hopper")
    note = row.get_by_test_id("rating-note")
    expect(note).to_contain_text("· 34 %")
    assert note.get_attribute("title") == (
        "Predicted chance of converting: 34 %. Source: referral +12 points of probability; "
        "Company size 1-10 \u22128 points of probability; Country: US +3 points of probability."
    )
    expect(page.locator("tr", has_text="Hedy Lamarr").get_by_test_id("rating-note")).to_have_count(
        0
    )
    note.hover()
    page.screenshot(path=str(screenshots / "scoring-lead-list.png"), full_page=True)

    row.get_by_role("link", name="Grace Hopper").click()
    panel = page.get_by_test_id("scoring-panel")
    expect(panel).to_contain_text("34 %")
    expect(panel.get_by_test_id("scoring-factors")).to_contain_text(
        "Source: referral +12 points of probability"
    )
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "scoring-lead-panel.png"), full_page=True)

    page.goto(f"{live_server.url}/reports/")
    page.locator("#main").get_by_role("link", name="Rules vs model").click()
    expect(page.get_by_role("heading", name="Rules vs model", level=1)).to_be_visible()
    expect(page.locator(".chart[data-drawn=true] canvas").first).to_be_visible()
    expect(page.get_by_test_id("verdict").first).to_contain_text("Trust the model")
    page.screenshot(path=str(screenshots / "scoring-rules-vs-model.png"), full_page=True)
    assert refused == []


def test_a_reviewer_sees_the_chance_in_the_review_batch(
    page: Page, screenshots: Path, live_server: LiveServer, program: Program
) -> None:
    qualifier = factories.user(username="quinn", roles=(Role.QUALIFIER,), programs=(program,))
    factories.user(
        username="rita", roles=(Role.REVIEWER,), programs=(program,), password="rita-pass-26"
    )
    lead = factories.submitted_lead(
        program=program, qualifier=qualifier, first_name="Grace", last_name="Hopper"
    )
    predict(lead, 0.41)
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "rita", "rita-pass-26", f"/review/{program.slug}/")
    card = page.get_by_test_id("review-lead")
    expect(card.get_by_test_id("rating-note")).to_contain_text("· 41 %")
    page.screenshot(path=str(screenshots / "scoring-review-batch.png"), full_page=True)
