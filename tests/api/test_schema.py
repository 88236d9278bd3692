"""Property-based tests of the API against its own OpenAPI schema (schemathesis): whatever a
client sends, valid or not, the answer is never a server error and always what the schema
promises. The requests go in-process to the WSGI app, inside the test's transaction."""

from collections.abc import Callable, Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from leadflow.accounts.models import User
from leadflow.config.wsgi import application
from leadflow.leads.models import Lead
from leadflow.programs.models import Program

#: The app redirects plain HTTP to HTTPS unless DEBUG; an HTTPS origin avoids the redirect.
ORIGIN = "https://localhost"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, base_url=ORIGIN)
schema.config.generation.update(modes=list(schemathesis.GenerationMode))


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
def bearer(
    _keep_the_test_connection: None,
    marketer: User,
    program: Program,
    other_program: Program,
    make_lead: Callable[..., Lead],
    token_for: Callable[..., str],
) -> dict[str, str]:
    """A marketer of client A with leads of both clients in the database, so that reads find
    real rows and scope is exercised. New leads go to the marketer's program (a random slug
    would only ever be a 404)."""
    make_lead(program)
    make_lead(other_program)
    return {"Authorization": f"Bearer {token_for(marketer)}"}


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_keeps_its_schema_and_never_fails(
    case: schemathesis.Case, bearer: dict[str, str]
) -> None:
    if case.method == "POST" and isinstance(case.body, dict):
        case.body["program"] = "acme-demand"
    case.call_and_validate(base_url=ORIGIN, headers=bearer, checks=CHECKS)
