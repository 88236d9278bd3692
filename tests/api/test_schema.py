"""Property-based tests of the API against its own OpenAPI schema (schemathesis, every check it
has): whatever a client sends, the answer is never a server error and always what the schema
promises; a request the schema allows is accepted (2xx, or the 401/403/404/409 of scope and
state), and one it forbids is refused (4xx). The schema therefore says what the server really
accepts. The requests go in-process to the WSGI app, inside the test's transaction, with the
tokens of three roles: an admin (sees and writes everything), a partner's user (the partner
API) and a client contact (reads its client's leads, writes nothing)."""

import contextlib
import json
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema_rs
import phonenumbers
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from schemathesis.checks import CHECKS, CheckContext, ignored_auth, load_all_checks
from schemathesis.core.transport import Response

from leadflow.accounts.models import Role, User
from leadflow.config.wsgi import application
from leadflow.core.errors import NormalisationError
from leadflow.core.normalise import normalise_email, normalise_phone
from leadflow.intake.schemas import PHONE_E164, special_use_pattern
from leadflow.leads.models import Lead
from leadflow.leads.schemas import CURSOR_PATTERN, NOT_BLANK
from leadflow.leads.selectors.search import cursor_encode
from leadflow.partners.services import leads_route
from leadflow.programs.models import HandOffMode, Program
from leadflow.sales.api import cursor_of as sales_task_cursor
from tests import factories
from tests.factories import HOT, NOW
from tests.nurture.conftest import build_sequence

#: The nurture sequence of the test's program.
SEQUENCE = "keep-warm"
#: The app redirects plain HTTP to HTTPS unless DEBUG; an HTTPS origin avoids the redirect.
ORIGIN = "https://localhost"

load_all_checks()
#: The operations that refused a request without a valid token, in the running test (one
#: operation and one token: ``bearer`` empties it).
_CONFIRMED: set[str] = set()


def _ignored_auth_once(ctx: CheckContext, response: Response, case: schemathesis.Case) -> None:
    """``ignored_auth`` as ``schemathesis run`` has it: once an operation has refused a
    request without or with a wrong token, it is not probed again (outside the CLI it would
    send both probes after every 2xx, tripling the run)."""
    if case.operation.label in _CONFIRMED:
        return
    ignored_auth(ctx, response, case)
    if 200 <= response.status_code < 300:
        _CONFIRMED.add(case.operation.label)


_ignored_auth_once.__name__ = "ignored_auth"

#: ``--checks all``: every check schemathesis has (``ignored_auth`` once per operation).
CHECKS_ALL = [_ignored_auth_once if check is ignored_auth else check for check in CHECKS.get_all()]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, base_url=ORIGIN)
schema.config.generation.update(modes=list(schemathesis.GenerationMode))


def test_every_check_runs() -> None:
    """The run below uses the checks by name that matter most here, so a schemathesis that
    renamed one would not pass unnoticed."""
    names = {check.__name__ for check in CHECKS_ALL}
    assert {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "positive_data_acceptance",
        "negative_data_rejection",
        "use_after_free",
        "ensure_resource_availability",
        "ignored_auth",
    } <= names


def test_a_blank_is_what_the_intake_strips() -> None:
    """LeadIn's "company and a name" is a value with more than white space, as
    ``normalise_lead`` strips it (``str.isspace``): the same characters, up to U+30FF (the
    last white space is U+3000)."""
    blank = [chr(code) for code in range(0x3100) if not re.search(NOT_BLANK, chr(code))]
    assert blank == [chr(code) for code in range(0x3100) if chr(code).isspace()]


@given(st.from_regex(PHONE_E164, fullmatch=True))
@settings(max_examples=200, deadline=None)
@example("+5590800000000")  # Brazil's "90" is a national prefix: the number is +55 800000000
def test_every_phone_the_schema_promises_is_read(phone: str) -> None:
    """The schema promises that such a number makes the lead reachable: it is read, never
    refused, in the country it names, and spelled as phonenumbers spells it in E.164 (the one
    spelling de-duplication compares), which drops a national prefix written after the country
    code ("+55 90 …" is Brazil's "90" prefix before the number)."""
    read = normalise_phone(phone, "US")
    number = phonenumbers.parse(phone, None)
    assert read == phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    assert read.startswith(f"+{number.country_code}")


@pytest.mark.parametrize(
    ("email", "special"),
    [("ada@kf5ihnag.test", True), ("ada@Mail.LocalHost.", True), ("ada@test.example", False)],
)
def test_special_use_domains_are_not_promised(email: str, special: bool) -> None:
    """email-validator refuses an address at a special-use domain; the schema says so."""
    assert bool(re.search(special_use_pattern(), email)) is special
    with contextlib.suppress(NormalisationError):
        normalise_email(email)
        assert not special
        return
    assert special


@pytest.mark.django_db
def test_the_published_document_is_valid_json_schema() -> None:
    """Every schema of /api/v1/openapi.json (which /api/v1/docs renders) compiles, every
    reference resolves, and a new lead's ways to reach a person read as intended."""
    document = Client().get("/api/v1/openapi.json", secure=True).json()
    assert "x-leadflow" not in json.dumps(document)

    def validator(name: str) -> Any:
        root = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        return jsonschema_rs.Draft202012Validator(root, validate_formats=True)

    for name in document["components"]["schemas"]:
        validator(name)
    lead_in = validator("LeadIn")
    assert lead_in.is_valid({"program": "p", "phone": "+14155550100"})
    assert lead_in.is_valid({"program": "p", "email": "ada@example.com", "phone": "x"})
    assert lead_in.is_valid({"program": "p", "company": "Acme", "last_name": "Lovelace"})
    assert not lead_in.is_valid({"program": "p", "company": "Acme", "first_name": " \u3000"})
    assert not lead_in.is_valid({"program": "p", "email": "ada@example.test"})
    assert not lead_in.is_valid({"program": "p", "phone": "415 555 0100"})
    assert not validator("LeadPatchIn").is_valid({"profile": None})
    assert not validator("DeclineIn").is_valid({"reason": "other", "note": " "})
    assert validator("OutcomeIn").is_valid({"outcome": "lost", "reason": "price"})
    assert not validator("OutcomeIn").is_valid({"outcome": "lost"})


@pytest.fixture
def _keep_the_test_connection() -> Iterator[None]:
    """The real WSGI handler closes "old" database connections around each request, which
    would close the test's open transaction; Django's test client suspends that the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def partner_program(program: Program) -> Program:
    return factories.program(
        client=program.client,
        name="Acme Partner Program",
        slug="acme-partners",
        hand_off_mode=HandOffMode.PARTNERS,
    )


def _admin(make_user: Callable[..., User], **_: object) -> tuple[User, Lead | None]:
    return make_user(Role.ADMIN), None


def _client(
    make_user: Callable[..., User], program: Program, **_: object
) -> tuple[User, Lead | None]:
    return make_user(Role.CLIENT, clients=(program.client,)), None


def _partner(
    make_user: Callable[..., User], partner_program: Program, **_: object
) -> tuple[User, Lead | None]:
    """A partner's user with a lead routed to the partner, so that its inbox is not empty and
    its steps (claim, contact, outcome, decline) reach a lead of its own."""
    user = make_user(Role.PARTNER)
    user.email = f"{user.username}@partner1.example"
    user.save(update_fields=["email"])
    factories.partner(client=partner_program.client, number=1, members=[user])
    lead = factories.rated_lead(
        program=partner_program, rating="hot", qualifying=True, country="US", subdivision="CA"
    )
    leads_route(lead_ids=[lead.pk], now=NOW)
    return user, lead


ROLES: dict[str, Callable[..., tuple[User, Lead | None]]] = {
    "admin": _admin,
    "partner": _partner,
    "client": _client,
}


class Caller:
    """One role's token, and the leads the test made, to give a case what a client has from
    the server (a lead's id, a cursor)."""

    def __init__(self, token: str, lead: Lead, partner_lead: Lead | None) -> None:
        self.headers = {"Authorization": f"Bearer {token}"}
        self.lead = lead
        self.partner_lead = partner_lead or lead


@pytest.fixture(params=list(ROLES))
def bearer(
    request: pytest.FixtureRequest,
    _keep_the_test_connection: None,
    make_user: Callable[..., User],
    program: Program,
    other_program: Program,
    partner_program: Program,
    make_lead: Callable[..., Lead],
    token_for: Callable[..., str],
) -> Caller:
    """The token of one role, with leads of both clients in the database, so that reads find
    real rows and scope is exercised."""
    _CONFIRMED.clear()
    build_sequence(program, slug=SEQUENCE)
    lead = make_lead(program)
    make_lead(other_program)
    user, partner_lead = ROLES[request.param](
        make_user=make_user, program=program, partner_program=partner_program
    )
    return Caller(token_for(user), lead, partner_lead)


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_keeps_its_schema_and_never_fails(case: schemathesis.Case, bearer: Caller) -> None:
    _as_issued(case, bearer)
    case.call_and_validate(base_url=ORIGIN, headers=bearer.headers, checks=CHECKS_ALL)


def _report_as_issued(query: dict[str, Any]) -> None:
    """A report's period ends after it starts, lies within ten years and within the years a
    report reads, and its breakdown is one the report has (the server's rules, not the
    schema's): a valid day stays valid as the last 30 days, a breakdown as none."""
    today = datetime.now(UTC).date()
    if "from" in query:
        query["from"] = (today - timedelta(days=30)).isoformat()
    if "to" in query:
        query["to"] = today.isoformat()
    if "by" in query:
        query["by"] = ""


def _sales_path(path: str) -> bool:
    return path.endswith(("/tasks", "/demos", "/reschedule")) or "/tasks/" in path


def _sales_as_issued(body: dict[str, Any]) -> None:
    """A sales task's owner is a user who works the lead (the server's data: the caller by
    default); a demo starts in the future, at least the program's lead time ahead, and ends an
    hour later (the clock's business, not the schema's)."""
    body.pop("owner", None)
    if "starts_at" in body or "ends_at" in body:
        start = datetime.now(UTC) + timedelta(days=30)
        body["starts_at"] = start.isoformat()
        body["ends_at"] = (start + timedelta(hours=1)).isoformat()


def _as_issued(case: schemathesis.Case, caller: Caller) -> None:
    """Give a case what a real client has from the server, each time a valid value for a valid
    one, so that a case stays exactly as valid as generated:

    - a new lead goes to a program the token may see (a random slug would only be a 404), a
      lead to nurture to a sequence of its program,
      and a lead's id is one of the test's leads (the partner's own in the partner API);
    - a cursor is one the API issued, for the case's ordering (the schema can say what a
      cursor looks like, not which ones the server wrote);
    - a lead's new answers (PATCH) are answers to its program's questions: which questions a
      program asks is its published criteria, not the schema's (any other is a 422);
    - a first contact (partner API) is now: "not in the future, nor before the lead was
      assigned" depends on the clock and the lead, not the schema;
    - an Idempotency-Key is new: a key already used for another request is a 422 by design
      (``leadflow.api.idempotency``), which is the server's memory, not its schema. Replays
      are proven in test_idempotency.py.
    """
    if case.method == "POST" and isinstance(case.body, dict):
        slug = case.body.get("program")
        if isinstance(slug, str) and 1 <= len(slug) <= 80:
            case.body["program"] = "acme-demand"
        sequence = case.body.get("sequence")
        if isinstance(sequence, str) and re.fullmatch(r"[-a-zA-Z0-9_]{1,80}", sequence):
            case.body["sequence"] = SEQUENCE
    lead_id = (case.path_parameters or {}).get("lead_id")
    if isinstance(lead_id, str) and re.fullmatch("[0-9]{1,19}", lead_id):
        lead_id = int(lead_id)
    if isinstance(lead_id, int) and not isinstance(lead_id, bool) and 1 <= lead_id < 2**63:
        partner = case.path.startswith("/partner/")
        case.path_parameters["lead_id"] = (caller.partner_lead if partner else caller.lead).pk
    positive = case.meta is None or case.meta.generation.mode.is_positive
    body = case.body
    if positive and case.path.endswith("/contact") and isinstance(body, dict) and "at" in body:
        body["at"] = datetime.now(UTC).isoformat()
    if positive and isinstance(body, dict) and _sales_path(case.path):
        _sales_as_issued(body)
    patched = body.get("answers") if isinstance(body, dict) else None
    if positive and case.method == "PATCH" and isinstance(patched, dict):
        body["answers"] = dict(HOT)
    if positive and "/reports/" in case.path:
        _report_as_issued(case.query or {})
    query = case.query or {}
    cursor = query.get("cursor")
    issued = isinstance(cursor, str) and cursor and re.fullmatch(CURSOR_PATTERN, cursor)
    if issued and case.path.endswith("/v1/tasks"):
        query["cursor"] = sales_task_cursor(datetime.now(UTC), 1)
        cursor = None
    if isinstance(cursor, str) and cursor and re.fullmatch(CURSOR_PATTERN, cursor):
        ordering = query.get("ordering", "-created_at")
        if not isinstance(ordering, str) or ordering.removeprefix("-") not in (
            "created_at",
            "score",
            "updated_at",
        ):
            ordering = "-created_at"
        query["cursor"] = cursor_encode(caller.lead, ordering=ordering)
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and re.fullmatch(r"[\x21-\x7e]{1,255}", key):
        headers["Idempotency-Key"] = uuid.uuid4().hex
