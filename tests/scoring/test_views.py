"""The Scoring pages: a manager of the program's client reads its model, trains, switches and
restores; anyone outside the scope gets 404. The backtest of an uploaded history file, which
runs in the background, is in ``test_backtests.py``."""

import pytest
from django.test import Client as WebClient

from leadflow.accounts.models import User
from leadflow.programs.models import Program
from leadflow.scoring.models import ScoringModel
from leadflow.scoring.services.training import model_train_for
from tests import factories as f
from tests.factories import Team
from tests.scoring.outcomes import history

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_http", "few_outcomes")]
PAGE = "/scoring/programs/acme-demand/"


def web(user: User) -> WebClient:
    client = WebClient()
    client.force_login(user)
    return client


def _trained(program: Program) -> ScoringModel:
    history(program, won=25, lost=25)
    model = model_train_for(client_id=program.client_id, program_id=None, now=f.NOW).model
    assert model is not None
    return model


def test_the_index_lists_the_programs_of_the_scope_with_their_status(
    program: Program, other_program: Program, team: Team
) -> None:
    _trained(program)
    html = web(team.manager).get("/scoring/").content.decode()
    assert 'href="/scoring/programs/acme-demand/"' in html
    assert "Enough history to train; no model is switched on yet." in html
    assert "globex-partners" not in html
    assert '<a href="/scoring/" aria-current="page">Scoring</a>' in html


def test_a_program_without_history_says_not_enough_history_yet_with_the_counts(
    program: Program, team: Team
) -> None:
    response = web(team.manager).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not enough history yet." in html
    assert "0 converted and 0 not converted leads; a model needs 20 and 20" in html


def test_the_model_page_shows_version_auc_brier_calibration_and_factors(
    program: Program, team: Team, django_assert_max_num_queries
) -> None:
    model = _trained(program)
    client = web(team.manager)
    with django_assert_max_num_queries(12):
        response = client.get(PAGE)
    html = response.content.decode()
    assert f"Version {model.version} of Acme Corp" in html
    assert model.auc_text in html
    assert "Brier score" in html
    assert 'id="reliability-chart"' in html
    assert 'id="scoring-charts"' in html
    assert 'data-testid="calibration"' in html
    assert "Source" in html
    assert "Switch on" in html


def test_switch_on_off_and_restore_from_the_page(
    program: Program, team: Team, immediate_tasks: None
) -> None:
    first = _trained(program)
    client = web(team.manager)
    assert client.post(f"{PAGE}models/{first.pk}/switch", {"on": "1"}).status_code == 302
    first.refresh_from_db()
    assert first.active
    history(program, won=3, lost=3, start=900, seed=4)
    assert client.post(f"{PAGE}train").status_code == 302
    second = ScoringModel.objects.get(version=2)
    assert second.active
    assert client.post(f"{PAGE}restore", {"scope": "client"}).status_code == 302
    first.refresh_from_db()
    assert first.active
    assert client.post(f"{PAGE}models/{first.pk}/switch", {"on": "0"}).status_code == 302
    assert not ScoringModel.objects.filter(active=True).exists()
    assert client.post(f"{PAGE}restore", {"scope": "program"}).status_code == 409


def test_outside_the_scope_every_scoring_page_is_404(
    program: Program, other_program: Program, team: Team
) -> None:
    model = _trained(program)
    other = other_program
    paths = [PAGE, f"{PAGE}backtest"]
    for user in (team.outsider, team.qualifier, team.reviewer, team.marketer, team.client_contact):
        client = web(user)
        for path in paths:
            assert client.get(path).status_code == 404, (user, path)
        assert client.post(f"{PAGE}models/{model.pk}/switch", {"on": "1"}).status_code == 404
    manager = web(team.manager)
    assert manager.get("/scoring/programs/globex-partners/").status_code == 404
    other_model = ScoringModel.objects.create(
        client=other.client, version=1, kind="logistic", window_start=f.NOW, window_end=f.NOW
    )
    assert manager.post(f"{PAGE}models/{other_model.pk}/switch", {"on": "1"}).status_code == 404
    assert not ScoringModel.objects.filter(active=True).exists()
