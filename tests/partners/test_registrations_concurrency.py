"""Two partners registering the same prospect at the same moment (PostgreSQL, real threads, one
connection each): exactly one registration is accepted, the others are refused, and the
program has one lead for the prospect."""

from collections.abc import Callable
from functools import partial

import pytest
from django.db import connection

from leadflow.leads.models import Lead
from leadflow.partners.models import Partner, Registration, RegistrationStatus
from leadflow.partners.services.registrations import REFUSED_REGISTERED, Prospect, deal_register
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.partners.conftest import member
from tests.partners.test_concurrency import run_together

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="advisory locks are proven on PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_two_partners_registering_the_same_prospect_at_once_make_one_winner(
    partner_program: Program, make_partner: Callable[..., Partner]
) -> None:
    partners = [make_partner(name=f"Reseller {n}") for n in range(4)]
    for round_number in range(3):
        prospect = Prospect(
            first_name="Grace",
            last_name=f"Hopper {round_number}",
            email=f"grace{round_number}@cobol.example",
            company="Cobol Systems",
            country="US",
            state="CA",
        )
        jobs = [
            partial(
                deal_register,
                partner=partner,
                program=partner_program,
                prospect=prospect,
                user=member(partner),
                now=NOW,
            )
            for partner in partners
        ]
        results, errors = run_together(jobs)
        assert errors == []
        statuses = sorted(r.status for r in results)
        assert statuses == [RegistrationStatus.ACCEPTED] + [RegistrationStatus.REFUSED] * 3
        assert {r.reason for r in results if r.status == RegistrationStatus.REFUSED} == {
            REFUSED_REGISTERED
        }
        assert Lead.objects.filter(email=prospect.email).count() == 1
    assert Registration.objects.filter(status=RegistrationStatus.ACCEPTED).count() == 3
