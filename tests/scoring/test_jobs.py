"""The periodic jobs: the daily training and the daily check, whose alert reaches the
program's managers through the outbox when the AUC on recent outcomes falls."""

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.accounts.models import Role
from leadflow.notifications.models import OutboxMessage
from leadflow.programs.models import Program
from leadflow.scoring.models import ScoringModel
from leadflow.scoring.services.training import _auc, model_train_for, scoring_check
from leadflow.scoring.tasks import scoring_check_task, scoring_train_task
from tests import factories as f
from tests.scoring.outcomes import history

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("few_outcomes")]
NOW = f.NOW


def _on(program: Program) -> ScoringModel:
    history(program, won=30, lost=30)
    model = model_train_for(client_id=program.client_id, program_id=None, now=NOW).model
    assert model is not None
    ScoringModel.objects.filter(pk=model.pk).update(active=True)
    model.refresh_from_db()
    return model


def test_the_daily_training_task_trains_what_has_enough_history(program: Program) -> None:
    history(program, won=25, lost=25)
    assert scoring_train_task.call() == {"trained": 2}  # the client's and the program's
    assert scoring_train_task.call() == {"trained": 0}


def test_the_check_stores_the_auc_by_month_of_outcomes_since_training(program: Program) -> None:
    model = _on(program)
    history(program, won=15, lost=15, at=NOW - timedelta(days=20), start=300, seed=2)
    assert scoring_check(now=NOW + timedelta(days=20)) == {"checked": 1, "alerted": 0}
    model.refresh_from_db()
    (month,) = model.metrics["monitoring"]
    assert month["month"] == "2026-11"
    assert month["outcomes"] == 30
    assert month["auc"] > 0.6


def test_a_fall_in_auc_alerts_the_programs_managers_once_per_month(
    program: Program, make_user
) -> None:
    manager = make_user(Role.MANAGER, clients=(program.client,), email="mona@example.com")
    make_user(Role.MANAGER, programs=(f.program(client=f.client_globex(), name="G", slug="g"),),
              email="other@example.com")  # fmt: skip
    model = _on(program)
    history(program, won=15, lost=15, at=NOW - timedelta(days=20), start=300, flipped=True)
    assert scoring_check(now=NOW + timedelta(days=20)) == {"checked": 1, "alerted": 1}
    message = OutboxMessage.objects.get()
    assert message.key == f"scoring-drift:{model.pk}:2026-11"
    assert message.content["to"] == [manager.email]
    assert "AUC fell" in message.content["subject"]
    scoring_check(now=NOW + timedelta(days=21))
    assert OutboxMessage.objects.count() == 1


def test_the_check_task_runs_with_no_model_on(program: Program) -> None:
    assert scoring_check_task.call() == {"checked": 0, "alerted": 0}


@given(
    st.lists(
        st.tuples(st.integers(0, 5).map(float), st.booleans()), min_size=2, max_size=60
    ).filter(lambda pairs: 0 < sum(o for _, o in pairs) < len(pairs))
)
@settings(max_examples=60, deadline=None)
def test_the_monitoring_auc_is_scikit_learns_with_ties_counted_half(pairs) -> None:
    from sklearn.metrics import roc_auc_score

    scores, outcomes = [s for s, _ in pairs], [o for _, o in pairs]
    assert _auc(scores, outcomes) == pytest.approx(roc_auc_score(outcomes, scores))
