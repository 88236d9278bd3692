"""Background work of predictive scoring: the daily training and check
(``config/schedule.py``), the catch-up of leads captured meanwhile, a training a manager asked
for, the re-scoring after a training or a switch, and the backtest of an uploaded history
file; thin wrappers of ``services``."""

from typing import Any

from django.utils import timezone
from django_tasks import task

from leadflow.scoring.services.backtests import backtest_run
from leadflow.scoring.services.training import (
    leads_score_new,
    model_train_for,
    predictions_catch_up,
    predictions_refresh,
    scoring_check,
    scoring_train,
)


@task(queue_name="bulk")
def scoring_train_task() -> dict[str, Any]:
    results = scoring_train(now=timezone.now())
    return {"trained": sum(1 for result in results if result.model is not None)}


@task(queue_name="default")
def scoring_check_task() -> dict[str, int]:
    return scoring_check(now=timezone.now())


@task(queue_name="bulk")
def predictions_catch_up_task() -> dict[str, int]:
    return {"scored": predictions_catch_up(now=timezone.now())}


@task(queue_name="bulk")
def model_train_task(*, client_id: int, program_id: int | None) -> dict[str, Any]:
    """A training a manager asked for on the model page: the client's model, then the
    program's own (each only with enough outcomes)."""
    now = timezone.now()
    results = [model_train_for(client_id=client_id, program_id=None, now=now)]
    if program_id is not None:
        results.append(model_train_for(client_id=client_id, program_id=program_id, now=now))
    return {"messages": [result.message for result in results]}


@task(queue_name="bulk")
def predictions_refresh_task(*, client_id: int, program_id: int | None) -> dict[str, int]:
    now = timezone.now()
    return {"scored": predictions_refresh(client_id=client_id, program_id=program_id, now=now)}


@task(queue_name="default")
def leads_score_task(*, lead_ids: list[int]) -> dict[str, int]:
    return {"scored": leads_score_new(lead_ids=lead_ids, now=timezone.now())}


@task(queue_name="bulk")
def backtest_run_task(backtest_id: int) -> dict[str, Any]:
    """A history file a manager uploaded for a backtest (minutes of fitting for a large one:
    slow work, like an import)."""
    backtest = backtest_run(backtest_id=backtest_id, now=timezone.now())
    return {"status": backtest.status, "message": backtest.message}
