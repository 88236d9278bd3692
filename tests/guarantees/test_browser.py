"""The dispute journey in a real browser: a client contact disputes a delivered lead, a QA
reviewer upholds it, and the program's ledger shows the lead as upheld and awaiting a
replacement."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create
from leadflow.core.guarantee import PeriodKind, period_of
from leadflow.guarantees.models import Dispute
from leadflow.leads.models import Lead
from leadflow.programs.models import Program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, live_server: LiveServer, path: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-secret-42")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}{path}")


def test_a_client_disputes_qa_upholds_and_the_ledger_counts_it(
    page: Page,
    screenshots: Path,
    live_server: LiveServer,
    program: Program,
    make_delivered: Callable[..., list[Lead]],
) -> None:
    for username, role in (("carla", Role.CLIENT), ("quentin", Role.REVIEWER)):
        user_create(
            username=username,
            password=f"{username}-secret-42",
            roles=(role,),
            clients=(program.client,),
        )
    delivered_at = timezone.now() - timedelta(hours=2)
    (lead,) = make_delivered(program, at=delivered_at)

    sign_in(page, live_server, "/disputes/", "carla")
    page.get_by_role("link", name=f"Dispute lead #{lead.pk}").click()
    page.get_by_label("Reason").select_option("Contact denies interest")
    page.get_by_label("What is wrong with this lead?").fill("She never asked for a demo.")
    page.get_by_role("button", name="Dispute this lead").click()
    expect(page.get_by_role("status")).to_contain_text(f"Lead #{lead.pk} disputed")
    dispute = Dispute.objects.get()
    expect(page.get_by_role("row", name=f"#{dispute.pk}")).to_contain_text("Open")

    sign_in(page, live_server, "/disputes/review/", "quentin")
    page.get_by_role("link", name=f"Decide #{dispute.pk}").click()
    expect(page.get_by_text("She never asked for a demo.", exact=True)).to_be_visible()
    page.get_by_label("Uphold: the lead is invalid and is replaced").check()
    page.get_by_label("Note for the client").fill("The call recording confirms it.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_contain_text(f"Dispute #{dispute.pk} upheld")

    page.goto(f"{live_server.url}/disputes/programs/{program.slug}/ledger")
    month = period_of(delivered_at, PeriodKind.MONTH, program.client.timezone)
    cells = page.locator(f'tbody tr[data-period="{month.label}"] td')
    # Owed, delivered, valid, disputed, open, upheld, rejected, replaced, awaiting, still owed.
    expect(cells).to_have_text(["0", "1", "0", "1", "0", "1", "0", "0", "1", "0"])
    page.screenshot(path=str(screenshots / "guarantee-ledger.png"), full_page=True)
