"""The lead list in a real browser (issue 17, item 4): a manager chooses the columns and the
page size, reloads and finds them chosen; a colleague's list is unaffected. The header stays
while the rows scroll, the table's scrollbars stay inside the window, the page uses a wide
screen's whole width, and a bulk action with nothing ticked says so. The search finds a fragment
of a name, an e-mail or a company (issue 18, item 3)."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create
from leadflow.programs.models import Program
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1920, "height": 1080}
DESKTOP = {"width": 1280, "height": 800}
#: Sixty leads on one page of a shared, loaded machine: more than the suite's ten seconds.
SLOW = 45_000


def sign_in(page: Page, live_server: LiveServer, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/leads/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Leads", level=1)).to_be_visible()


def column_headers(page: Page) -> list[str]:
    cells = page.locator("table.leads thead th").all_inner_texts()
    return [text.replace("▲", "").replace("▼", "").strip() for text in cells if text.strip()]


def test_chosen_columns_stay_chosen_for_that_user_only(
    page: Page, browser: Browser, screenshots: Path, live_server: LiveServer, program: Program
) -> None:
    for role, name in ((Role.MANAGER, "mona"), (Role.MARKETER, "mark")):
        user_create(username=name, password=f"{name}-secret-1", roles=(role,), programs=(program,))
    for number in range(60):
        factories.lead(
            program=program,
            first_name=f"Person{number:02d}",
            last_name="Example",
            email=f"person{number:02d}@example.com",
            company=f"Company {number:02d} with a rather long trading name Ltd",
            campaign="WEB-1",
            external_id=f"p{number}",
        )
    page.set_viewport_size(WIDE)
    page.set_default_timeout(SLOW)
    sign_in(page, live_server, "mona", "mona-secret-1")
    default = ["Lead", "Rating", "Stage", "Score", "Status", "Owner", "Source", "Created"]
    assert column_headers(page) == default
    expect(page.get_by_text("Leads 1\u201350 of 60")).to_be_visible()

    # The page spans the wide window; the header stays on top while the rows scroll inside a
    # box that ends within the window, so its horizontal scrollbar is on screen.
    main_width = page.locator("main").evaluate("element => element.getBoundingClientRect().width")
    assert main_width > WIDE["width"] - 100
    box = page.locator(".lead-list-scroll")
    assert box.evaluate("element => element.getBoundingClientRect().bottom") <= WIDE["height"]
    assert box.evaluate("element => element.scrollHeight > element.clientHeight")
    header = page.locator("table.leads thead th").first
    assert header.evaluate("element => getComputedStyle(element).position") == "sticky"
    box.evaluate("element => element.scrollTo(0, 400)")
    assert header.evaluate(
        "th => th.getBoundingClientRect().top - th.closest('.lead-list-scroll')"
        ".getBoundingClientRect().top"
    ) == pytest.approx(0, abs=2)
    box.evaluate("element => element.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "lead-list-1920.png"))

    page.get_by_role("button", name="Go…").click()
    expect(page.get_by_text("Select at least one lead.")).to_be_visible()

    page.get_by_text("Columns and page size").click()
    chooser = page.locator("#columns-form")
    chooser.get_by_label("Rating").uncheck()
    chooser.get_by_label("Stage").uncheck()
    chooser.get_by_label("E-mail").check()
    chooser.get_by_label("Campaign").check()
    chooser.get_by_label("25", exact=True).check()
    chooser.get_by_role("button", name="Save columns").click()
    expect(page.get_by_text("Your columns and page size are saved.")).to_be_visible()
    chosen = ["Lead", "Score", "Status", "Owner", "Source", "Campaign", "E-mail", "Created"]
    assert column_headers(page) == chosen
    expect(page.get_by_text("Leads 1\u201325 of 60")).to_be_visible()

    page.reload()
    assert column_headers(page) == chosen
    expect(page.get_by_text("Leads 1\u201325 of 60")).to_be_visible()
    page.get_by_text("Columns and page size").click()
    expect(page.locator("#columns-form").get_by_label("E-mail")).to_be_checked()
    expect(page.locator("#columns-form").get_by_label("Rating")).not_to_be_checked()
    page.get_by_text("Columns and page size").click()

    page.set_viewport_size(DESKTOP)
    # The box is fitted to the window on its resize event, which may come a moment later.
    page.wait_for_function(
        "height => document.querySelector('.lead-list-scroll').getBoundingClientRect().bottom"
        " <= height",
        arg=DESKTOP["height"],
    )
    page.screenshot(path=str(screenshots / "lead-list-1280.png"))

    other = browser.new_context(viewport=WIDE, locale="en-US")
    try:
        other.set_default_timeout(SLOW)
        colleague = other.new_page()
        sign_in(colleague, live_server, "mark", "mark-secret-1")
        assert column_headers(colleague) == default
        expect(colleague.get_by_text("Leads 1\u201350 of 60")).to_be_visible()
    finally:
        other.close()


def test_the_bulk_bar_is_one_line_and_shows_only_the_chosen_actions_input(
    page: Page, screenshots: Path, live_server: LiveServer, program: Program
) -> None:
    user_create(
        username="mona", password="mona-secret-1", roles=(Role.MANAGER,), programs=(program,)
    )
    user_create(
        username="quinn", password="quinn-secret-1", roles=(Role.QUALIFIER,), programs=(program,)
    )
    factories.lead(program=program, first_name="Ada", last_name="Example", email="ada@example.com")
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "mona", "mona-secret-1")
    bar = page.locator("#bulk-form")
    action = bar.get_by_label("With the selected leads")
    owner = bar.get_by_label("New owner")
    campaign = bar.get_by_label("Campaign code")

    def one_line() -> bool:
        # Every control of the bar (not the labels above them) ends on the same line.
        bottoms = bar.evaluate(
            "form => [...form.querySelectorAll('select, input:not([type=hidden]), button')]"
            ".filter(e => e.offsetParent !== null)"
            ".map(e => Math.round(e.getBoundingClientRect().bottom))"
        )
        return max(bottoms) - min(bottoms) <= 4

    heights = set()
    for value, shown, hidden in (
        ("assign", owner, campaign),
        ("campaign", campaign, owner),
        ("nurture", None, None),
    ):
        action.select_option(value)
        if shown is not None:
            expect(shown).to_be_visible()
        if hidden is not None:
            expect(hidden).to_be_hidden()
        assert one_line(), f"the bulk bar wraps at 1280 pixels with “{value}” chosen"
        heights.add(round(bar.evaluate("form => form.getBoundingClientRect().height")))
        if value == "assign":
            page.screenshot(path=str(screenshots / "lead-list-bulk-1280.png"))
    expect(owner).to_be_hidden()
    expect(campaign).to_be_hidden()
    assert max(heights) - min(heights) <= 4, "the bar changes height with the chosen action"


def test_the_search_finds_a_fragment_of_a_name_an_e_mail_or_a_company(
    page: Page, screenshots: Path, live_server: LiveServer, program: Program
) -> None:
    """Issue 18, item 3: the search reads one index over the four columns joined, and still
    finds what it found: a fragment of one column in any case, never a run across two."""
    user_create(
        username="mona", password="mona-secret-1", roles=(Role.MANAGER,), programs=(program,)
    )
    for first, last, company in (
        ("Ada", "Lovelace", "Analytical Engines"),
        ("Grace", "Hopper", "Navy Labs"),
        ("Alan", "Turing", "Bletchley Park"),
    ):
        factories.lead(
            program=program,
            first_name=first,
            last_name=last,
            email=f"{first}.{last}@example.com".lower(),
            company=company,
        )
    page.set_viewport_size(DESKTOP)
    page.set_default_timeout(SLOW)
    sign_in(page, live_server, "mona", "mona-secret-1")
    expect(page.get_by_text("Leads 1\u20133 of 3")).to_be_visible()
    search = page.get_by_label("Search")
    apply = page.locator("#lead-filters").get_by_role("button", name="Apply")
    for term, found in (("LOVEL", "Ada Lovelace"), ("hopper@", "Grace Hopper"), ("park", "Alan")):
        search.fill(term)
        apply.click()
        expect(page.get_by_text("Leads 1\u20131 of 1")).to_be_visible()
        expect(page.locator("table.leads tbody")).to_contain_text(found)
    page.screenshot(path=str(screenshots / "lead-list-search.png"))
    search.fill("adalove")
    apply.click()
    expect(page.get_by_text("No leads match these filters.")).to_be_visible()
