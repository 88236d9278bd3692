"""Fixtures of the QA review tests: a program's team (a qualifier, two reviewers and the roles
that must not review), leads submitted for review through the real queue services, and audio
files built with the standard library."""

import io
import wave
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from leadflow.accounts.models import Role, User
from leadflow.leads.calls import call_record
from leadflow.leads.models import CallLog, CallOutcome, Lead
from leadflow.leads.queue import lead_hold, lead_submit_for_review
from leadflow.leads.services import LeadInput, lead_create
from leadflow.programs.models import Program
from tests.conftest import NOW

HOT = {"budget": "approved", "authority": "decision_maker", "need": "established",
       "timeframe_months": 2}  # fmt: skip
A = {"budget": "approved", "timeframe_months": 5}
FYI: dict[str, object] = {}


@pytest.fixture(autouse=True)
def plain_http(settings: Settings) -> None:
    """The test client speaks plain HTTP; with DEBUG off the settings would redirect it."""
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture(autouse=True)
def media_root(settings: Settings, tmp_path: Path) -> Path:
    """Recordings go to a directory of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def fast_passwords(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
def team(
    fast_passwords: None,
    program: Program,
    other_program: Program,
    make_user: Callable[..., User],
) -> Team:
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
        contact.update(fields)
        lead = lead_create(
            program=program,
            data=LeadInput(answers=HOT if answers is None else answers, **contact),  # type: ignore[arg-type]
            actor=None,
            now=NOW,
        )
        at = NOW + timedelta(minutes=minutes)
        lead_hold(lead=lead, user=qualifier, now=at)
        if outcome is not None:
            call_record(lead=lead, caller=qualifier, outcome=outcome, note="Spoke", now=at)
        return lead_submit_for_review(lead=lead, user=qualifier, now=at)

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
