"""Reads of the task system: the queues' backlog and the workers that are alive (``/readyz``)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, DateTimeField, F, Min, Q, Value
from django.db.models.functions import Greatest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from leadflow.ops.models import WorkerHeartbeat


@dataclass(frozen=True, slots=True)
class QueueState:
    name: str
    ready: int  # every task in the queue not yet taken, delayed ones included
    waiting: int  # of those, the ones that may run now
    running: int
    #: How long the oldest task that may run now has waited: since it was enqueued, or since
    #: its ``run_after`` when that is later. None when none may run.
    oldest_wait_seconds: float | None
    workers: int  # live worker processes taking this queue
    last_beat_seconds: float | None  # since the freshest heartbeat of those workers


def queues_state(*, now: datetime) -> list[QueueState]:
    """Every configured queue in ``TASK_QUEUES`` order (most urgent first), then any other queue
    that holds tasks; the one reading of the queues for ``/readyz`` and ``/metrics``."""
    never = get_date_max()
    runnable = Q(run_after=never) | Q(run_after__lte=now)
    since = Greatest(F("enqueued_at"), F("run_after"), output_field=DateTimeField())
    rows = {
        row["queue_name"]: row
        for row in DBTaskResult.objects.filter(
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
        )
        .values("queue_name")
        .annotate(
            ready=Count("pk", filter=Q(status=TaskResultStatus.READY)),
            waiting=Count("pk", filter=Q(status=TaskResultStatus.READY) & runnable),
            running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
            undelayed=Min(
                "enqueued_at", filter=Q(status=TaskResultStatus.READY, run_after=Value(never))
            ),
            delayed=Min(since, filter=Q(status=TaskResultStatus.READY, run_after__lte=now)),
        )
        .order_by()
    }
    cutoff = now - timedelta(seconds=settings.TASK_LEASE)
    beats: dict[str, list[datetime]] = {}
    for queues, beat_at in WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).values_list(
        "queues", "beat_at"
    ):
        for name in queues.split(","):
            beats.setdefault(name, []).append(beat_at)
    names = [*settings.TASK_QUEUES, *sorted(set(rows) - set(settings.TASK_QUEUES))]
    states = []
    for name in names:
        row = rows.get(name, {})
        since_at = [at for at in (row.get("undelayed"), row.get("delayed")) if at is not None]
        seen = beats.get(name, [])
        states.append(
            QueueState(
                name=name,
                ready=row.get("ready", 0),
                waiting=row.get("waiting", 0),
                running=row.get("running", 0),
                oldest_wait_seconds=(
                    max(0.0, (now - min(since_at)).total_seconds()) if since_at else None
                ),
                workers=len(seen),
                last_beat_seconds=(now - max(seen)).total_seconds() if seen else None,
            )
        )
    return states
