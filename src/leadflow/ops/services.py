"""The scheduler's tick and the database upkeep it runs."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction
from django.utils.module_loading import import_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from leadflow.config.schedule import PERIODIC_JOBS, PeriodicJob
from leadflow.ops.models import PeriodicJobState, WorkerHeartbeat
from leadflow.ops.workers import worker_process_of

logger = logging.getLogger(__name__)

#: What a task run too often by workers that died is failed with.
WORKER_LOST = "leadflow.ops.WorkerLost"


def scheduler_tick(*, now: datetime, jobs: Sequence[PeriodicJob] = PERIODIC_JOBS) -> list[str]:
    """Enqueue every job that is due and move its next run on; the names enqueued.

    A new job runs at the first tick. Each due job is taken under a row lock that other
    schedulers skip (PostgreSQL), so concurrent ticks enqueue it once; the enqueue and the
    new ``next_run_at`` commit together with the database task backend.
    """
    by_name = {job.name: job for job in jobs}
    PeriodicJobState.objects.bulk_create(
        [PeriodicJobState(name=name, next_run_at=now) for name in by_name],
        ignore_conflicts=True,
    )
    enqueued: list[str] = []
    with transaction.atomic():
        due = (
            PeriodicJobState.objects.select_for_update(skip_locked=True)
            .filter(name__in=list(by_name), next_run_at__lte=now)
            .order_by("name")
        )
        for state in due:
            job = by_name[state.name]
            result = import_string(job.task).enqueue()
            state.last_run_at = now
            state.next_run_at = now + job.every
            state.last_task_id = str(result.id)[:64]
            state.save(update_fields=["last_run_at", "next_run_at", "last_task_id"])
            enqueued.append(job.name)
    return enqueued


#: Rows ANALYZE reads per index: approximate statistics in milliseconds, whatever the size.
ANALYSIS_LIMIT = 1000


def database_optimize(*, using: str = DEFAULT_DB_ALIAS) -> str:
    """Refresh the planner's statistics on SQLite after bulk loads (the lead list sorts badly
    without them); PostgreSQL's autovacuum does this by itself.

    It is a writer like any other: ``transaction.atomic`` begins ``IMMEDIATE`` (the SQLite
    settings), so it waits up to the busy timeout for the write lock that a load, a migration
    or a worker holds. Run outside a transaction, the statement would take a read lock first
    and then need the write lock, and SQLite answers such an upgrade "database is locked" at
    once, without waiting (what the first start logged). A database that stays busy past the
    timeout is left for the next run: statistics can wait, no error is raised.

    ``ANALYZE`` under a row limit rather than ``PRAGMA optimize``: this runs in a fresh task
    connection that has queried no table, and before SQLite 3.46 ``optimize`` only analyzes
    tables the connection has queried, so it did nothing here."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return "nothing to do"
    try:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA analysis_limit=0")
    except OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        logger.info("database statistics not refreshed: the database stayed busy (%s)", exc)
        return "busy: left for the next run"
    return "optimized"


@dataclass(frozen=True, slots=True)
class Recovered:
    requeued: list[str]
    failed: list[str]


def tasks_recover(
    *, now: datetime, lease: timedelta | None = None, max_runs: int | None = None
) -> Recovered:
    """Run again the tasks whose worker died while running them; the scheduler's every tick.

    A running task is abandoned when the worker process that claimed it last has not beaten
    for ``lease`` (``TASK_LEASE``) and the task started before that. It goes back to its
    queue, to be run from the start (every task is safe to run again: imports resume from
    their last committed chunk, sends are claimed under the outbox's own lease). A task that
    has already been started ``max_runs`` times is failed instead, so that a task that kills
    its worker cannot kill every worker in turn. Several schedulers may run this at once: each
    task is taken under a row lock the others skip.
    """
    lease = lease or timedelta(seconds=settings.TASK_LEASE)
    max_runs = max_runs or settings.TASK_MAX_RUNS
    cutoff = now - lease
    alive = set(
        WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).values_list("worker_id", flat=True)
    )
    requeued: list[str] = []
    failed: list[str] = []
    with transaction.atomic():
        running = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status=TaskResultStatus.RUNNING, started_at__lt=cutoff
        )
        for result in running:
            claimed_by = result.worker_ids[-1] if result.worker_ids else ""
            if worker_process_of(claimed_by) in alive:
                continue
            if len(result.worker_ids) >= max_runs:
                result.status = TaskResultStatus.FAILED
                result.finished_at = now
                result.exception_class_path = WORKER_LOST
                result.traceback = (
                    f"The worker running this task stopped {len(result.worker_ids)} times "
                    f"(last: {claimed_by or 'unknown'}); it is not run again."
                )
                result.save(
                    update_fields=["status", "finished_at", "exception_class_path", "traceback"]
                )
                failed.append(str(result.pk))
            else:
                result.status = TaskResultStatus.READY
                result.started_at = None
                result.save(update_fields=["status", "started_at"])
                requeued.append(str(result.pk))
        WorkerHeartbeat.objects.filter(beat_at__lt=now - timedelta(days=1)).delete()
    return Recovered(requeued=requeued, failed=failed)
