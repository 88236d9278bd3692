"""What the admin pages draw from other places: the apps' panels on a user's page and the
links from a change to the page of its object, both read from ``config/administration.py`` so
this app names no app built on it."""

from collections.abc import Callable, Sequence
from functools import cache

from django.http import HttpRequest
from django.urls import reverse
from django.utils.module_loading import import_string

from leadflow.accounts.models import AdminChange, ChangeKind, User
from leadflow.config import administration as registry
from leadflow.programs.models import Program

Panel = Callable[..., str]


@cache
def _panel(path: str) -> Panel:
    function: Panel = import_string(path)
    return function


def user_page_panels(*, request: HttpRequest, person: User) -> list[str]:
    """The apps' panels for ``person``'s page, in the table's order, empty ones left out."""
    drawn = (_panel(path)(request=request, person=person) for path in registry.USER_PAGE_PANELS)
    return [html for html in drawn if html]


def change_links(changes: Sequence[AdminChange]) -> dict[tuple[str, int], str]:
    """The page of each change's object (kind, id → URL): a user's page, a program's
    settings, and for the apps' kinds the URL names of ``CHANGE_LINKS``. A program that is
    gone has no link."""
    program_ids = {c.object_id for c in changes if c.kind == ChangeKind.PROGRAM}
    slugs = dict(Program.objects.filter(pk__in=program_ids).values_list("pk", "slug"))
    links: dict[tuple[str, int], str] = {}
    for change in changes:
        key = (change.kind, change.object_id)
        if change.kind == ChangeKind.USER:
            links[key] = reverse("users:detail", args=[change.object_id])
        elif change.kind == ChangeKind.PROGRAM and change.object_id in slugs:
            links[key] = reverse("programs:settings", args=[slugs[change.object_id]])
        elif change.kind in registry.CHANGE_LINKS:
            links[key] = reverse(registry.CHANGE_LINKS[change.kind], args=[change.object_id])
    return links
