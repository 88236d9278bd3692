"""Partner fixtures: a partner program, partners with territories and members, approved leads
of each rating. Everything is made through the real services (``tests.factories``)."""

from collections.abc import Callable
from itertools import count
from typing import Any

import pytest

from leadflow.accounts.models import Role, User
from leadflow.core.routing import TerritoryRule
from leadflow.leads.models import Lead
from leadflow.partners.models import Partner
from leadflow.programs.models import Client, HandOffMode, Program
from tests import factories
from tests.factories import ANSWERS, member

__all__ = ["ANSWERS", "member"]


@pytest.fixture
def partner_program(client_a: Client) -> Program:
    return factories.program(
        client=client_a,
        name="Acme Partner Program",
        slug="acme-partners",
        hand_off_mode=HandOffMode.PARTNERS,
    )


@pytest.fixture
def make_partner(client_a: Client, make_user: Callable[..., User]) -> Callable[..., Partner]:
    """``make_partner(name=None, client=client_a, territories=(US,), members=1, **fields)``:
    partner N with ``members`` users (user@partnerN.example)."""
    numbers = count(1)

    def make(
        name: str | None = None,
        *,
        client: Client = client_a,
        territories: tuple[TerritoryRule, ...] = (TerritoryRule("US"),),
        members: int = 1,
        **fields: Any,
    ) -> Partner:
        number = next(numbers)
        users = []
        for _ in range(members):
            user = make_user(Role.PARTNER)
            user.email = f"{user.username}@partner{number}.example"
            user.save(update_fields=["email"])
            users.append(user)
        return factories.partner(
            client=client,
            number=number,
            name=name,
            territories=territories,
            members=users,
            **fields,
        )

    return make


@pytest.fixture
def make_approved(db: None) -> Callable[..., Lead]:
    """``make_approved(program, rating="a", **fields)``: a lead of the given rating in
    California, walked through qualification and QA approval."""

    def make(program: Program, rating: str = "a", **fields: Any) -> Lead:
        fields.setdefault("country", "US")
        fields.setdefault("subdivision", "CA")
        return factories.rated_lead(program=program, rating=rating, qualifying=True, **fields)

    return make
