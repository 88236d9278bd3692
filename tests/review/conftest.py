"""Fixtures of the QA review tests: a program's team (a qualifier, two reviewers and the roles
that must not review), leads submitted for review through the real queue services, and audio
files built with the standard library."""

import io
import wave
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from leadflow.accounts.models import Role, User
from leadflow.leads.models import CallLog, CallOutcome, Lead
from leadflow.programs.models import Program
from tests import factories
from tests.factories import HOT, NOW

__all__ = ["HOT"]

A = {"budget": "approved", "timeframe_months": 5}
FYI: dict[str, object] = {}


@pytest.fixture(autouse=True)
def _plain_http(plain_http: None) -> None:
    """Review pages are fetched over the test client's plain HTTP."""


@dataclass
class Team:
    qualifier: User
    other_qualifier: User
    reviewer: User
    other_reviewer: User
    admin: User
    manager: User
    marketer: User
    client_contact: User
    partner: User
    foreign_reviewer: User


@pytest.fixture
def team(program: Program, other_program: Program, make_user: Callable[..., User]) -> Team:
    return Team(
        qualifier=make_user(Role.QUALIFIER, programs=(program,)),
        other_qualifier=make_user(Role.QUALIFIER, programs=(program,)),
        reviewer=make_user(Role.REVIEWER, programs=(program,)),
        other_reviewer=make_user(Role.REVIEWER, clients=(program.client,)),
        admin=make_user(Role.ADMIN),
        manager=make_user(Role.MANAGER, clients=(program.client,)),
        marketer=make_user(Role.MARKETER, programs=(program,)),
        client_contact=make_user(Role.CLIENT, clients=(program.client,)),
        partner=make_user(Role.PARTNER, programs=(program,)),
        foreign_reviewer=make_user(Role.REVIEWER, programs=(other_program,)),
    )


SubmitLead = Callable[..., Lead]


@pytest.fixture
def submit_lead(db: None) -> SubmitLead:
    """A lead qualified and submitted for review by ``qualifier`` through the queue services:
    held, a call logged (connected unless told otherwise), submitted ``minutes`` after NOW."""
    counter = iter(range(1, 10_000))

    def submit(
        program: Program,
        qualifier: User,
        *,
        answers: dict[str, object] | None = None,
        outcome: CallOutcome | None = CallOutcome.CONNECTED,
        minutes: int = 0,
        **fields: object,
    ) -> Lead:
        number = next(counter)
        contact: dict[str, object] = {
            "first_name": "Prospect",
            "last_name": f"Number{number}",
            "email": f"prospect{number}@example.com",
            "company": f"Company {number}",
        }
        return factories.submitted_lead(
            program=program,
            qualifier=qualifier,
            answers=HOT if answers is None else answers,
            outcome=outcome,
            at=at(minutes),
            **{**contact, **fields},
        )

    return submit


def wav_bytes(seconds: float = 0.2, rate: int = 8000) -> bytes:
    """A real (silent) WAV file, as a phone system would write one."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(rate * seconds))
    return buffer.getvalue()


def first_call(lead: Lead) -> CallLog:
    return CallLog.objects.filter(lead=lead).order_by("at", "id").first()  # type: ignore[return-value]


def at(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)
