"""Every page passes an automated accessibility check (issue 17, item 10).

axe-core (vendored in ``tests/a11y/axe/``, never fetched from a CDN) runs in Chromium on every
page the navigation shows each demo role (``config/navigation.py``, so a new entry is checked
without touching this test) and on the main detail pages: a lead's workspace, a partner's lead
page, a delivery, the criteria editor, a program's sales set-up, a public web form and the
sign-in page, and the lead list on a phone with the menu open. A serious or critical violation
fails the test with its rule, the page and the elements it names.

Then the states people reach from those pages (``test_the_states_people_reach_...``): forms sent
back with their errors (sign-in with a wrong password, the public web form sent empty, the
criteria editor with an invalid value, a new user, a new partner, a nurture sequence, a lead's
answers and call log, a push-back without a reason, a partner's decline), the fragments HTMX
swaps in (the lead list filtered and sorted, a lead's qualification recomputed as answers
change, a review decided), every ``<details>`` opened, the criteria preview, a lead's timeline
filtered, and the error pages (404, 403). The API docs and a page showing a message have tests
of their own.

The demo data set is loaded once per test, so every role finds its pages as a new user would;
the pages are visited in two tests, one browser context per role, because loading the demo
takes the best part of a minute.
"""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role, User
from leadflow.accounts.navigation import nav_items
from leadflow.demo.seed import DELIVERY_SLUG, PARTNERS_SLUG, USERNAMES, demo_load, demo_password
from leadflow.programs.models import Program
from tests import factories

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


def open_details(page: Page) -> None:
    """Open every ``<details>`` of the page, as someone reading all of it would."""
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")


def send_unchecked(form: Locator, button: str) -> None:
    """Send a form as a browser without the HTML checks would (or a person past them): the
    server's own errors are the page under test."""
    form.evaluate("f => { f.noValidate = true; }")
    form.get_by_role("button", name=button, exact=True).click()


def htmx_swap(page: Page, action: Callable[[], object]) -> None:
    """Do ``action`` and wait until HTMX has swapped in the fragment it asked for."""
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        action()
    page.wait_for_load_state()
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


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
            ("/billing/", r"/billing/programs/[-\w]+/"),
            ("/billing/", r"/billing/programs/[-\w]+/\d{4}-\d{2}/"),
        ],
        "client": [("/billing/", r"/billing/programs/[-\w]+/\d{4}-\d{2}/")],
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
            check(page, f"/billing/programs/{DELIVERY_SLUG}/terms", username)
            check(page, "/reports/partners/", username)  # its deal registrations' section
            page.set_viewport_size(PHONE)
            page.goto(f"{live_server.url}/leads/")
            page.get_by_text("Menu", exact=True).click()
            problems.extend(describe("/leads/ (phone, menu open)", username, axe_violations(page)))
        context.close()

    assert not problems, "\n".join(problems)


class States:
    """The check of the page as it stands, with the problems found so far."""

    def __init__(self, live_server: LiveServer) -> None:
        self.url = live_server.url
        self.problems: list[str] = []

    def goto(self, page: Page, path: str, *, status: int = 200) -> None:
        response = page.goto(f"{self.url}{path}")
        assert response is not None, f"{path}: no response"
        assert response.status == status, f"{path}: {response.status}, not {status}"

    def check(self, page: Page, what: str, who: str) -> None:
        self.problems.extend(describe(what, who, axe_violations(page)))


def _visitor(states: States, page: Page) -> None:
    states.goto(page, "/accounts/login/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    states.check(page, "sign-in, wrong password", "a visitor")
    states.goto(page, f"/forms/{PARTNERS_SLUG}/")
    send_unchecked(page.locator("main form"), "Send")
    page.wait_for_load_state()
    states.check(page, "public web form, sent empty", "a visitor")
    states.goto(page, "/no-such-page/", status=404)
    states.check(page, "404 page", "a visitor")


def _manager(states: States, page: Page) -> None:
    who = "manager"
    states.goto(page, "/leads/")
    program = page.locator("main form[hx-get] select[name=program]")
    htmx_swap(page, lambda: program.select_option(index=1))
    states.check(page, "lead list, filtered (HTMX)", who)
    htmx_swap(page, lambda: page.locator("#lead-table th a[hx-get]").first.click())
    states.check(page, "lead list, sorted (HTMX)", who)
    lead = first_link(page, r"/leads/\d+/")
    assert lead, "no lead on the lead list"
    states.goto(page, f"{lead}?history=calls")
    open_details(page)
    states.check(page, "a lead's timeline, calls only, every section open", who)

    editor = f"/programs/{PARTNERS_SLUG}/criteria/edit"
    states.goto(page, editor)
    open_details(page)
    states.check(page, "criteria editor, every section open", who)
    page.locator("[name='questions-0-key']").fill("Not a key!")
    page.get_by_role("button", name="Save draft", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("Nothing was saved").count()
    states.check(page, "criteria editor, an invalid value", who)
    states.goto(page, editor)
    open_details(page)
    page.locator("[name='general-engagement_half_life_days']").fill("45")
    page.get_by_role("button", name="Save and preview").click()
    page.wait_for_url(re.compile(r"/criteria/preview"))
    page.reload()  # the page itself; the "Draft saved" message is the shell's (its own test)
    open_details(page)
    states.check(page, "criteria preview, every section open", who)
    states.goto(page, "/leads/999999999/", status=404)
    states.check(page, "404 page", who)

    states.goto(page, "/partners/setup/new/")
    send_unchecked(page.locator("main form").last, "Create the partner")
    page.wait_for_load_state()
    states.check(page, "new partner, sent empty", who)


def _marketer(states: States, page: Page) -> None:
    states.goto(page, "/nurture/new")
    send_unchecked(page.locator("main form").last, "Create the sequence")
    page.wait_for_load_state()
    states.check(page, "new nurture sequence, sent empty", "marketer")


def _admin(states: States, page: Page) -> None:
    states.goto(page, "/users/new/")
    send_unchecked(page.locator("main form").last, "Create the user")
    page.wait_for_load_state()
    states.check(page, "new user, sent empty", "admin")


def _qualifier(states: States, page: Page) -> None:
    who = "qualifier"
    states.goto(page, "/queue/")
    lead = first_link(page, r"/leads/\d+/")
    assert lead, "no lead in the qualification queue"
    states.goto(page, lead)
    answer = page.locator("form[hx-post] input[type=radio]:not(:checked)").first
    htmx_swap(page, answer.check)
    states.check(page, "a lead's qualification, recomputed (HTMX)", who)
    page.locator("[name=answer_timeframe_months]").fill("soon")
    page.get_by_role("button", name="Save answers").click()
    page.wait_for_load_state()
    states.check(page, "a lead's answers, an invalid time frame", who)
    states.goto(page, lead)
    page.locator("[name=call-for_sales]").check()
    page.get_by_role("button", name="Log call").click()
    page.wait_for_load_state()
    assert page.get_by_text("untick “For sales”").count()
    states.check(page, "call log, for sales without a note", who)


def _reviewer(states: States, page: Page) -> None:
    who = "reviewer"
    states.goto(page, f"/review/{PARTNERS_SLUG}/")
    open_details(page)
    push_back = page.locator("form[hx-post$='/push-back']").first
    htmx_swap(page, lambda: send_unchecked(push_back, "Push back"))
    assert page.get_by_text("choose a reason").count()
    states.check(page, "push-back without a reason (HTMX)", who)
    approve = page.locator("form[hx-post$='/approve']").first
    htmx_swap(page, lambda: approve.get_by_role("button", name="Approve").click())
    states.check(page, "a review decided (HTMX)", who)


def _partner(states: States, page: Page) -> None:
    who = "partner"
    states.goto(page, "/partners/")
    lead = first_link(page, r"/partners/leads/\d+/")
    assert lead, "no lead in the partner's inbox"
    states.goto(page, lead)
    open_details(page)
    states.check(page, "a partner's lead, every section open", who)
    decline = page.locator(f"form[action$='{lead}decline/']")
    if decline.count():
        send_unchecked(decline, "Decline")
        page.wait_for_load_state()
        states.check(page, "decline without a reason", who)
    states.goto(page, "/programs/", status=403)
    states.check(page, "403 page", who)


def test_the_states_people_reach_pass_the_accessibility_check(
    browser: Browser, live_server: LiveServer
) -> None:
    demo_load(now=timezone.now())
    states = States(live_server)
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    _visitor(states, context.new_page())
    context.close()
    roles = {
        "manager": _manager,
        "marketer": _marketer,
        "admin": _admin,
        "qualifier": _qualifier,
        "reviewer": _reviewer,
        "partner": _partner,
    }
    for username, visit in roles.items():
        context = browser.new_context(viewport=DESKTOP, locale="en-US")
        page = context.new_page()
        sign_in(page, live_server, username)
        visit(states, page)
        context.close()
    assert not states.problems, "\n".join(states.problems)


def test_the_api_docs_pass_the_accessibility_check(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    states = States(live_server)
    states.goto(page, "/api/v1/docs")
    # Swagger UI draws the operations and the schemas after the document has loaded: check the
    # page as people read it, not the empty frame before it.
    page.wait_for_selector(".opblock")
    page.wait_for_selector(".models")
    states.check(page, "/api/v1/docs", "a visitor")
    page.locator(".opblock-summary-control").first.click()
    page.wait_for_selector(".opblock-body")
    states.check(page, "/api/v1/docs with an operation opened", "a visitor")
    context.close()
    assert not states.problems, "\n".join(states.problems)


def test_a_page_showing_a_message_passes_the_accessibility_check(
    browser: Browser, live_server: LiveServer
) -> None:
    factories.user(username="mona", password="mona-demo-pass", roles=(Role.MARKETER,))
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("mona")
    page.get_by_label("Password").fill("mona-demo-pass")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
    states = States(live_server)
    states.goto(page, "/accounts/")
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_role("button", name="Save time zone").click()
    page.wait_for_load_state()
    assert page.locator(".messages li").count(), "no message shown"
    states.check(page, "a page with a message", "a marketer")
    context.close()
    assert not states.problems, "\n".join(states.problems)
