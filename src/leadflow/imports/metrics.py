"""The imports' metrics for ``/metrics`` (``config/metrics.py``): rows imported, and the speed
of the last import that finished."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Sum
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from leadflow.imports.models import ImportJob, ImportStatus

#: An import that ran to its end (an undone one did too).
FINISHED = (ImportStatus.DONE, ImportStatus.UNDONE)


def import_metrics(*, now: datetime) -> Iterable[Metric]:
    total = ImportJob.objects.aggregate(rows=Sum("processed_rows"))["rows"] or 0
    last = (
        ImportJob.objects.filter(
            status__in=FINISHED, started_at__isnull=False, finished_at__isnull=False
        )
        .order_by("-finished_at", "-id")
        .values("processed_rows", "started_at", "finished_at")
        .first()
    )
    rate = 0.0
    if last is not None and last["started_at"] and last["finished_at"]:
        seconds = (last["finished_at"] - last["started_at"]).total_seconds()
        rate = last["processed_rows"] / seconds if seconds > 0 else 0.0
    return [
        CounterMetricFamily(
            "leadflow_import_rows", "Rows of files read by imports, every import.", value=total
        ),
        GaugeMetricFamily(
            "leadflow_import_rows_per_second",
            "Rows per second of the last import that finished (0 before the first).",
            value=rate,
        ),
    ]
