"""``GET /metrics``: Prometheus's text format, for the bearer of ``METRICS_TOKEN``.

A scrape answers the request durations of every web process (``leadflow.lib.metrics``) and
what the database says now: the task queues (here: the ``ops`` app runs them), and the metrics
of the apps listed in ``config/metrics.py`` (outbox, SLA sweep, imports), each computed by the
app that owns the rows. Without ``METRICS_TOKEN`` the page does not exist (404); a request
without the token, or with another, is 401.
"""

import hmac
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from leadflow.config.metrics import COLLECTORS
from leadflow.lib.metrics import scrape_registry
from leadflow.ops.selectors import queues_state


def task_metrics(*, now: datetime) -> Iterable[Metric]:
    """Per queue (``ops.selectors.queues_state``): the tasks not yet taken (delayed ones
    included), how long the oldest runnable one has waited, and the tasks running."""
    depth_family = GaugeMetricFamily(
        "leadflow_task_queue_depth", "Tasks waiting to run, by queue.", labels=["queue"]
    )
    age_family = GaugeMetricFamily(
        "leadflow_task_queue_oldest_age_seconds",
        "Seconds the oldest task that may run now has waited, by queue (0 when none).",
        labels=["queue"],
    )
    running_family = GaugeMetricFamily(
        "leadflow_tasks_running", "Tasks being run by a worker, by queue.", labels=["queue"]
    )
    for state in sorted(queues_state(now=now), key=lambda state: state.name):
        depth_family.add_metric([state.name], state.ready)
        age_family.add_metric([state.name], state.oldest_wait_seconds or 0.0)
        running_family.add_metric([state.name], state.running)
    return [depth_family, age_family, running_family]


class DatabaseCollector:
    """The metrics of ``config/metrics.py``'s functions, computed at each scrape."""

    def __init__(self, paths: Iterable[str] = COLLECTORS) -> None:
        self.paths = tuple(paths)

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        for path in self.paths:
            yield from import_string(path)(now=now)


def authorized(request: HttpRequest, token: str) -> bool:
    """The request bears ``token`` (``Authorization: Bearer …``), compared in constant time."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("metrics are off")
    if not authorized(request, token):
        response = HttpResponse("A metrics token is needed.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body = generate_latest(scrape_registry([DatabaseCollector()]))
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
