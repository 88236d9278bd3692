"""New leads are scored at capture, and capture costs nothing extra while no model is on."""

import pytest

from leadflow.programs.models import Program
from leadflow.scoring import active
from leadflow.scoring.models import LeadPrediction, ScoringModel
from leadflow.scoring.services.training import model_switch, model_train_for, predictions_catch_up
from tests import factories as f
from tests.scoring.outcomes import history

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("few_outcomes")]
NOW = f.NOW


def _switched_on(program: Program, capture) -> ScoringModel:
    history(program, won=25, lost=25)
    model = model_train_for(client_id=program.client_id, program_id=None, now=NOW).model
    assert model is not None
    with capture(execute=True):
        model_switch(model=model, on=True, now=NOW)
    return model


def test_a_lead_captured_while_a_model_is_on_gets_its_probability(
    program: Program, immediate_tasks: None, django_capture_on_commit_callbacks
) -> None:
    model = _switched_on(program, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        lead = f.lead(program=program, email="new@example.com", channel="referral")
    prediction = LeadPrediction.objects.get(lead=lead)
    assert prediction.model == model
    assert 0 < prediction.probability < 1
    assert prediction.factors[0]["text"].endswith("points of probability")


def test_with_no_model_on_a_capture_asks_once_then_never_again_within_the_ttl(
    program: Program, django_assert_num_queries
) -> None:
    f.lead(program=program, email="warm@example.com")  # asks, and remembers "none"
    with django_assert_num_queries(0):
        assert not active.any_model_active()


def test_switching_a_model_forgets_the_remembered_answer(
    program: Program, immediate_tasks: None, django_capture_on_commit_callbacks
) -> None:
    assert not active.any_model_active()
    _switched_on(program, django_capture_on_commit_callbacks)
    assert active.any_model_active()


def test_the_catch_up_scores_leads_captured_while_the_process_believed_none_was_on(
    program: Program, django_capture_on_commit_callbacks
) -> None:
    history(program, won=25, lost=25)
    model = model_train_for(client_id=program.client_id, program_id=None, now=NOW).model
    assert model is not None
    assert not active.any_model_active()  # remembered: none on
    ScoringModel.objects.filter(pk=model.pk).update(active=True)  # another process switched
    with django_capture_on_commit_callbacks(execute=True):
        lead = f.lead(program=program, email="meanwhile@example.com")
    assert not LeadPrediction.objects.filter(lead=lead).exists()
    assert predictions_catch_up(now=NOW) == 51
    assert LeadPrediction.objects.filter(lead=lead).exists()
    assert predictions_catch_up(now=NOW) == 0
