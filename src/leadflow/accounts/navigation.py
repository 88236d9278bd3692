"""What the navigation shows each user: the entries of ``config/navigation.py`` whose capability
they hold, so a role sees only the places it may use."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.config.navigation import NAVIGATION, NavEntry


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    capability: Capability


def nav_items(user: User, entries: tuple[NavEntry, ...] = NAVIGATION) -> list[NavItem]:
    """The user's entries, in the bar's order; an entry whose page the URL configuration does
    not route (an app left out of the site) is not shown."""
    items = []
    for entry in entries:
        capability = Capability(entry.capability)
        if not user_can(user, capability):
            continue
        try:
            path = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        items.append(NavItem(entry.label, path, capability))
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


def navigation(request: HttpRequest) -> dict[str, object]:
    """Template context processor: ``nav_items`` for the signed-in user and ``nav_current``."""
    user = request.user
    if not user.is_authenticated or not isinstance(user, User):
        return {"nav_items": [], "nav_current": None}
    items = nav_items(user)
    return {"nav_items": items, "nav_current": current_item(items, request.path)}
