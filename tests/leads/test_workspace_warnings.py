"""The lead page says which values intake could not use, in plain words."""

from collections.abc import Callable

import pytest
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.core.normalise import RawLead
from leadflow.intake.services import Submission, lead_capture
from leadflow.programs.models import Program
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


def test_the_lead_page_lists_the_values_intake_could_not_use(
    client: Client, make_user: Callable[..., User], program: Program
) -> None:
    raw = RawLead(
        first_name="Ada", last_name="Lovelace", email="ada@example.com", phone="385-(642)951-8397"
    )
    submission = Submission(raw=raw, answers={"budget": "lots", "timeframe_months": 2})
    lead = lead_capture(program=program, submission=submission, actor=None, now=NOW).lead
    assert {warning["field"] for warning in lead.warnings} == {"phone", "answers.budget"}
    client.force_login(make_user(Role.QUALIFIER, programs=(program,)))
    page = client.get(f"/leads/{lead.pk}/", secure=True).content.decode()
    assert "Values intake could not use" in page
    assert "<strong>Phone</strong>: “385-(642)951-8397”" in page
    assert "<strong>Answer: Budget</strong>: “lots”" in page
    section = page.split('data-testid="intake-warnings"', 1)[1].split("</section>", 1)[0]
    assert "answers.budget" not in section  # the warning names the question, not its key


def test_a_lead_without_warnings_shows_no_such_section(
    client: Client,
    make_user: Callable[..., User],
    program: Program,
    make_lead: Callable[..., object],
) -> None:
    lead = make_lead(program)
    client.force_login(make_user(Role.QUALIFIER, programs=(program,)))
    page = client.get(f"/leads/{lead.pk}/", secure=True).content.decode()  # type: ignore[attr-defined]
    assert "Values intake could not use" not in page
