"""The outbox's metrics for ``/metrics`` (``config/metrics.py``): what waits to be sent, what
was given up, and how long the oldest message has waited."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Min
from prometheus_client.core import GaugeMetricFamily, Metric

from leadflow.notifications.models import MessageKind, MessageStatus, OutboxMessage

BACKLOG = (MessageStatus.PENDING, MessageStatus.SENDING)


def outbox_metrics(*, now: datetime) -> Iterable[Metric]:
    counts = {kind: dict.fromkeys(MessageStatus, 0) for kind in MessageKind}
    oldest: datetime | None = None
    for row in OutboxMessage.objects.values("kind", "status").annotate(
        n=Count("id"), oldest=Min("created_at")
    ):
        counts.setdefault(row["kind"], {})[row["status"]] = row["n"]
        if row["status"] == MessageStatus.PENDING and row["oldest"] is not None:
            oldest = row["oldest"] if oldest is None else min(oldest, row["oldest"])
    backlog = GaugeMetricFamily(
        "leadflow_outbox_backlog",
        "Outbox messages waiting to be sent or being sent, by kind.",
        labels=["kind"],
    )
    failed = GaugeMetricFamily(
        "leadflow_outbox_failed_total",
        "Outbox messages given up after their last try, by kind (a retry takes one off).",
        labels=["kind"],
    )
    for kind, by_status in counts.items():
        backlog.add_metric([kind], sum(by_status.get(status, 0) for status in BACKLOG))
        failed.add_metric([kind], by_status.get(MessageStatus.FAILED, 0))
    age = GaugeMetricFamily(
        "leadflow_outbox_oldest_pending_age_seconds",
        "Seconds since the oldest message still waiting to be sent was queued (0 when none).",
        value=max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0,
    )
    return [backlog, failed, age]
