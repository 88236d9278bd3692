"""The statement page in a real browser: a client contact opens last month's statement from
the navigation, reads its totals and follows a line to the delivery that carried the lead; a
manager closes the month."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create
from leadflow.billing.models import Statement
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests.billing.conftest import at, deliver, rated, terms_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, live_server: LiveServer, path: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-secret-42")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}{path}")


def test_the_client_reads_the_statement_and_a_manager_closes_it(
    page: Page, screenshots: Path, live_server: LiveServer, program: Program
) -> None:
    for username, role in (("carla", Role.CLIENT), ("mona", Role.MANAGER)):
        user_create(username=username, password=f"{username}-secret-42", roles=(role,),
                    clients=(program.client,))  # fmt: skip
    terms_for(program)
    leads: list[Lead] = [
        rated(program, 1, "hot", at(10, 4)),
        rated(program, 2, "a", at(10, 4)),
        rated(program, 3, "c", at(10, 4)),
    ]
    delivery = deliver(program, leads, at(10, 5))

    sign_in(page, live_server, "/billing/", "carla")
    expect(page.get_by_role("link", name="Billing", exact=True)).to_be_visible()
    page.get_by_role("link", name="Acme Demand Gen").click()
    expect(page.get_by_test_id("terms")).to_contain_text("150.00 USD")
    page.get_by_role("link", name="2026-10").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statement 2026-10: Acme Demand Gen")
    total = page.get_by_test_id("totals").get_by_role("row", name="Total due")
    expect(total).to_contain_text("250.00 USD")
    expect(page.get_by_test_id("lines").get_by_role("row")).to_have_count(4)
    expect(page.get_by_role("button", name="Close 2026-10 now")).to_have_count(0)
    page.screenshot(path=str(screenshots / "billing-statement.png"), full_page=True)
    page.get_by_role("link", name=f"Lead #{leads[0].pk}").click()
    expect(page).to_have_url(f"{live_server.url}/deliveries/{delivery.pk}/")

    sign_in(page, live_server, "/billing/programs/acme-demand/2026-10/", "mona")
    page.get_by_role("button", name="Close 2026-10 now").click()
    expect(page.get_by_test_id("state")).to_contain_text("Closed on")
    assert Statement.objects.get().total == 250
    page.screenshot(path=str(screenshots / "billing-statement-closed.png"), full_page=True)
