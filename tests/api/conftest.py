"""API fixtures: users with tokens, and a client that speaks JSON with a Bearer token."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.api.tokens import token_create
from leadflow.programs.models import Program
from tests.factories import HOT, NOW


class Api:
    """The REST API as an outside tool sees it (over HTTPS, JSON, one token)."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _send(
        self, method: str, path: str, body: Any = None, *, key: str | None = None, **query: Any
    ) -> Any:
        headers = dict(self.headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        send = getattr(self.client, method)
        if method == "get":
            return send(f"/api/v1{path}", query, headers=headers, secure=True)
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return send(
            f"/api/v1{path}",
            data,
            content_type="application/json",
            headers=headers,
            secure=True,
        )

    def get(self, path: str, **query: Any) -> Any:
        return self._send("get", path, **query)

    def post(self, path: str, body: Any, *, key: str | None = None) -> Any:
        return self._send("post", path, body, key=key)

    def patch(self, path: str, body: Any, *, key: str | None = None) -> Any:
        return self._send("patch", path, body, key=key)


@pytest.fixture
def token_for() -> Callable[..., str]:
    def make(user: User, programs: tuple[Program, ...] = ()) -> str:
        return token_create(user=user, name="test", programs=programs, now=NOW)[1]

    return make


@pytest.fixture
def api_as(token_for: Callable[..., str]) -> Callable[..., Api]:
    def make(user: User, programs: tuple[Program, ...] = ()) -> Api:
        return Api(token_for(user, programs))

    return make


@pytest.fixture
def marketer(make_user: Callable[..., User], program: Program) -> User:
    return make_user(Role.MARKETER, clients=(program.client,))


@pytest.fixture
def api(api_as: Callable[..., Api], marketer: User) -> Api:
    """A marketer of client A (program ``acme-demand``)."""
    return api_as(marketer)


HOT_ANSWERS = dict(HOT)


@pytest.fixture
def lead_body() -> dict[str, Any]:
    return {
        "program": "acme-demand",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "Ada@Example.COM",
        "phone": "(415) 555-0100",
        "title": "CTO",
        "company": "Analytical Engines Ltd",
        "website": "https://www.analytical.example",
        "country": "United States",
        "state": "California",
        "postal_code": "94105",
        "channel": "event",
        "campaign": "SPRING-26",
        "inquiry_type": "demo_request",
        "external_id": "crm-1",
        "profile": {"environment": "on-premises"},
        "answers": dict(HOT_ANSWERS),
    }
