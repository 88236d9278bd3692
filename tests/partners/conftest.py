"""Partner fixtures: a partner program, partners with territories and members, approved leads
of each rating. Everything is made through the real services."""

from collections.abc import Callable
from typing import Any

import pytest

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import Action
from leadflow.core.routing import TerritoryRule
from leadflow.leads.models import Lead
from leadflow.leads.services import lead_transition
from leadflow.partners.models import Partner
from leadflow.partners.services import partner_create
from leadflow.programs.models import Client, HandOffMode, Program
from leadflow.programs.services import program_create
from tests.conftest import NOW

ANSWERS = {
    "hot": {
        "budget": "approved",
        "authority": "decision_maker",
        "need": "established",
        "timeframe_months": 2,
    },
    "a": {"budget": "preliminary", "authority": "specifier", "need": "none", "timeframe_months": 5},
    "b": {"budget": "none", "authority": "none", "need": "none", "timeframe_months": 8},
    "c": {"budget": "none", "authority": "none", "need": "identified"},
    "fyi": {"budget": "none", "authority": "none", "need": "none"},
}


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def partner_program(client_a: Client) -> Program:
    return program_create(
        client=client_a,
        name="Acme Partner Program",
        slug="acme-partners",
        hand_off_mode=HandOffMode.PARTNERS,
        actor=None,
        now=NOW,
    )


@pytest.fixture
def make_partner(client_a: Client, make_user: Callable[..., User]) -> Callable[..., Partner]:
    counter = iter(range(1, 10_000))

    def make(
        name: str | None = None,
        *,
        client: Client = client_a,
        territories: tuple[TerritoryRule, ...] = (TerritoryRule("US"),),
        members: int = 1,
        **fields: Any,
    ) -> Partner:
        number = next(counter)
        users = []
        for _ in range(members):
            user = make_user(Role.PARTNER)
            user.email = f"{user.username}@partner{number}.example"
            user.save(update_fields=["email"])
            users.append(user)
        fields.setdefault("country", "US")
        fields.setdefault("subdivision", "CA")
        fields.setdefault("timezone", "America/Los_Angeles")
        return partner_create(
            client=client,
            name=name or f"Partner {number}",
            slug=f"partner-{number}",
            territories=territories,
            members=users,
            now=NOW,
            **fields,
        )

    return make


@pytest.fixture
def make_approved(make_lead: Callable[..., Lead]) -> Callable[..., Lead]:
    """A lead of the given rating walked through qualification and QA approval."""

    def make(program: Program, rating: str = "a", **fields: Any) -> Lead:
        fields.setdefault("country", "US")
        fields.setdefault("subdivision", "CA")
        lead = make_lead(program, answers=ANSWERS[rating], **fields)
        assert lead.rating == rating
        for action in (Action.START_QUALIFYING, Action.SUBMIT_FOR_REVIEW, Action.APPROVE):
            lead = lead_transition(lead=lead, action=action, actor=None, now=NOW)
        return lead

    return make


def member(partner: Partner) -> User:
    """The first user of a partner."""
    return partner.members.select_related("user").order_by("id")[0].user
