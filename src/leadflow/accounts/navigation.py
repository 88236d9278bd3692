"""What the navigation shows each user: the entries of ``config/navigation.py`` whose capability
they hold and whose page opens for them, so a person sees only the places they may use and no
link of the bar answers "forbidden"; a long bar folds into menus."""

from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Protocol

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.config.navigation import FLAT_AT_MOST, NAVIGATION, NavEntry


class Opens(Protocol):
    def __call__(self, *, user: User) -> object: ...


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    capability: Capability
    group: str = ""


@dataclass
class NavGroup:
    """A menu of the bar: its label and its items, and whether the current page is one."""

    label: str
    items: list[NavItem] = field(default_factory=list)
    current: bool = False


@cache
def _opens(path: str) -> Opens:
    opens: Opens = import_string(path)
    return opens


def admin_site_opens(*, user: User) -> object:
    """Django's admin site lets in active staff only (``AdminSite.has_permission``)."""
    return user.is_active and user.is_staff


def nav_items(user: User, entries: tuple[NavEntry, ...] = NAVIGATION) -> list[NavItem]:
    """The user's entries, in the bar's order. An entry is left out when the user lacks its
    capability, when its page would refuse them all the same (the entry's ``opens``), or when
    the URL configuration does not route it (an app left out of the site)."""
    items = []
    for entry in entries:
        capability = Capability(entry.capability)
        if not user_can(user, capability):
            continue
        if entry.opens and not _opens(entry.opens)(user=user):
            continue
        try:
            path = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        items.append(NavItem(entry.label, path, capability, entry.group))
    return items


def current_item(items: list[NavItem], path: str) -> NavItem | None:
    """The item whose path is the longest prefix of ``path`` (Home only for "/" itself), so
    /disputes/review/ marks "Disputes", not "Review"."""
    matches = [
        item
        for item in items
        if path == item.path or (item.path != "/" and path.startswith(item.path))
    ]
    return max(matches, key=lambda item: len(item.path), default=None)


def nav_bar(
    items: list[NavItem], current: NavItem | None = None, *, flat_at_most: int = FLAT_AT_MOST
) -> list[NavItem | NavGroup]:
    """The bar as drawn: every item side by side when there are at most ``flat_at_most``;
    otherwise the items of a group fold into one menu at the place of the group's first item,
    except a group the user has one item of, which stays an item."""
    if len(items) <= flat_at_most:
        return list(items)
    sizes: dict[str, int] = {}
    for item in items:
        sizes[item.group] = sizes.get(item.group, 0) + 1
    bar: list[NavItem | NavGroup] = []
    groups: dict[str, NavGroup] = {}
    for item in items:
        if not item.group or sizes[item.group] == 1:
            bar.append(item)
            continue
        group = groups.get(item.group)
        if group is None:
            group = groups[item.group] = NavGroup(item.group)
            bar.append(group)
        group.items.append(item)
        group.current = group.current or item == current
    return bar


class _Drawn:
    """The bar of one request, worked out when a template first reads it: a fragment that
    draws no bar (an HTMX poll) costs nothing."""

    def __init__(self, user: User, path: str) -> None:
        self.user = user
        self.path = path

    @cached_property
    def items(self) -> list[NavItem]:
        return nav_items(self.user)

    @cached_property
    def current(self) -> NavItem | None:
        return current_item(self.items, self.path)

    @cached_property
    def bar(self) -> list[NavItem | NavGroup]:
        return nav_bar(self.items, self.current)

    @cached_property
    def flat_from(self) -> int | None:
        return nav_flat_from(self.items)


#: Window widths (rem) from which a folded bar may show its places side by side again, and
#: the room a bar of N places needs there: the brand and the account menu take about
#: ``_FRAME_PX``, a place about ``_PLACE_PX`` (measured in Chromium at 16 px, with a margin).
WIDE_BREAKPOINTS_REM = (64, 80, 100, 120)
_FRAME_PX = 380
_PLACE_PX = 85


def nav_flat_from(items: list[NavItem], *, flat_at_most: int = FLAT_AT_MOST) -> int | None:
    """For a bar that folds (more than ``flat_at_most`` places): the narrowest breakpoint of
    ``WIDE_BREAKPOINTS_REM`` whose window holds every place side by side, so a wide screen
    shows them all at one click; None for a bar that never folds or never fits."""
    if len(items) <= flat_at_most:
        return None
    needed = _FRAME_PX + _PLACE_PX * len(items)
    return next((rem for rem in WIDE_BREAKPOINTS_REM if rem * 16 >= needed), None)


def navigation(request: HttpRequest) -> dict[str, object]:
    """Template context processor: ``nav_items`` for the signed-in user, ``nav_current``,
    ``nav_bar`` (the items and menus as drawn) and ``nav_flat_from`` (the width in rem from
    which a folded bar shows ``nav_items`` side by side); templates call them when they read
    them."""
    user = request.user
    if not user.is_authenticated or not isinstance(user, User):
        return {"nav_items": [], "nav_current": None, "nav_bar": [], "nav_flat_from": None}
    drawn = _Drawn(user, request.path)
    return {
        "nav_items": lambda: drawn.items,
        "nav_current": lambda: drawn.current,
        "nav_bar": lambda: drawn.bar,
        "nav_flat_from": lambda: drawn.flat_from,
    }
