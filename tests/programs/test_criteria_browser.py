"""The sales manager's journey in a real browser: tighten the Hot rule, preview the draft on
past leads, publish it, and find the program's leads re-qualified with the new version."""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create
from leadflow.core.criteria import default_criteria
from leadflow.leads.models import Lead, LeadEvent
from leadflow.programs.models import Program
from leadflow.programs.selectors import criteria_from_version
from tests.tasks import IMMEDIATE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOT = {"budget": "approved", "authority": "decision_maker", "need": "established"}


def test_manager_tightens_hot_previews_publishes_and_leads_are_requalified(
    page: Page,
    screenshots: Path,
    live_server: LiveServer,
    program: Program,
    make_lead: Callable[..., Lead],
) -> None:
    user_create(
        username="maria",
        password="maria-demo-pass",
        roles=(Role.MANAGER,),
        clients=(program.client,),
    )
    soon = make_lead(program, answers={**HOT, "timeframe_months": 1}, email="soon@x.example")
    later = [
        make_lead(program, answers={**HOT, "timeframe_months": 2}, email=f"l{i}@x.example")
        for i in range(3)
    ]
    assert {lead.rating for lead in [soon, *later]} == {"hot"}

    page.goto(f"{live_server.url}/accounts/login/?next=/programs/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill("maria-demo-pass")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Programs")).to_be_visible()

    page.get_by_role("link", name="Acme Demand Gen").click()
    expect(page.get_by_role("heading", name="Current criteria: version 1")).to_be_visible()
    page.get_by_role("link", name="Edit criteria").click()

    ladder = page.locator("#section-ladder > summary")
    expect(ladder).to_contain_text("4 rules: Hot, A, B, C")
    hot_rule = page.get_by_role("group", name="Rule 1: HOT")
    expect(hot_rule).to_be_hidden()  # the sections start closed
    page.screenshot(path=str(screenshots / "criteria-edit-closed.png"))
    ladder.click()
    months = hot_rule.get_by_role("group", name="Condition 1").get_by_label(
        "Time frame at most (months)"
    )
    expect(months).to_have_value("3")
    months.fill("1")
    page.get_by_label("Note").first.fill("Hot means a decision within a month")
    months.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "criteria-edit.png"))
    page.get_by_role("button", name="Save and preview", exact=True).click()

    expect(page.get_by_role("heading", name="Preview the draft: Acme Demand Gen")).to_be_visible()
    expect(page.get_by_text("3 of 4 leads would move")).to_be_visible()
    move = page.locator("table.moves tbody tr").first
    expect(move.locator("td").nth(0)).to_have_text("Hot")
    expect(move.locator("td").nth(1)).to_have_text("A")
    expect(move.locator("td").nth(2)).to_have_text("3")
    expect(move.get_by_role("link", name=f"#{later[0].pk}")).to_have_attribute(
        "href", f"/leads/{later[0].pk}/"
    )
    page.screenshot(path=str(screenshots / "criteria-preview.png"), full_page=True)

    page.get_by_label("I have previewed this draft and want to publish it").check()
    with override_settings(TASKS=IMMEDIATE):
        page.get_by_role("button", name="Publish as a new version").click()
        expect(page.get_by_role("heading", name="Current criteria: version 2")).to_be_visible()
    expect(page.get_by_text("Re-qualification of the open leads was queued")).to_be_visible()
    expect(
        page.get_by_text("decision within 1 month and need identified or established")
    ).to_be_visible()

    assert Lead.objects.get(pk=soon.pk).rating == "hot"
    for lead in later:
        requalified = Lead.objects.select_related("criteria_version").get(pk=lead.pk)
        assert requalified.rating == "a"
        assert requalified.criteria_version is not None
        assert requalified.criteria_version.number == 2
        event = LeadEvent.objects.filter(lead=lead, kind="qualified").latest("id")
        assert event.reason == "criteria version 2"
    # The questions and point rules were never opened (their fields never drawn): kept whole.
    published = criteria_from_version(program.criteria_versions.get(number=2))
    assert published.questions == default_criteria().questions
    assert published.point_rules == default_criteria().point_rules
