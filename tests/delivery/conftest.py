"""Fixtures of the delivery tests: approved leads of every rating, walked through the real
lifecycle services, and the people who manage and receive deliveries."""

from collections.abc import Callable
from datetime import datetime
from itertools import count
from typing import Any

import pytest

from leadflow.accounts.models import Role, User
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests import factories
from tests.factories import NOW


@pytest.fixture(autouse=True)
def _plain_http(plain_http: None) -> None:
    """Delivery pages are fetched over the test client's plain HTTP."""


LeadMaker = Callable[..., Lead]


@pytest.fixture
def approved_lead(db: None) -> LeadMaker:
    """``approved_lead(program, rating, captured=NOW, approved=None, status="approved")``: a
    lead of the given rating captured at ``captured`` and approved by QA at ``approved`` (both
    default to the suite's NOW), through the lifecycle services; each one a different person."""
    numbers = count(1)

    def make(
        program: Program,
        rating: str,
        *,
        captured: datetime = NOW,
        approved: datetime | None = None,
        status: str = "approved",
        **fields: Any,
    ) -> Lead:
        return factories.rated_lead(
            program=program,
            rating=rating,
            status=status,
            captured=captured,
            approved=approved,
            **{**factories.numbered_contact(next(numbers)), **fields},
        )

    return make


@pytest.fixture
def manager(program: Program, make_user: Callable[..., User]) -> User:
    return make_user(Role.MANAGER, clients=(program.client,), email="manager@agency.example")


@pytest.fixture
def client_contact(program: Program, make_user: Callable[..., User]) -> User:
    return make_user(Role.CLIENT, clients=(program.client,), email="buyer@acme.example")
