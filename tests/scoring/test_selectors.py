"""The scoring reads other parts build on: predictions by lead, the active model, the status."""

import pytest

from leadflow.scoring.models import LeadPrediction, ScoringModel
from leadflow.scoring.selectors import active_model, model_status, predictions_for
from tests import factories as f

pytestmark = pytest.mark.django_db


def _model(*, program=None, client, version: int, active: bool) -> ScoringModel:
    return ScoringModel.objects.create(
        client=client,
        program=program,
        version=version,
        kind="logistic",
        window_start=f.NOW,
        window_end=f.NOW,
        active=active,
    )


def test_the_programs_own_active_model_wins_over_the_clients() -> None:
    acme = f.client_acme()
    demo = f.program(client=acme, name="Demo", slug="demo")
    other = f.program(client=acme, name="Other", slug="other")
    assert active_model(program=demo) is None
    client_model = _model(client=acme, version=1, active=True)
    assert active_model(program=demo) == client_model
    own = _model(client=acme, program=demo, version=1, active=True)
    _model(client=acme, program=demo, version=2, active=False)
    assert active_model(program=demo) == own
    assert active_model(program=other) == client_model


def test_predictions_for_reads_the_given_leads_in_one_query(django_assert_num_queries) -> None:
    acme = f.client_acme()
    demo = f.program(client=acme, name="Demo", slug="demo")
    model = _model(client=acme, program=demo, version=1, active=True)
    first = f.lead(program=demo)
    second = f.lead(program=demo, email="grace@example.com")
    LeadPrediction.objects.create(lead=first, model=model, probability=0.4, scored_at=f.NOW)
    with django_assert_num_queries(1):
        found = predictions_for(lead_ids=[first.pk, second.pk])
    assert list(found) == [first.pk]
    assert found[first.pk].probability == 0.4
    assert predictions_for(lead_ids=[]) == {}


def test_a_program_without_outcomes_has_not_enough_history_yet() -> None:
    demo = f.program(client=f.client_acme(), name="Demo", slug="demo")
    status = model_status(program=demo)
    assert status.model is None
    assert not status.enough_history
    assert status.message == "Not enough history yet."
