"""Reads of the task system: the queues' backlog and the workers that are alive (``/readyz``)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from leadflow.ops.models import WorkerHeartbeat


@dataclass(frozen=True, slots=True)
class QueueState:
    name: str
    waiting: int  # ready to run now
    running: int
    oldest_wait_seconds: float | None  # how long the oldest waiting task has been ready
    workers: int  # live worker processes taking this queue
    last_beat_seconds: float | None  # since the freshest heartbeat of those workers


def queues_state(*, now: datetime) -> list[QueueState]:
    """Every configured queue, in ``TASK_QUEUES`` order (most urgent first)."""
    due = Q(run_after=get_date_max()) | Q(run_after__lte=now)
    rows = {
        row["queue_name"]: row
        for row in DBTaskResult.objects.filter(
            Q(status=TaskResultStatus.RUNNING) | (Q(status=TaskResultStatus.READY) & due)
        )
        .values("queue_name")
        .annotate(
            waiting=Count("pk", filter=Q(status=TaskResultStatus.READY)),
            running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
            oldest=Min("enqueued_at", filter=Q(status=TaskResultStatus.READY)),
        )
    }
    cutoff = now - timedelta(seconds=settings.TASK_LEASE)
    beats: dict[str, list[datetime]] = {}
    for queues, beat_at in WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).values_list(
        "queues", "beat_at"
    ):
        for name in queues.split(","):
            beats.setdefault(name, []).append(beat_at)
    states = []
    for name in settings.TASK_QUEUES:
        row = rows.get(name, {})
        oldest = row.get("oldest")
        seen = beats.get(name, [])
        states.append(
            QueueState(
                name=name,
                waiting=row.get("waiting", 0),
                running=row.get("running", 0),
                oldest_wait_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else None,
                workers=len(seen),
                last_beat_seconds=(now - max(seen)).total_seconds() if seen else None,
            )
        )
    return states
