"""The navigation: each role sees exactly its places, in the bar's order, and only places that
open for that person; a long bar folds into menus."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils.module_loading import import_string

from leadflow.accounts.models import Role, User
from leadflow.accounts.navigation import (
    NavGroup,
    NavItem,
    current_item,
    nav_bar,
    nav_flat_from,
    nav_items,
)
from leadflow.accounts.permissions import Capability
from leadflow.config.navigation import FOLLOW_UP, HAND_OFF, NAVIGATION, SET_UP, NavEntry
from leadflow.programs.models import Client as ClientCompany
from leadflow.programs.models import Program
from tests import factories

HOME = ("Home", "/")
LEADS = ("Leads", "/leads/")
QUEUE = ("Queue", "/queue/")
REVIEW = ("Review", "/review/")
DELIVERIES = ("Deliveries", "/deliveries/")
DISPUTES = ("Disputes", "/disputes/")
BILLING = ("Billing", "/billing/")
INBOX = ("Inbox", "/partners/")
PARTNERS = ("Partners", "/partners/manage/")
SETUP = ("Partner setup", "/partners/setup/")
NURTURE = ("Nurture", "/nurture/")
SALES = ("Sales", "/sales/")
AVAILABILITY = ("Availability", "/appointments/availability/")
REPORTS = ("Reports", "/reports/")
SCORING = ("Scoring", "/scoring/")
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
    BILLING,
    PARTNERS,
    SETUP,
    NURTURE,
    SALES,
    AVAILABILITY,
    REPORTS,
    SCORING,
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
        BILLING,
        PARTNERS,
        SETUP,
        NURTURE,
        SALES,
        AVAILABILITY,
        REPORTS,
        SCORING,
        PROGRAMS,
        IMPORTS,
        DUPLICATES,
        TOKENS,
        USERS,
    ],
    Role.PARTNER: [HOME, INBOX, SALES, REPORTS],
    Role.CLIENT: [HOME, DELIVERIES, DISPUTES, BILLING, REPORTS],
}


def _bar(user: User) -> list[tuple[str, str]]:
    return [(item.label, item.path) for item in nav_items(user)]


def test_every_entry_names_a_capability() -> None:
    assert all(entry.capability in set(Capability) for entry in NAVIGATION)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_its_places(
    role: Role, make_user: Callable[..., User], client_a: ClientCompany
) -> None:
    user = make_user(role)
    if role == Role.ADMIN:
        user.is_superuser = False  # the admin group alone
    if role == Role.PARTNER:
        factories.partner(client=client_a, number=1, members=[user])
    assert _bar(user) == BARS[role]


def test_a_superuser_sees_the_admins_bar(make_user: Callable[..., User]) -> None:
    user = make_user()
    user.is_superuser = user.is_staff = True
    assert _bar(user) == ADMINS_BAR


def test_every_entry_that_asks_whether_its_page_opens_names_a_function() -> None:
    assert all(callable(import_string(entry.opens)) for entry in NAVIGATION if entry.opens)


def test_a_partner_role_without_a_partner_has_no_inbox(
    make_user: Callable[..., User], program: Program
) -> None:
    lone = make_user(Role.PARTNER)
    assert INBOX not in _bar(lone)
    assert _bar(lone) == [HOME, SALES, REPORTS]
    factories.partner(client=program.client, number=1, members=[lone])
    assert _bar(lone) == BARS[Role.PARTNER]


def test_a_superuser_in_the_partner_group_without_a_partner_has_no_inbox(
    make_user: Callable[..., User],
) -> None:
    user = make_user(Role.ADMIN, Role.PARTNER)
    assert user.is_superuser
    assert INBOX not in _bar(user)


def test_an_admin_who_is_not_staff_has_no_admin_site_entry(
    make_user: Callable[..., User],
) -> None:
    user = make_user(Role.ADMIN)
    user.is_superuser = user.is_staff = False
    assert _bar(user) == ADMINS_BAR[:-1]


def _every_kind_of_user(program: Program, make_user: Callable[..., User]) -> dict[str, User]:
    """A user of every role the demo has a login for, in its scope, and the people whose roles
    alone would show a place that refuses them: a superuser without groups, a superuser who is
    also in the partner group, a partner's role without a partner, an admin who is not staff."""
    partner_user = make_user(Role.PARTNER)
    factories.partner(client=program.client, number=1, members=[partner_user])
    not_staff = make_user(Role.ADMIN)
    not_staff.is_superuser = not_staff.is_staff = False
    not_staff.save(update_fields=["is_superuser", "is_staff"])
    superuser = make_user()
    superuser.is_superuser = superuser.is_staff = True
    superuser.save(update_fields=["is_superuser", "is_staff"])
    return {
        "admin": make_user(Role.ADMIN),
        "marketer": make_user(Role.MARKETER, programs=(program,)),
        "qualifier": make_user(Role.QUALIFIER, programs=(program,)),
        "reviewer": make_user(Role.REVIEWER, programs=(program,)),
        "manager": make_user(Role.MANAGER, clients=(program.client,)),
        "partner": partner_user,
        "client": make_user(Role.CLIENT, clients=(program.client,)),
        "superuser without groups": superuser,
        "superuser and partner": make_user(Role.ADMIN, Role.PARTNER),
        "partner without a partner": make_user(Role.PARTNER),
        "admin group, not staff": not_staff,
    }


@pytest.mark.usefixtures("plain_http")
def test_every_place_a_person_sees_opens_for_them(
    program: Program, make_user: Callable[..., User]
) -> None:
    refused = []
    for who, user in _every_kind_of_user(program, make_user).items():
        client = Client()
        client.force_login(user)
        for item in nav_items(User.objects.get(pk=user.pk)):
            status = client.get(item.path).status_code
            if status != 200:
                refused.append((who, item.label, status))
    assert refused == []


def _item(label: str, group: str = "") -> NavItem:
    return NavItem(label, f"/{label.lower()}/", Capability.HOME_VIEW, group)


def test_a_short_bar_shows_every_place_side_by_side() -> None:
    items = [_item("Home"), _item("Deliveries", HAND_OFF), _item("Disputes", HAND_OFF)]
    assert nav_bar(items, flat_at_most=3) == items


def test_a_long_bar_folds_each_group_into_a_menu_at_its_first_place() -> None:
    home, leads, reports = _item("Home"), _item("Leads"), _item("Reports")
    deliveries, disputes = _item("Deliveries", HAND_OFF), _item("Disputes", HAND_OFF)
    programs, users = _item("Programs", SET_UP), _item("Users", SET_UP)
    sales = _item("Sales", FOLLOW_UP)
    items = [home, leads, deliveries, disputes, sales, reports, programs, users]
    assert nav_bar(items, disputes, flat_at_most=7) == [
        home,
        leads,
        NavGroup(HAND_OFF, [deliveries, disputes], current=True),
        sales,  # the only place of its group: no menu of one
        reports,
        NavGroup(SET_UP, [programs, users]),
    ]


def test_the_admins_bar_folds_into_menus(make_user: Callable[..., User]) -> None:
    user = make_user(Role.ADMIN)
    bar = nav_bar(nav_items(user))
    drawn = [
        (entry.label, [item.label for item in entry.items])
        if isinstance(entry, NavGroup)
        else entry.label
        for entry in bar
    ]
    assert drawn == [
        "Home",
        "Leads",
        "Queue",
        "Review",
        (HAND_OFF, ["Deliveries", "Disputes", "Billing", "Partners", "Partner setup"]),
        (FOLLOW_UP, ["Nurture", "Sales", "Availability"]),
        "Reports",
        (SET_UP, ["Scoring", "Programs", "Imports", "Duplicates", "API tokens", "Users", "Admin"]),
    ]


@pytest.mark.parametrize("role", [Role.QUALIFIER, Role.REVIEWER, Role.PARTNER, Role.CLIENT])
def test_the_bars_of_few_places_are_not_folded(role: Role, make_user: Callable[..., User]) -> None:
    items = nav_items(make_user(role))
    assert nav_bar(items) == items


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
        '<a href="/billing/">Billing</a><a href="/reports/">Reports</a>\n        '
    )


@pytest.mark.usefixtures("plain_http")
def test_a_folded_bar_draws_its_menus_as_disclosures(
    client: Client, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.MANAGER))
    page = client.get("/partners/manage/").content.decode()
    assert '<div class="menu-panel flat-from-120">' in page
    nav = page.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    assert (
        '<details class="nav-menu current" name="topbar-menu"><summary>Hand-off</summary>'
        '<div class="nav-menu-items"><a href="/deliveries/">Deliveries</a>'
        '<a href="/disputes/">Disputes</a><a href="/billing/">Billing</a>'
        '<a href="/partners/manage/" aria-current="page">Partners</a>'
        '<a href="/partners/setup/">Partner setup</a></div></details>'
    ) in nav
    assert '<details class="nav-menu" name="topbar-menu"><summary>Set-up</summary>' in nav
    flat = nav.split('<div class="nav-set nav-flat">')[1].split("</div>")[0]
    assert flat.count("<a ") == 17


@pytest.mark.parametrize(
    ("places", "rem"), [(5, None), (7, None), (8, 80), (10, 80), (14, 100), (17, 120), (30, None)]
)
def test_a_folded_bar_shows_its_places_side_by_side_from_a_width_that_holds_them(
    places: int, rem: int | None
) -> None:
    items = [_item(f"Place{number}", SET_UP) for number in range(places)]
    assert nav_flat_from(items) == rem
