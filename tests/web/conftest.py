"""Fixtures of the web app tests: plain HTTP for the test client, and a program with leads of
every rating seen by one user per role."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from leadflow.accounts.models import Role, User
from leadflow.leads.models import Lead
from leadflow.leads.services import LeadInput, lead_create
from leadflow.programs.models import Program
from tests.conftest import NOW

HOT = {
    "budget": "approved",
    "authority": "decision_maker",
    "need": "established",
    "timeframe_months": 2,
}
A = {"budget": "approved", "authority": "none", "need": "none", "timeframe_months": 5}
B = {"budget": "none", "authority": "none", "need": "none", "timeframe_months": 8}
C = {"budget": "none", "authority": "none", "need": "identified"}
FYI: dict[str, object] = {}


@pytest.fixture
def plain_http(settings: Settings) -> None:
    """The test client speaks plain HTTP; with DEBUG off the settings would redirect it."""
    settings.SECURE_SSL_REDIRECT = False


@dataclass
class Team:
    manager: User
    marketer: User
    qualifier: User
    reviewer: User
    client_contact: User
    partner: User
    outsider: User


@pytest.fixture
def fast_passwords(settings: Settings) -> None:
    """Users are made by the dozen; the real hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team(
    fast_passwords: None,
    program: Program,
    other_program: Program,
    make_user: Callable[..., User],
) -> Team:
    return Team(
        manager=make_user(Role.MANAGER, clients=(program.client,)),
        marketer=make_user(Role.MARKETER, programs=(program,)),
        qualifier=make_user(Role.QUALIFIER, programs=(program,)),
        reviewer=make_user(Role.REVIEWER, programs=(program,)),
        client_contact=make_user(Role.CLIENT, clients=(program.client,)),
        partner=make_user(Role.PARTNER, programs=(program,)),
        outsider=make_user(Role.MANAGER, programs=(other_program,)),
    )


@dataclass
class Leads:
    hot: Lead
    a: Lead
    b: Lead
    c: Lead
    fyi: Lead
    foreign: Lead


@pytest.fixture
def make_lead(db: None) -> Callable[..., Lead]:
    """A lead with any contact fields (the suite's ``make_lead`` fixes the name)."""

    def make(program: Program, *, answers: dict[str, object] | None = None, **fields: Any) -> Lead:
        data = LeadInput(answers=HOT if answers is None else answers, **fields)
        return lead_create(program=program, data=data, actor=None, now=NOW)

    return make


@pytest.fixture
def leads(program: Program, other_program: Program, make_lead: Callable[..., Lead]) -> Leads:
    return Leads(
        hot=make_lead(program, answers=HOT, first_name="Hedy", last_name="Lamarr",
                      email="hedy@frequency.example", company="Frequency Hopping Inc",
                      campaign="EVT-1"),
        a=make_lead(program, answers=A, first_name="Grace", last_name="Hopper",
                    email="grace@cobol.example", company="Cobol Systems", campaign="WEB-1"),
        b=make_lead(program, answers=B, first_name="Alan", last_name="Turing",
                    email="alan@bletchley.example", company="=HYPERLINK(\"http://x\")",
                    campaign="WEB-1"),
        c=make_lead(program, answers=C, first_name="Katherine", last_name="Johnson",
                    email="kj@nasa.example", company="Orbit Math"),
        fyi=make_lead(program, answers=FYI, first_name="Barbara", last_name="Liskov",
                      email="bl@clu.example", company="Substitution LLC"),
        foreign=make_lead(other_program, answers=HOT, first_name="Elsewhere", last_name="Person",
                          email="else@globex.example", company="Globex Buyer"),
    )  # fmt: skip
