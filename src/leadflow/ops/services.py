"""The scheduler's tick and the database upkeep it runs."""

from collections.abc import Sequence
from datetime import datetime

from django.db import connection, transaction
from django.utils.module_loading import import_string

from leadflow.config.schedule import PERIODIC_JOBS, PeriodicJob
from leadflow.ops.models import PeriodicJobState


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


def database_optimize() -> str:
    """Refresh the planner's statistics: SQLite's ``PRAGMA optimize`` after bulk loads (the
    lead list sorts badly without them); PostgreSQL's autovacuum does this by itself."""
    if connection.vendor != "sqlite":
        return "nothing to do"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA optimize")
    return "optimized"
