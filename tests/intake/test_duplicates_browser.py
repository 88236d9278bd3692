"""The possible duplicates journey in a real browser: a marketer opens the program's pairs,
compares one side by side, keeps the newer e-mail address, merges, and reads the merge in the
surviving lead's history."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create
from leadflow.core.dedupe import Possible
from leadflow.intake.services.duplicates import possible_duplicate_record
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests import factories
from tests.factories import HOT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_marketer_compares_a_pair_keeps_a_value_merges_and_reads_the_history(
    page: Page, screenshots: Path, live_server: LiveServer, program: Program
) -> None:
    user_create(
        username="mara", password="mara-secret-42", roles=(Role.MARKETER,), programs=(program,)
    )
    older = factories.lead(program=program, answers={}, phone="+12025550101")
    newer = factories.lead(
        program=program,
        first_name="Ada",
        last_name="King",
        email="ada.king@example.org",
        title="CTO",
        city="London",
        answers=dict(HOT),
    )
    possible_duplicate_record(
        program=program,
        pairs=[(newer.pk, Possible(older.pk, "similar name at the same company", 91.0))],
        now=newer.created_at,
    )

    page.goto(f"{live_server.url}/duplicates/")
    page.get_by_label("Username").fill("mara")
    page.get_by_label("Password").fill("mara-secret-42")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Possible duplicates")).to_be_visible()
    expect(page.get_by_role("row", name="similar name at the same company")).to_be_visible()
    page.screenshot(path=str(screenshots / "duplicates-list.png"), full_page=True)

    page.get_by_role("link", name="Compare").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Lead #{older.pk} and lead #{newer.pk}"
    )
    expect(page.get_by_role("row", name="Company")).to_contain_text("Analytical Engines Ltd")
    page.get_by_label("ada.king@example.org").check()
    page.screenshot(path=str(screenshots / "duplicates-compare.png"), full_page=True)
    page.get_by_role("button", name="Merge").click()

    expect(page).to_have_url(f"{live_server.url}/leads/{older.pk}/")
    expect(page.get_by_role("status")).to_contain_text(
        f"Lead #{newer.pk} merged into lead #{older.pk}"
    )
    history = page.locator(".ws-history")
    expect(history).to_contain_text("merged another inquiry into the lead")
    expect(history).to_contain_text(f"lead #{newer.pk} merged into this lead")
    expect(history).to_contain_text("ada@example.com → ada.king@example.org")
    page.screenshot(path=str(screenshots / "duplicates-merged.png"), full_page=True)
    assert Lead.objects.get(pk=newer.pk).disqualification == "duplicate"
