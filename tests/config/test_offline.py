"""Everything works offline (issue 17): no page the navigation shows loads or links anything
from another host, the Content-Security-Policy names none, and the API docs render their
Swagger UI from our own static files with every other host cut off."""

import json
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.test import Client
from playwright.sync_api import Page, Route, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role, User
from leadflow.accounts.navigation import nav_items
from leadflow.accounts.services import user_create
from leadflow.programs.models import Program
from tests.factories import Leads, Team

pytestmark = pytest.mark.usefixtures("plain_http")

#: An attribute that makes the browser fetch or open an address.
ADDRESS = re.compile(r"""\b(?:src|href|action|srcset|poster|data)\s*=\s*["']([^"']*)["']""")
#: A host in a policy's source list (keywords are quoted, schemes end with a colon).
POLICY_HOST = re.compile(r"^(?!'|data:$|blob:$|https?:$|\*$)\S+$")


def outside_addresses(html: str) -> list[str]:
    """The addresses in ``html`` that name a host (``https://…``, ``//…``): none should."""
    found = []
    for address in ADDRESS.findall(html):
        parts = urlsplit(address.strip())
        if parts.netloc and parts.netloc not in {"testserver"}:
            found.append(address)
    return found


def policy_hosts(header: str) -> list[str]:
    sources = []
    for directive in header.split(";"):
        words = directive.split()
        sources.extend(word for word in words[1:] if POLICY_HOST.match(word))
    return sources


def test_outside_addresses_are_found() -> None:
    html = (
        '<script src="https://cdn.jsdelivr.net/x.js"></script><link href="//fonts.example/f">'
        '<a href="/leads/">x</a><img src="data:image/png;base64,AA">'
    )
    assert outside_addresses(html) == ["https://cdn.jsdelivr.net/x.js", "//fonts.example/f"]
    assert policy_hosts("script-src 'self' https://cdn.jsdelivr.net; img-src 'self' data:") == [
        "https://cdn.jsdelivr.net"
    ]


def _users(team: Team, make_user: Callable[..., User], program: Program) -> list[User]:
    admin = user_create(
        username="root", password="root-secret-4821", roles=(Role.ADMIN,), is_superuser=True
    )
    return [
        admin,
        team.manager,
        team.marketer,
        team.qualifier,
        team.reviewer,
        team.client_contact,
        team.partner,
    ]


def test_no_page_of_the_navigation_names_an_outside_host(
    client: Client,
    team: Team,
    leads: Leads,
    program: Program,
    make_user: Callable[..., User],
) -> None:
    checked = 0
    for user in _users(team, make_user, program):
        client.force_login(user)
        items = nav_items(user)
        assert items, user.username
        for path in ["/accounts/login/", "/api/v1/docs", *(item.path for item in items)]:
            response = client.get(path, follow=True)
            # (A superuser's "Inbox" answers 403 when they belong to no partner: still a page.)
            assert response.status_code in {200, 403}, (user.username, path)
            html = response.content.decode()
            assert outside_addresses(html) == [], (user.username, path)
            assert policy_hosts(response.headers["Content-Security-Policy"]) == [], path
            checked += 1
    assert checked > 20


def test_the_favicon_is_ours(client: Client, db: None) -> None:
    html = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/leadflow/favicon.svg" type="image/svg+xml">' in html
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"] in {"image/svg+xml", "image/x-icon"}


def test_the_api_document_has_no_key_twice(client: Client, db: None) -> None:
    """Swagger UI refuses a document with a key twice in one object ("duplicated mapping
    key"), and the docs page then shows no operation at all."""
    twice: list[str] = []

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        keys = [key for key, _ in items]
        twice.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(items)

    json.loads(client.get("/api/v1/openapi.json").content, object_pairs_hook=pairs)
    assert twice == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_api_docs_render_with_every_other_host_cut_off(
    page: Page, live_server: LiveServer
) -> None:
    ours = urlsplit(live_server.url).netloc
    refused: list[str] = []

    def only_ours(route: Route) -> None:
        if urlsplit(route.request.url).netloc == ours:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", only_ours)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/api/v1/docs")
    # The operations are listed, grouped by tag, with their method and path (the schema is
    # built on the first request: give a busy machine its time; this is no speed test).
    expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/leads").first).to_be_visible()
    assert page.locator(".opblock").count() > 10
    assert refused == []
    assert errors == []
