"""A sales manager's journey in a real browser (issue 17, item 9): create a qualifier with a
role and one program of the client, make them a password link; the qualifier opens it, chooses
a password, signs in and sees only the leads of that program."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create
from leadflow.programs.models import Client, Program
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_creates_a_qualifier_who_sees_only_their_program(
    page: Page, screenshots: Path, live_server: LiveServer, program: Program, client_a: Client
) -> None:
    other = factories.program(client=client_a, name="Acme Field Events", slug="acme-field")
    factories.lead(
        program=program,
        answers=factories.HOT,
        first_name="Hedy",
        last_name="Lamarr",
        email="hedy@frequency.example",
        company="Frequency Hopping Inc",
    )
    factories.lead(program=other, answers=factories.HOT, first_name="Otto", last_name="Outside",
                   email="otto@elsewhere.example", company="Elsewhere GmbH")  # fmt: skip
    user_create(
        username="maria", password="maria-demo-pass", roles=(Role.MANAGER,), clients=(client_a,)
    )

    page.goto(f"{live_server.url}/accounts/login/?next=/users/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill("maria-demo-pass")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    page.get_by_role("link", name="New user").click()

    page.get_by_label("Sign-in name").fill("lin")
    page.get_by_label("First name").fill("Lin")
    page.get_by_label("Last name").fill("Qualifier")
    page.get_by_label("E-mail").fill("lin@acme.example")
    roles = page.get_by_role("group", name="Roles")
    expect(roles.get_by_label("Admin", exact=False)).to_have_count(0)
    roles.get_by_label("Qualifier", exact=False).check()
    page.get_by_role("group", name="Programs they see").get_by_label(
        "Acme Corp: Acme Demand Gen"
    ).check()
    page.screenshot(path=screenshots / "users-new.png", full_page=True)
    page.get_by_role("button", name="Create the user").click()

    expect(page.get_by_role("heading", name="Lin Qualifier")).to_be_visible()
    expect(page.get_by_text("Acme Corp: Acme Demand Gen", exact=True)).to_be_visible()
    expect(page.get_by_test_id("change-history")).to_contain_text("Created ")
    page.get_by_role("button", name="Make a password link").click()
    link = page.get_by_role("textbox", name="Link").input_value()
    page.screenshot(path=screenshots / "users-detail.png", full_page=True)

    lin = page.context.browser.new_context(locale="en-US").new_page()  # type: ignore[union-attr]
    lin.goto(link)
    lin.get_by_label("New password", exact=True).fill("lin-chooses-a-long-one")
    lin.get_by_label("New password confirmation").fill("lin-chooses-a-long-one")
    lin.get_by_role("button", name="Set the password").click()
    lin.goto(f"{live_server.url}/accounts/login/?next=/leads/")
    lin.get_by_label("Username").fill("lin")
    lin.get_by_label("Password").fill("lin-chooses-a-long-one")
    lin.get_by_role("button", name="Sign in").click()
    expect(lin.get_by_text("Hedy Lamarr").first).to_be_visible()
    expect(lin.get_by_text("Otto Outside")).to_have_count(0)
    expect(lin.get_by_role("link", name="Users", exact=True)).to_have_count(0)
    lin.screenshot(path=screenshots / "users-new-qualifier-leads.png", full_page=True)
    lin.context.close()
