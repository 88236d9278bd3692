"""The qualification queue orders within a rating by the predicted chance of converting when
the program's settings ask for it (issue 19): rating still comes first, leads without a
prediction come after those with one, and a program that does not ask keeps score and age."""

import re

import pytest
from django.test import Client

from leadflow.accounts.models import Role
from leadflow.leads.models import Lead
from leadflow.leads.selectors.queue import queue_leads
from leadflow.programs.models import Program
from tests import factories as f
from tests.factories import NOW, Team
from tests.scoring.predictions import predict, scoring_model

pytestmark = pytest.mark.django_db


def _lead(program: Program, name: str, *, answers: dict, score: float) -> Lead:
    lead = f.lead(program=program, answers=answers, first_name=name, email=f"{name}@x.example")
    Lead.objects.filter(pk=lead.pk).update(score=score)
    return lead


def _names(program: Program) -> list[str]:
    qualifier = f.user(username="q", roles=(Role.QUALIFIER,), programs=(program,))
    return [lead.first_name for lead in queue_leads(user=qualifier, now=NOW)]


@pytest.fixture
def queued(program: Program) -> Program:
    model = scoring_model(program)
    predict(_lead(program, "likely", answers=f.A, score=5), 0.7, model=model)
    predict(_lead(program, "unlikely", answers=f.A, score=10), 0.2, model=model)
    _lead(program, "unscored", answers=f.A, score=50)
    predict(_lead(program, "hot", answers=f.HOT, score=0), 0.01, model=model)
    return program


def test_within_a_rating_the_likelier_lead_comes_first_when_the_program_asks(
    queued: Program,
) -> None:
    Program.objects.filter(pk=queued.pk).update(queue_by_probability=True)
    assert _names(queued) == ["hot", "likely", "unlikely", "unscored"]


def test_without_the_setting_the_queue_goes_by_score(queued: Program) -> None:
    assert _names(queued) == ["hot", "unscored", "unlikely", "likely"]


def test_a_model_switched_off_leaves_the_queue_by_score(queued: Program) -> None:
    Program.objects.filter(pk=queued.pk).update(queue_by_probability=True)
    queued.scoring_models.update(active=False)
    assert _names(queued) == ["hot", "unscored", "unlikely", "likely"]


def test_the_manager_switches_the_order_on_the_programs_settings_page(
    client: Client, team: Team, program: Program, plain_http: None
) -> None:
    client.force_login(team.manager)
    path = f"/programs/{program.slug}/settings"
    page = client.get(path).content.decode()
    assert "Within a rating, give first the leads more likely to convert" in page
    response = client.post(
        path, {"hand_off_mode": "delivery", "closure_days": "", "queue_by_probability": "on"}
    )
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.queue_by_probability
    assert re.search(
        r'<input[^>]*name="queue_by_probability"[^>]*checked', client.get(path).content.decode()
    )


def test_another_scopes_program_cannot_be_switched(
    client: Client, team: Team, other_program: Program, plain_http: None
) -> None:
    client.force_login(team.manager)
    path = f"/programs/{other_program.slug}/settings"
    response = client.post(
        path, {"hand_off_mode": "partners", "closure_days": "", "queue_by_probability": "on"}
    )
    assert response.status_code == 404
    other_program.refresh_from_db()
    assert not other_program.queue_by_probability
