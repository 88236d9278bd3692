"""The SLA sweep's metric for ``/metrics`` (``config/metrics.py``): the leads it took from a
partner for a missed clock, each recorded as one ``Violation`` and handed on (reassigned, or
queued when no partner could take it)."""

from collections.abc import Iterable
from datetime import datetime

from prometheus_client.core import CounterMetricFamily, Metric

from leadflow.partners.models import Violation


def sla_metrics(*, now: datetime) -> Iterable[Metric]:
    return [
        CounterMetricFamily(
            "leadflow_sla_reassignments",
            "Leads the SLA sweep took from a partner for a missed clock (one violation each).",
            value=Violation.objects.count(),
        )
    ]
