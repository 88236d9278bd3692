"""A sales manager's journey through the dashboards in a real browser: from the navigation to
the reports, each dashboard drawn (its charts from the vendored ECharts, under the
Content-Security-Policy, with nothing refused), its numbers one click away, and a CSV
downloaded with the figures of the page."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.programs.models import Program
from leadflow.reports.selectors.common import REPORT_TITLES
from leadflow.reports.selectors.registry import REPORTS
from leadflow.reports.services.refresh import facts_refresh
from tests import factories
from tests.factories import STEPS_TO
from tests.sales.test_browser import DESKTOP, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_sales_manager_opens_every_dashboard_and_downloads_a_csv(
    page: Page, screenshots: Path, live_server: LiveServer, program: Program
) -> None:
    factories.user(
        username="mona",
        roles=(Role.MANAGER,),
        clients=(program.client,),
        password="mona-pass-2026",
    )
    week_ago = timezone.now() - timedelta(days=7)
    hot = factories.lead(program=program, at=week_ago, email="hot@example.com")
    factories.lead_walk(hot, STEPS_TO["delivered"], at=week_ago + timedelta(hours=2))
    factories.lead(program=program, answers=factories.C, at=week_ago, email="c@example.com")
    facts_refresh()
    refused: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(message.text)

    page.on("console", listen)
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "mona", "mona-pass-2026", "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    for name in REPORTS:
        page.goto(f"{live_server.url}/reports/")
        page.locator("#main").get_by_role("link", name=REPORT_TITLES[name], exact=True).click()
        expect(page.get_by_role("heading", name=REPORT_TITLES[name], level=1)).to_be_visible()
        tables = page.get_by_test_id("report-table")
        expect(tables.first).to_be_visible()
        drawn = page.locator(".chart[data-drawn=true] canvas")
        if page.locator(".chart").count():
            expect(drawn.first).to_be_visible()
        page.screenshot(path=str(screenshots / f"reports-{name}.png"), full_page=True)
        with page.expect_download() as download:
            tables.first.get_by_role("link", name="Download CSV").click()
        content = Path(download.value.path()).read_text(encoding="utf-8")
        header, *rows = list(csv.reader(io.StringIO(content)))
        headings = tables.first.locator("thead th").all_text_contents()
        assert header, name
        if headings:  # a table without rows says so and shows no headings
            assert header == headings, name
        if name == "funnel":
            assert rows[0][:2] == ["Inquiry", "2"]
            assert rows[5][:2] == ["Handed off", "1"]
    page.goto(f"{live_server.url}/reports/funnel/")
    page.get_by_text("Show the numbers").first.click()
    numbers = page.get_by_test_id("report-table").first.locator("tbody tr")
    expect(numbers.first).to_contain_text("Inquiry")
    expect(numbers.first).to_contain_text("2")
    page.get_by_label("Broken down by").select_option(label="Channel")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Funnel by channel")).to_be_visible()
    expect(page.locator(".chart[data-drawn=true] canvas").first).to_be_visible()
    page.screenshot(path=str(screenshots / "reports-funnel-by-channel.png"), full_page=True)
    assert refused == []
