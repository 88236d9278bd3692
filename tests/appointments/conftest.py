"""An agency program (Acme, New York) with a qualifier in Berlin and the client's sales person
in Los Angeles, and an approved Hot lead to book a call for."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from leadflow.accounts.models import Role, User
from leadflow.appointments.services import attendee_calendar_save
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
