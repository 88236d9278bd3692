"""Fixtures of the delivery tests: approved leads of every rating, walked through the real
lifecycle services, and the people who manage and receive deliveries."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import Action
from leadflow.leads.models import Lead
from leadflow.leads.services import LeadInput, lead_create, lead_transition
from leadflow.programs.models import Program
from tests.conftest import NOW

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ANSWERS: dict[str, dict[str, object]] = {
    "hot": {"budget": "approved", "authority": "decision_maker", "need": "established",
            "timeframe_months": 2},
    "a": {"budget": "approved", "authority": "none", "need": "none", "timeframe_months": 5},
    "b": {"budget": "none", "authority": "none", "need": "none", "timeframe_months": 8},
    "c": {"budget": "none", "authority": "none", "need": "identified"},
    "fyi": {},
}  # fmt: skip


@pytest.fixture(autouse=True)
def fast_passwords(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False


LeadMaker = Callable[..., Lead]


@pytest.fixture
def approved_lead(db: None) -> LeadMaker:
    """A lead of the given rating captured at ``captured`` and approved by QA at ``approved``
    (both default to the suite's NOW), through the lifecycle services."""
    counter = iter(range(1, 100_000))

    def make(
        program: Program,
        rating: str,
        *,
        captured: datetime = NOW,
        approved: datetime | None = None,
        status: str = "approved",
        **fields: Any,
    ) -> Lead:
        n = next(counter)
        data = LeadInput(
            **{
                "first_name": f"First{n}",
                "last_name": f"Last{n}",
                "email": f"lead{n}@example.com",
                "company": f"Company {n}",
                "answers": ANSWERS[rating],
                **fields,
            }
        )
        lead = lead_create(program=program, data=data, actor=None, now=captured)
        assert lead.rating == rating, lead.explanation
        steps = {
            "new": [],
            "in_review": [Action.SUBMIT_FOR_REVIEW],
            "approved": [Action.SUBMIT_FOR_REVIEW, Action.APPROVE],
        }[status]
        for action in steps:
            lead = lead_transition(lead=lead, action=action, actor=None, now=approved or captured)
        return lead

    return make


@pytest.fixture
def manager(program: Program, make_user: Callable[..., User]) -> User:
    user = make_user(Role.MANAGER, clients=(program.client,))
    user.email = "manager@agency.example"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def client_contact(program: Program, make_user: Callable[..., User]) -> User:
    user = make_user(Role.CLIENT, clients=(program.client,))
    user.email = "buyer@acme.example"
    user.save(update_fields=["email"])
    return user
