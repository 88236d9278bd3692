"""Security headers on every response: a strict Content-Security-Policy (django-csp), with the
public web form frameable by clients' sites; and the
templates carry no inline script the policy would block."""

import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

import leadflow
from leadflow.accounts.models import Role, User
from leadflow.accounts.services import user_create
from leadflow.leads.services import LeadInput, lead_create
from leadflow.programs.models import Program
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("plain_http")

SRC = Path(leadflow.__file__).parent
PASSWORD = "ada-signs-in-4821"


def directives(response: object) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]  # type: ignore[attr-defined]
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def test_a_page_carries_the_strict_policy_and_the_other_headers(client: Client, db: None) -> None:
    response = client.get("/accounts/login/")
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]


def test_the_api_carries_the_headers(client: Client, db: None) -> None:
    response = client.get("/api/v1/leads")
    assert response.status_code == 401
    assert directives(response)["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Permissions-Policy" in response.headers


def test_the_public_form_may_be_framed_by_any_site(client: Client, program: Program) -> None:
    response = client.get(f"/forms/{program.slug}/")
    assert response.status_code == 200
    policy = directives(response)
    assert policy["frame-ancestors"] == "*"
    assert "https:" in policy["form-action"]
    assert policy["script-src"] == "'self'"
    assert "X-Frame-Options" not in response.headers


def test_staff_pages_may_not_be_framed(
    client: Client, program: Program, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.MARKETER, programs=(program,)))
    response = client.get(f"/forms/{program.slug}/embed/")
    assert directives(response)["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_api_docs_are_served_from_our_static_files_under_the_strict_policy(
    client: Client, db: None
) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'src="/static/ninja/swagger-ui-bundle' in html
    assert "cdn.jsdelivr.net" not in html
    assert directives(response) == directives(client.get("/api/v1/leads"))


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_HANDLER = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle=", re.IGNORECASE)


def test_no_template_has_an_inline_script_or_handler() -> None:
    offenders = []
    for template in SRC.rglob("templates/**/*.html"):
        text = template.read_text()
        # The embed snippets are shown as text, for clients to paste on their own sites.
        styled = STYLE_ATTRIBUTE.search(text) and not template.name.startswith("_snippet_")
        if INLINE_SCRIPT.search(text) or INLINE_HANDLER.search(text) or styled:
            offenders.append(str(template.relative_to(SRC)))
    assert offenders == []


# --- in a real browser, with the policy on ------------------------------------------------


def _violations(page: Page) -> list[str]:
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pages_work_and_break_no_policy_rule(
    page: Page, live_server: LiveServer, program: Program
) -> None:
    user_create(username="ada", password=PASSWORD, roles=(Role.ADMIN,), programs=(program,))
    first = lead_create(
        program=program,
        data=LeadInput(first_name="Ada", last_name="Lovelace", email="ada@example.com"),
        actor=None,
        now=NOW,
    )
    lead_create(
        program=program,
        data=LeadInput(first_name="Grace", last_name="Hopper", email="grace@example.com"),
        actor=None,
        now=NOW,
    )
    violations = _violations(page)
    page.goto(f"{live_server.url}/leads/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/leads/")
    # The URL changes before the page's scripts have run; the box's handler must be there.
    page.wait_for_load_state("load")

    # The select-all box (static/leadflow/select-all.js) ticks every row.
    page.get_by_label("Select all leads on this page").check()
    for box in page.locator("input[name=lead]").all():
        expect(box).to_be_checked()

    # "n" on the queue (static/leadflow/queue-keys.js) takes the next lead.
    page.goto(f"{live_server.url}/queue/")
    page.locator("body").press("n")
    expect(page).to_have_url(re.compile(rf"/leads/({first.pk}|{first.pk + 1})/$"))

    for path in ("/", "/programs/", "/imports/", "/review/", "/deliveries/", "/admin/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status < 400, path
    assert violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_client_site_can_frame_the_form_and_nothing_else(
    page: Page, live_server: LiveServer, program: Program
) -> None:
    violations = _violations(page)
    body = (
        f'<iframe id="form" src="{live_server.url}/forms/{program.slug}/"></iframe>'
        f'<iframe id="login" src="{live_server.url}/accounts/login/"></iframe>'
    ).encode()

    class ClientSite(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    # A client's site: another origin, on the loopback as the live server is.
    site = ThreadingHTTPServer(("127.0.0.1", 0), ClientSite)
    serving = threading.Thread(target=site.serve_forever, daemon=True)
    serving.start()
    try:
        page.goto(f"http://127.0.0.1:{site.server_address[1]}/contact")
        expect(page.frame_locator("#form").get_by_label("E-mail")).to_be_visible()
        expect(page.frame_locator("#login").get_by_label("Username")).to_have_count(0)
    finally:
        site.shutdown()
        site.server_close()
    assert any("frame-ancestors" in text for text in violations)
