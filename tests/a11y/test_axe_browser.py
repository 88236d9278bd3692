"""Every page passes an automated accessibility check (issue 17, item 10).

axe-core (vendored in ``tests/a11y/axe/``, never fetched from a CDN) runs in Chromium on every
page the navigation shows each demo role (``config/navigation.py``, so a new entry is checked
without touching this test) and on the main detail pages: a lead's workspace, a partner's lead
page, a delivery, the criteria editor, a program's sales set-up, a public web form and the
sign-in page, and the lead list on a phone with the menu open. A serious or critical violation
fails the test with its rule, the page and the elements it names.

The demo data set is loaded once, so every role finds its pages as a new user would; the pages
are visited in one test because loading the demo takes the best part of a minute.
"""

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import User
from leadflow.accounts.navigation import nav_items
from leadflow.demo.seed import DELIVERY_SLUG, PARTNERS_SLUG, USERNAMES, demo_load, demo_password
from leadflow.programs.models import Program

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "axe" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# The Django admin is Django's own page for superusers (DESIGN.md), not one of ours.
NOT_OURS = ("/admin/",)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe on the page as it stands; its serious and critical violations.

    The script is evaluated through the DevTools protocol, which the pages' Content-Security-
    Policy (nothing inline) does not apply to, so the check needs no exception in the policy."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " targets: v.nodes.map(n => n.target.join(' '))})))"
    )
    return [v for v in result if v["impact"] in FAILING_IMPACTS]


def describe(url: str, who: str, violations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for violation in violations:
        targets = ", ".join(violation["targets"][:5])
        more = len(violation["targets"]) - 5
        if more > 0:
            targets += f" (+{more} more)"
        lines.append(
            f"{url} as {who}: {violation['id']} ({violation['impact']}, {violation['help']}): "
            f"{targets}"
        )
    return lines


def sign_in(page: Page, live_server: LiveServer, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo_password(username))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))


def first_link(page: Page, pattern: str) -> str | None:
    """The first link of the page whose path matches ``pattern`` (a detail page to visit)."""
    hrefs: list[str] = page.eval_on_selector_all("a[href]", "els => els.map(e => e.pathname)")
    return next((href for href in hrefs if re.fullmatch(pattern, href)), None)


def test_every_page_of_every_role_passes_the_accessibility_check(
    browser: Browser, live_server: LiveServer
) -> None:
    demo_load(now=timezone.now())
    forms = Program.objects.filter(slug__in=[PARTNERS_SLUG, DELIVERY_SLUG])
    form_slug = forms.filter(web_form_enabled=True).values_list("slug", flat=True).first()
    problems: list[str] = []

    def check(page: Page, path: str, who: str) -> None:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None, f"{path} as {who}: no response"
        assert response.ok, f"{path} as {who}: {response.status}"
        problems.extend(describe(path, who, axe_violations(page)))

    anonymous = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = anonymous.new_page()
    check(page, "/accounts/login/", "a visitor")
    assert form_slug, "no demo program has its web form switched on"
    check(page, f"/forms/{form_slug}/", "a visitor")
    anonymous.close()

    details = {
        "manager": [
            ("/leads/", r"/leads/\d+/"),
            ("/deliveries/", r"/deliveries/\d+/"),
            ("/sales/setup/", r"/sales/programs/\d+/setup"),
        ],
        "partner": [("/partners/", r"/partners/leads/\d+/")],
    }
    for username in USERNAMES:
        user = User.objects.get(username=username)
        context = browser.new_context(viewport=DESKTOP, locale="en-US")
        page = context.new_page()
        sign_in(page, live_server, username)
        paths = [item.path for item in nav_items(user) if not item.path.startswith(NOT_OURS)]
        assert paths, f"{username} sees no page in the navigation"
        for path in paths:
            check(page, path, username)
        for listing, pattern in details.get(username, []):
            page.goto(f"{live_server.url}{listing}")
            detail = first_link(page, pattern)
            assert detail, f"no link like {pattern} on {listing} for {username}"
            check(page, detail, username)
        if username == "manager":
            check(page, f"/programs/{PARTNERS_SLUG}/criteria/edit", username)
            page.set_viewport_size(PHONE)
            page.goto(f"{live_server.url}/leads/")
            page.get_by_text("Menu", exact=True).click()
            problems.extend(describe("/leads/ (phone, menu open)", username, axe_violations(page)))
        context.close()

    assert not problems, "\n".join(problems)
