"""What a worker of the ``bulk`` queue does with the queued backtest runs, for tests that use
the database task backend (the default): the run waits in the queue until the test runs it."""

from django_tasks_db.models import DBTaskResult


def backtests_run_queued() -> int:
    """Run every backtest run that waits in the queue; returns how many ran."""
    queued = list(DBTaskResult.objects.ready().filter(task_path__endswith=".backtest_run_task"))
    for row in queued:
        row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
    return len(queued)
