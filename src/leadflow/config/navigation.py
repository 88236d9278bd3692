"""The main navigation: each entry's label, the URL name it opens, the capability that shows
it and the menu it folds into, in the order of the bar (NetBox: menu items carry their
permission).

An app adds its page here, in the manner of ``config/schedule.py`` for periodic jobs; the app
itself names no navigation. ``accounts.navigation`` shows a signed-in user the entries whose
capability they hold (``accounts.permissions``) and whose page would open for them, and marks
the one whose path is the longest prefix of the page's path.

``opens`` names, as a dotted path, a function of the app that owns the page, called as
``opens(user=user)`` once the capability is held: a false result means the page would refuse
this person for a reason of its own (the partner portal is for the users of an active partner,
the Django admin for staff), so the entry is not shown. The page's view asks the same function,
so the bar and the page cannot disagree.

``group`` is the menu the entry folds into when a person's bar is long (more than
``FLAT_AT_MOST`` entries): the bar then shows the entries without a group and one menu per
group, at the place of its first entry; a group holding only one of that person's entries shows
the entry itself. A window wide enough for all of them shows them side by side again
(``accounts.navigation.nav_flat_from``).

The capability is the plain string value of ``accounts.permissions.Capability`` (a test checks
that every one names a member) and the URL a name for ``reverse``, resolved when the bar is
drawn: this module imports nothing of the apps, so it sits at the bottom of the app ladder
with the rest of ``config``'s registries and ``accounts`` may read it.
"""

from dataclasses import dataclass

HAND_OFF = "Hand-off"
FOLLOW_UP = "Follow-up"
SET_UP = "Set-up"

#: A bar of at most this many entries shows them all side by side (it fits a 1024-pixel
#: window with the account menu); a longer one folds the grouped entries into their menus.
FLAT_AT_MOST = 7


@dataclass(frozen=True, slots=True)
class NavEntry:
    label: str
    url_name: str
    capability: str
    group: str = ""
    opens: str = ""


NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry("Home", "leads:home", "home.view"),
    NavEntry("Leads", "leads:list", "leads.view"),
    NavEntry("Queue", "queue:index", "queue.work"),
    NavEntry("Review", "review:index", "review.decide"),
    NavEntry(
        "Inbox",
        "partners:inbox",
        "portal.use",
        opens="leadflow.partners.selectors.partner_for_user",
    ),
    NavEntry("Deliveries", "delivery:index", "deliveries.view", HAND_OFF),
    NavEntry("Disputes", "guarantees:index", "disputes.view", HAND_OFF),
    NavEntry("Billing", "billing:index", "deliveries.view", HAND_OFF),
    NavEntry("Partners", "partners:manage", "partners.manage", HAND_OFF),
    NavEntry("Partner setup", "partners:setup", "partners.manage", HAND_OFF),
    NavEntry("Nurture", "nurture:index", "nurture.manage", FOLLOW_UP),
    NavEntry("Sales", "sales:tasks", "sales.view", FOLLOW_UP),
    NavEntry("Availability", "appointments:availability", "appointments.availability", FOLLOW_UP),
    NavEntry("Reports", "reports:index", "reports.view"),
    NavEntry("Scoring", "scoring:index", "scoring.manage", SET_UP),
    NavEntry("Programs", "programs:index", "programs.view", SET_UP),
    NavEntry("Imports", "imports:index", "imports.run", SET_UP),
    NavEntry("Duplicates", "duplicates:index", "duplicates.decide", SET_UP),
    NavEntry("API tokens", "accounts:tokens", "api.tokens", SET_UP),
    NavEntry("Users", "users:index", "users.manage", SET_UP),
    NavEntry(
        "Admin",
        "admin:index",
        "admin",
        SET_UP,
        opens="leadflow.accounts.navigation.admin_site_opens",
    ),
)
