"""The top bar in a real browser: an admin's nineteen places fit in one tidy line at 1280 and
1024 pixels (grouped into menus), on two lines at a tablet's width, behind the Menu button on a
phone; the menus open and close with the keyboard alone."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "ada-secret-123"


def sign_in_admin(page: Page, live_server: LiveServer, role: Role = Role.ADMIN) -> None:
    user_create(
        username="ada", password=PASSWORD, first_name="Ada", last_name="Lovelace", roles=[role]
    )
    page.goto(f"{live_server.url}/accounts/login/?next=/leads/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Leads", level=1)).to_be_visible()


def visible_places(page: Page) -> list[str]:
    return page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()


def bar_lines(page: Page) -> int:
    """How many lines the navigation's places take (their distinct tops)."""
    tops: list[float] = page.eval_on_selector_all(
        'nav[aria-label="Main"] a:not(.nav-menu-items a), nav[aria-label="Main"] summary',
        "els => els.filter(e => e.checkVisibility())"
        ".map(e => Math.round(e.getBoundingClientRect().top))",
    )
    return len(set(tops))


def scrolls_sideways(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth"))


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_admins_bar_is_one_line_on_a_desktop(
    page: Page, live_server: LiveServer, screenshots: Path, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    sign_in_admin(page, live_server)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_visible()
    assert bar_lines(page) == 1
    # Brand, places and account share one line: the bar is as high as one of its places.
    bar = page.locator(".topbar").bounding_box()
    assert bar is not None
    assert bar["height"] < 70
    assert not scrolls_sideways(page)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.locator("summary", has_text="Hand-off").click()
    deliveries = page.get_by_role("link", name="Deliveries")
    expect(deliveries).to_be_visible()
    page.screenshot(path=str(screenshots / f"navigation-{width}.png"))
    # Another menu opened closes the first: one open at a time.
    page.locator("summary", has_text="Set-up").click()
    expect(page.get_by_role("link", name="Users")).to_be_visible()
    expect(deliveries).to_be_hidden()


@pytest.mark.parametrize(
    ("role", "width", "places"), [(Role.MARKETER, 1280, 9), (Role.MANAGER, 1920, 17)]
)
def test_a_window_wide_enough_shows_every_place_side_by_side(
    page: Page, live_server: LiveServer, role: Role, width: int, places: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    sign_in_admin(page, live_server, role)
    assert len(visible_places(page)) == places
    assert page.locator("nav summary").filter(visible=True).count() == 0
    assert bar_lines(page) == 1
    assert not scrolls_sideways(page)
    leads = page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads")
    expect(leads).to_have_attribute("aria-current", "page")
    page.set_viewport_size({"width": 1024, "height": 800})
    assert len(visible_places(page)) < places  # folded again
    assert bar_lines(page) == 1


def test_the_menus_work_with_the_keyboard(page: Page, live_server: LiveServer) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in_admin(page, live_server)
    summary = page.locator("summary", has_text="Follow-up")
    summary.focus()
    page.keyboard.press("Enter")
    nurture = page.get_by_role("link", name="Nurture")
    expect(nurture).to_be_visible()
    page.keyboard.press("Tab")
    expect(nurture).to_be_focused()
    page.keyboard.press("Escape")
    expect(nurture).to_be_hidden()
    expect(summary).to_be_focused()
    page.keyboard.press("Space")
    expect(nurture).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nurture sequences")


def test_the_bar_takes_two_tidy_lines_on_a_tablet(page: Page, live_server: LiveServer) -> None:
    page.set_viewport_size({"width": 800, "height": 1000})
    sign_in_admin(page, live_server)
    assert bar_lines(page) == 1
    brand = page.locator(".brand").bounding_box()
    account = page.locator(".account").bounding_box()
    nav = page.get_by_role("navigation", name="Main").bounding_box()
    assert brand is not None
    assert account is not None
    assert nav is not None
    assert abs(brand["y"] + brand["height"] / 2 - (account["y"] + account["height"] / 2)) < 8
    assert nav["y"] >= brand["y"] + brand["height"]
    assert not scrolls_sideways(page)


def test_on_a_phone_the_places_are_behind_the_menu_button(
    page: Page, live_server: LiveServer, screenshots: Path
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_admin(page, live_server)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    expect(nav).to_be_visible()
    page.locator("summary", has_text="Set-up").click()
    expect(page.get_by_role("link", name="Programs")).to_be_visible()
    assert not scrolls_sideways(page)
    page.screenshot(path=str(screenshots / "navigation-390.png"))
