"""The main navigation: each entry's label, the URL name it opens and the capability that shows
it, in the order of the bar (NetBox: menu items carry their permission).

An app adds its page here, in the manner of ``config/schedule.py`` for periodic jobs; the app
itself names no navigation. ``accounts.navigation`` shows a signed-in user the entries whose
capability they hold (``accounts.permissions``) and marks the one whose path is the longest
prefix of the page's path.

The capability is the plain string value of ``accounts.permissions.Capability`` (a test checks
that every one names a member) and the URL a name for ``reverse``, resolved when the bar is
drawn: this module imports nothing of the apps, so it sits at the bottom of the app ladder
with the rest of ``config``'s registries and ``accounts`` may read it.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NavEntry:
    label: str
    url_name: str
    capability: str


NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry("Home", "leads:home", "home.view"),
    NavEntry("Leads", "leads:list", "leads.view"),
    NavEntry("Queue", "queue:index", "queue.work"),
    NavEntry("Review", "review:index", "review.decide"),
    NavEntry("Deliveries", "delivery:index", "deliveries.view"),
    NavEntry("Disputes", "guarantees:index", "disputes.view"),
    NavEntry("Inbox", "partners:inbox", "portal.use"),
    NavEntry("Partners", "partners:manage", "partners.manage"),
    NavEntry("Partner setup", "partners:setup", "partners.manage"),
    NavEntry("Nurture", "nurture:index", "nurture.manage"),
    NavEntry("Sales", "sales:tasks", "sales.view"),
    NavEntry("Reports", "reports:index", "reports.view"),
    NavEntry("Programs", "programs:index", "programs.view"),
    NavEntry("Imports", "imports:index", "imports.run"),
    NavEntry("Duplicates", "duplicates:index", "duplicates.decide"),
    NavEntry("API tokens", "accounts:tokens", "api.tokens"),
    NavEntry("Users", "users:index", "users.manage"),
    NavEntry("Admin", "admin:index", "admin"),
)
