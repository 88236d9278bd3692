"""Shared fixtures: real services build every object, so tests exercise the write paths."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from leadflow.accounts.models import Role, User
from leadflow.accounts.services import user_create
from leadflow.leads.models import Lead
from leadflow.leads.services import LeadInput, lead_create
from leadflow.programs.models import Client, HandOffMode, Program
from leadflow.programs.services import client_create, program_create

pytest_plugins = ["tests.browser", "tests.receivers"]

NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def client_a(db: None) -> Client:
    return client_create(name="Acme Corp", slug="acme", timezone="America/New_York", country="US")


@pytest.fixture
def client_b(db: None) -> Client:
    return client_create(name="Globex", slug="globex", timezone="Europe/Berlin", country="DE")


@pytest.fixture
def program(client_a: Client) -> Program:
    return program_create(
        client=client_a,
        name="Acme Demand Gen",
        slug="acme-demand",
        hand_off_mode=HandOffMode.DELIVERY,
        actor=None,
        now=NOW,
    )


@pytest.fixture
def other_program(client_b: Client) -> Program:
    return program_create(
        client=client_b,
        name="Globex Partners",
        slug="globex-partners",
        hand_off_mode=HandOffMode.PARTNERS,
        actor=None,
        now=NOW,
    )


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(
        *roles: Role, programs: tuple[Program, ...] = (), clients: tuple[Client, ...] = ()
    ) -> User:
        return user_create(
            username=f"user{next(counter)}",
            password="not-used-123",
            roles=roles,
            programs=programs,
            clients=clients,
        )

    return make


@pytest.fixture
def make_lead(db: None) -> Callable[..., Lead]:
    def make(program: Program, *, actor: User | None = None, **fields: object) -> Lead:
        answers = fields.pop(
            "answers",
            {
                "budget": "approved",
                "authority": "decision_maker",
                "need": "established",
                "timeframe_months": 2,
            },
        )
        data = LeadInput(
            first_name="Ada",
            last_name="Lovelace",
            email="ada@example.com",
            company="Analytical Engines Ltd",
            answers=answers,
            **fields,
        )  # type: ignore[arg-type]
        return lead_create(program=program, data=data, actor=actor, now=NOW)

    return make
