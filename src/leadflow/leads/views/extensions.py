"""What the apps above ``leads`` add to the lead pages, read from ``config/leads.py``: panels on
a lead's page, bulk actions of the lead list that post to the app's own URL, and sections of
the qualification queue and of the home page. ``leads`` imports none of those apps; each
function is imported by its dotted path when a page is drawn."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.module_loading import import_string

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.config import leads as registry
from leadflow.config.leads import ListView
from leadflow.leads.models import Lead

Fragment = Callable[..., str]


@cache
def _fragment(path: str) -> Fragment:
    function: Fragment = import_string(path)
    return function


def lead_panels(*, request: HttpRequest, lead: Lead) -> list[str]:
    """The apps' panels for this lead's page, in the table's order, those with nothing to
    show left out."""
    drawn = (_fragment(path)(request=request, lead=lead) for path in registry.LEAD_PANELS)
    return [html for html in drawn if html]


def queue_sections(*, request: HttpRequest, user: User, now: datetime) -> list[str]:
    """The apps' sections of the user's queue page, those with nothing to show left out."""
    drawn = (
        _fragment(path)(request=request, user=user, now=now) for path in registry.QUEUE_SECTIONS
    )
    return [html for html in drawn if html]


def home_sections(*, request: HttpRequest, user: User, now: datetime) -> list[str]:
    """The apps' sections of the user's home page, those with nothing to show left out."""
    drawn = (
        _fragment(path)(request=request, user=user, now=now) for path in registry.HOME_SECTIONS
    )
    return [html for html in drawn if html]


@dataclass(frozen=True)
class ListActionLink:
    label: str
    url: str


def list_actions_for(user: User) -> list[ListActionLink]:
    """The apps' bulk actions of the lead list this user may run, with their URLs."""
    return [
        ListActionLink(action.label, reverse(action.url_name))
        for action in registry.LEAD_LIST_ACTIONS
        if user_can(user, Capability(action.capability))
    ]


#: A column an app adds to a built-in view of the lead list: its label and text per lead id.
ViewColumn = tuple[str, dict[int, str]]


def list_view_columns(*, view: ListView | None, lead_ids: Sequence[int]) -> list[ViewColumn]:
    """The apps' extra columns of a built-in view for these leads (one call per app)."""
    if view is None:
        return []
    columns: list[ViewColumn] = []
    for path in view.columns:
        columns.extend(import_string(path)(lead_ids=list(lead_ids)))
    return columns


def timeline_entries(*, lead: Lead) -> list[Any]:
    """What the apps add to a lead's timeline beside its history (``HistoryRow`` values)."""
    entries: list[Any] = []
    for path in registry.TIMELINE_ENTRIES:
        entries.extend(import_string(path)(lead=lead))
    return entries
