"""An agency program (Acme, New York) with a qualifier in Berlin and the client's sales person
in Los Angeles, and an approved Hot lead to book a call for; a partner program whose partner's
field sales executive takes the calls of the leads it holds; ``book`` books a call as the
qualifier."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from leadflow.accounts.models import Role, User
from leadflow.appointments.models import Appointment
from leadflow.appointments.services import appointment_book, attendee_calendar_save
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests import factories
from tests.factories import NOW


@dataclass
class People:
    qualifier: User
    seller: User
    manager: User
    outsider: User


@pytest.fixture
def people(program: Program, other_program: Program, make_user: Callable[..., User]) -> People:
    qualifier = make_user(Role.QUALIFIER, programs=(program,), email="quinn@agency.example")
    qualifier.timezone = "Europe/Berlin"
    qualifier.save(update_fields=["timezone"])
    seller = make_user(Role.CLIENT, clients=(program.client,), email="sam@acme.example")
    seller.first_name, seller.last_name = "Sam", "Seller"
    seller.save(update_fields=["first_name", "last_name"])
    attendee_calendar_save(
        attendee=seller,
        timezone="America/Los_Angeles",
        country="US",
        subdivision="CA",
        working_hours="Mon-Fri 09:00-17:00",
        actor=None,
        now=NOW,
    )
    return People(
        qualifier=qualifier,
        seller=seller,
        manager=make_user(Role.MANAGER, clients=(program.client,), email="max@agency.example"),
        outsider=make_user(Role.QUALIFIER, programs=(other_program,)),
    )


@pytest.fixture
def hot_lead(program: Program) -> Lead:
    return factories.rated_lead(program=program, rating="hot", status="approved")


# Tuesday 3 November 2026, 10:00 in Los Angeles (PST, UTC-8).
TUESDAY_10_LA = datetime(2026, 11, 3, 18, 0, tzinfo=UTC)

#: ``book(lead, start=TUESDAY_10_LA, **changes)``: a call booked by the qualifier with the
#: client's sales person (``changes`` name other arguments of ``appointment_book``).
Book = Callable[..., Appointment]


@pytest.fixture
def book(people: People) -> Book:
    def make(lead: Lead, start: datetime = TUESDAY_10_LA, **changes: Any) -> Appointment:
        arguments: dict[str, Any] = {
            "lead": lead,
            "attendee": people.seller,
            "kind": "phone",
            "starts_at": start,
            "agenda": "Walk through the migration plan",
            "prospect_confirmed": True,
            "confirmation": "Confirmed on the call",
            "actor": people.qualifier,
            "now": NOW,
        }
        return appointment_book(**{**arguments, **changes})

    return make


@pytest.fixture
def field_seller(other_program: Program, make_user: Callable[..., User]) -> User:
    """The field sales executive of the partner program's one partner."""
    field = make_user(Role.PARTNER, email="field@partner.example")
    factories.partner(client=other_program.client, number=1, members=[field])
    return field


@pytest.fixture
def partner_lead(other_program: Program, field_seller: User) -> Lead:
    """An A lead of the partner program, in the partner's territory."""
    return factories.rated_lead(
        program=other_program, rating="a", qualifying=True, country="US", subdivision="CA"
    )
