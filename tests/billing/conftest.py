"""The billing fixture: a program's deliveries and disputes in October 2026; the tests go
on through November and December and check the statements against figures computed by hand
(test_statements.py).

Program ``acme-demand`` (client in New York time), terms in USD: Hot 150.00, A 100.00,
B 60.00, C and FYI 0 (not billable), appointment 200.00; statement day 3.

October: 5 Oct leads 1 Hot, 2 A, 3 B, 4 C delivered; 20 Oct lead 5 A. Disputes of 1, 2 and 3
raised 9 Oct; 2 upheld 25 Oct.

Deliveries are recorded by ``factories.delivery``; the handlers that the delivery app's
``delivery.created`` event runs (replacements filled, the delivered rating remembered) are
called as that event would call them.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from leadflow.accounts.models import Role, User
from leadflow.billing.handlers import delivery_created as billing_delivery_created
from leadflow.billing.models import BillingTerms
from leadflow.billing.services import TermsInput, billing_terms_save
from leadflow.delivery.models import Delivery
from leadflow.guarantees.handlers import delivery_created as guarantees_delivery_created
from leadflow.guarantees.services import dispute_decide, dispute_raise
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests import factories


def at(month: int, day: int, hour: int = 15) -> datetime:
    """An instant of 2026 in the afternoon, New York and UTC on the same day."""
    return datetime(2026, month, day, hour, tzinfo=UTC)


def deliver(program: Program, leads: Sequence[Lead], when: datetime) -> Delivery:
    delivery = factories.delivery(program=program, leads=leads, at=when)
    guarantees_delivery_created(delivery_id=delivery.pk, now=when)
    billing_delivery_created(delivery_id=delivery.pk, now=when)
    return delivery


def terms_for(program: Program, **changes: object) -> BillingTerms:
    prices = {
        "price_hot": Decimal("150.00"),
        "price_a": Decimal("100.00"),
        "price_b": Decimal("60.00"),
        "price_c": Decimal(0),
        "price_fyi": Decimal(0),
        "price_appointment": Decimal("200.00"),
    }
    data = TermsInput(currency="USD", prices=prices, statement_day=3)
    for name, value in changes.items():
        data = TermsInput(**{**data.__dict__, name: value})
    return billing_terms_save(program=program, user=None, data=data, now=at(10, 1, 9))


@dataclass
class People:
    contact: User
    other_contact: User
    manager: User
    other_manager: User
    reviewer: User
    qualifier: User
    partner: User
    admin: User


@pytest.fixture
def people(program: Program, other_program: Program, make_user: Callable[..., User]) -> People:
    return People(
        contact=make_user(Role.CLIENT, clients=(program.client,), email="cleo@client.example"),
        other_contact=make_user(Role.CLIENT, clients=(other_program.client,)),
        manager=make_user(Role.MANAGER, clients=(program.client,), email="sam@acme.example"),
        other_manager=make_user(Role.MANAGER, clients=(other_program.client,)),
        reviewer=make_user(Role.REVIEWER, programs=(program,)),
        qualifier=make_user(Role.QUALIFIER, programs=(program,)),
        partner=make_user(Role.PARTNER, programs=(program,)),
        admin=make_user(Role.ADMIN),
    )


@dataclass
class History:
    program: Program
    leads: dict[int, Lead]  # by the number in the module's text
    disputes: dict[int, int]  # dispute id by lead number


def rated(program: Program, number: int, rating: str, when: datetime) -> Lead:
    lead = factories.lead(
        program=program, answers=factories.ANSWERS[rating], at=when,
        **factories.numbered_contact(number),
    )  # fmt: skip
    assert lead.rating == rating, lead.explanation
    return lead


def raise_dispute(lead: Lead, people: People, when: datetime) -> int:
    return dispute_raise(
        lead_id=lead.pk, user=people.contact, reason="Contact unreachable", note="", now=when
    ).pk


def uphold(dispute_id: int, people: People, when: datetime) -> None:
    dispute_decide(dispute_id=dispute_id, user=people.reviewer, uphold=True, note="checked",
                   now=when)  # fmt: skip


@pytest.fixture
def october(program: Program, people: People) -> History:
    """October's deliveries and disputes (lead 2 upheld in October)."""
    terms_for(program)
    leads = {
        1: rated(program, 1, "hot", at(10, 4)),
        2: rated(program, 2, "a", at(10, 4)),
        3: rated(program, 3, "b", at(10, 4)),
        4: rated(program, 4, "c", at(10, 4)),
        5: rated(program, 5, "a", at(10, 19)),
    }
    deliver(program, [leads[1], leads[2], leads[3], leads[4]], at(10, 5))
    deliver(program, [leads[5]], at(10, 20))
    disputes = {n: raise_dispute(leads[n], people, at(10, 9)) for n in (1, 2, 3)}
    uphold(disputes[2], people, at(10, 25))
    return History(program, leads, disputes)
