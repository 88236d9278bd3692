"""Fixtures of the guarantee tests: delivered leads, and the people who dispute and decide.

Deliveries are recorded by ``factories.delivery`` after the leads went through review and the
``deliver`` step of the real lifecycle, so these tests do not depend on how the delivery app
builds its batches.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pytest

from leadflow.accounts.models import Role, User
from leadflow.delivery.models import Delivery, DeliveryKind
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests import factories


def deliver(
    program: Program,
    leads: Sequence[Lead],
    *,
    at: datetime,
    kind: DeliveryKind = DeliveryKind.BATCH,
    actor: User | None = None,
) -> Delivery:
    """Record one delivery of ``leads`` (in order) at ``at``."""
    return factories.delivery(program=program, leads=leads, at=at, kind=kind, actor=actor)


@dataclass
class People:
    contact: User  # client contact of the program's client
    other_contact: User  # client contact of another client
    reviewer: User
    other_reviewer: User  # QA reviewer of another program
    qualifier: User
    manager: User
    partner: User
    admin: User


@pytest.fixture
def people(program: Program, other_program: Program, make_user: Callable[..., User]) -> People:
    return People(
        contact=make_user(Role.CLIENT, clients=(program.client,)),
        other_contact=make_user(Role.CLIENT, clients=(other_program.client,)),
        reviewer=make_user(Role.REVIEWER, programs=(program,)),
        other_reviewer=make_user(Role.REVIEWER, programs=(other_program,)),
        qualifier=make_user(Role.QUALIFIER, programs=(program,)),
        manager=make_user(Role.MANAGER, clients=(program.client,)),
        partner=make_user(Role.PARTNER, programs=(program,)),
        admin=make_user(Role.ADMIN),
    )


@pytest.fixture
def make_delivered(make_lead: Callable[..., Lead]) -> Callable[..., list[Lead]]:
    """``make_delivered(program, count, at=...)``: new leads, delivered in one delivery."""

    def make(
        program: Program,
        count: int = 1,
        *,
        at: datetime,
        kind: DeliveryKind = DeliveryKind.BATCH,
    ) -> list[Lead]:
        leads = [make_lead(program) for _ in range(count)]
        deliver(program, leads, at=at, kind=kind)
        return [Lead.objects.get(pk=lead.pk) for lead in leads]

    return make
