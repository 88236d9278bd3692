"""The partners report's deal registrations in a real browser: a sales manager sees each
partner's registrations with their chart (vendored ECharts, under the Content-Security-Policy),
the numbers one click away; a partner's user sees its own row only."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.leads.models import Lead
from leadflow.partners.models import Partner
from leadflow.partners.services import leads_route
from leadflow.partners.services.registrations import Prospect, deal_register
from leadflow.programs.models import Program
from leadflow.reports.selectors.partners import REGISTRATIONS
from leadflow.reports.services.refresh import facts_refresh
from tests import factories
from tests.factories import ANSWERS, member
from tests.partners.conftest import make_approved, make_partner, partner_program
from tests.partners.test_registrations import approve
from tests.reports.test_partners import worked
from tests.sales.test_browser import DESKTOP, sign_in

__all__ = ["make_approved", "make_partner", "partner_program"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def prospect(first: str, email: str) -> Prospect:
    return Prospect(
        first_name=first,
        last_name="Prospect",
        email=email,
        company=f"{first} Systems",
        country="US",
        state="CA",
        answers=dict(ANSWERS["a"]),
    )


def test_a_manager_reads_each_partners_registrations_and_a_partner_only_its_own(
    page: Page,
    screenshots: Path,
    live_server: LiveServer,
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    factories.user(
        username="mona",
        roles=(Role.MANAGER,),
        clients=(partner_program.client,),
        password="mona-pass-2026",
    )
    at = timezone.now() - timedelta(days=3)
    make_partner("Holder Networks", program_level="platinum")
    finder = make_partner("Finder Solutions", territories=())
    second = make_partner("Second Source", territories=())
    held = make_approved(partner_program, email="held@example.com", captured=at)
    leads_route(lead_ids=[held.pk], now=at)
    found = [
        deal_register(
            partner=finder, program=partner_program, prospect=prospect(name, f"{name}@x.example"),
            user=member(finder), now=at + timedelta(minutes=number),
        )
        for number, name in enumerate(("grace", "linus", "ken"))
    ]  # fmt: skip
    for partner, email in ((finder, "held@example.com"), (second, "grace@x.example")):
        deal_register(
            partner=partner, program=partner_program,
            prospect=Prospect(email=email, company="Known"), user=member(partner),
            now=at + timedelta(minutes=10),
        )  # fmt: skip
    deal_register(
        partner=second, program=partner_program, prospect=prospect("dennis", "dennis@x.example"),
        user=member(second), now=at + timedelta(minutes=11),
    )  # fmt: skip
    grace = approve(Lead.objects.get(pk=found[0].lead_id), at=at + timedelta(hours=1))
    worked(finder, grace, "won", at + timedelta(hours=2))
    facts_refresh()
    refused: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(message.text)

    page.on("console", listen)
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "mona", "mona-pass-2026", "/reports/partners/")
    expect(page.get_by_role("heading", name="Partners", level=1)).to_be_visible()
    section = page.get_by_test_id("report-table").filter(
        has=page.get_by_role("heading", name=REGISTRATIONS)
    )
    expect(section.locator(".chart[data-drawn=true] canvas")).to_be_visible()
    section.get_by_text("Show the numbers").click()
    rows = section.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Finder Solutions")
    expect(section.locator("thead")).to_contain_text("Refused: held by a partner")
    expect(section).not_to_contain_text("Holder Networks")
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "reports-partners-registrations.png"), full_page=True)
    section.screenshot(path=str(screenshots / "reports-registrations-section.png"))

    user = member(second)
    user.set_password("second-pass-2026")
    user.save(update_fields=["password"])
    sign_in(page, live_server, user.username, "second-pass-2026", "/reports/partners/")
    mine = page.get_by_test_id("report-table").filter(
        has=page.get_by_role("heading", name=REGISTRATIONS)
    )
    mine.get_by_text("Show the numbers").click()
    expect(mine.locator("tbody tr")).to_have_count(1)
    expect(mine.locator("tbody tr").first).to_contain_text("Second Source")
    expect(page.locator("#main")).not_to_contain_text("Finder Solutions")
    page.screenshot(path=str(screenshots / "reports-registrations-partner.png"), full_page=True)
    assert refused == []
