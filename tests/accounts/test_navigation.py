"""The navigation: each role sees exactly its places, in the bar's order."""

from collections.abc import Callable

import pytest
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.accounts.navigation import current_item, nav_items
from leadflow.accounts.permissions import Capability
from leadflow.config.navigation import NAVIGATION, NavEntry

HOME = ("Home", "/")
LEADS = ("Leads", "/leads/")
QUEUE = ("Queue", "/queue/")
REVIEW = ("Review", "/review/")
DELIVERIES = ("Deliveries", "/deliveries/")
DISPUTES = ("Disputes", "/disputes/")
INBOX = ("Inbox", "/partners/")
PARTNERS = ("Partners", "/partners/manage/")
SETUP = ("Partner setup", "/partners/setup/")
NURTURE = ("Nurture", "/nurture/")
SALES = ("Sales", "/sales/")
REPORTS = ("Reports", "/reports/")
PROGRAMS = ("Programs", "/programs/")
IMPORTS = ("Imports", "/imports/")
DUPLICATES = ("Duplicates", "/duplicates/")
TOKENS = ("API tokens", "/accounts/tokens/")
USERS = ("Users", "/users/")
ADMIN = ("Admin", "/admin/")

ADMINS_BAR = [
    HOME,
    LEADS,
    QUEUE,
    REVIEW,
    DELIVERIES,
    DISPUTES,
    PARTNERS,
    SETUP,
    NURTURE,
    SALES,
    REPORTS,
    PROGRAMS,
    IMPORTS,
    DUPLICATES,
    TOKENS,
    USERS,
    ADMIN,
]
BARS = {
    Role.ADMIN: ADMINS_BAR,
    Role.MARKETER: [HOME, LEADS, NURTURE, SALES, REPORTS, PROGRAMS, IMPORTS, DUPLICATES, TOKENS],
    Role.QUALIFIER: [HOME, LEADS, QUEUE, SALES, TOKENS],
    Role.REVIEWER: [HOME, LEADS, REVIEW, DISPUTES, SALES, REPORTS],
    Role.MANAGER: [
        HOME,
        LEADS,
        DELIVERIES,
        DISPUTES,
        PARTNERS,
        SETUP,
        NURTURE,
        SALES,
        REPORTS,
        PROGRAMS,
        IMPORTS,
        DUPLICATES,
        TOKENS,
        USERS,
    ],
    Role.PARTNER: [HOME, INBOX, SALES, REPORTS],
    Role.CLIENT: [HOME, DELIVERIES, DISPUTES, REPORTS],
}


def _bar(user: User) -> list[tuple[str, str]]:
    return [(item.label, item.path) for item in nav_items(user)]


def test_every_entry_names_a_capability() -> None:
    assert all(entry.capability in set(Capability) for entry in NAVIGATION)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_its_places(role: Role, make_user: Callable[..., User], db: None) -> None:
    user = make_user(role)
    if role == Role.ADMIN:
        user.is_superuser = False  # the admin group alone
    assert _bar(user) == BARS[role]


def test_a_superuser_sees_the_admins_bar(make_user: Callable[..., User]) -> None:
    user = make_user()
    user.is_superuser = True
    assert _bar(user) == ADMINS_BAR


def test_a_user_without_a_role_sees_no_places(make_user: Callable[..., User]) -> None:
    assert _bar(make_user()) == []


def test_an_entry_whose_page_is_not_routed_is_not_shown(make_user: Callable[..., User]) -> None:
    entries = (
        NavEntry("Home", "leads:home", "home.view"),
        NavEntry("Forecasts", "forecasts:index", "home.view"),
    )
    assert [item.label for item in nav_items(make_user(Role.MANAGER), entries)] == ["Home"]


def test_the_longest_matching_path_is_the_current_place(make_user: Callable[..., User]) -> None:
    items = nav_items(make_user(Role.REVIEWER, Role.MANAGER))
    assert current_item(items, "/disputes/review/").label == "Disputes"  # type: ignore[union-attr]
    assert current_item(items, "/partners/manage/7/").label == "Partners"  # type: ignore[union-attr]
    assert current_item(items, "/").label == "Home"  # type: ignore[union-attr]
    assert current_item(items, "/nowhere/") is None


@pytest.mark.usefixtures("plain_http")
def test_the_bar_of_a_page_links_the_places_and_marks_the_current_one(
    client: Client, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.CLIENT))
    page = client.get("/disputes/").content.decode()
    nav = page.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    assert nav == (
        '\n          <a href="/">Home</a><a href="/deliveries/">Deliveries</a>'
        '<a href="/disputes/" aria-current="page">Disputes</a>'
        '<a href="/reports/">Reports</a>\n        '
    )
