"""The metrics a web process records itself (the request durations), and the registry a scrape
of ``/metrics`` reads them from.

gunicorn runs several web processes, and a scrape reaches one of them: with
``PROMETHEUS_MULTIPROC_DIR`` set (``config/gunicorn.py`` sets it, under ``LEADFLOW_VAR_DIR``,
before the processes start) every process writes its samples to files there and a scrape sums
the files of all of them (prometheus_client's multiprocess mode). Without it (``runserver``,
the tests) the samples stay in the process. What the database knows (queues, outbox …) is not
recorded here but read at scrape time by the collectors of ``config/metrics.py``.
"""

import os
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

#: The samples of this process (multiprocess mode: its files in PROMETHEUS_MULTIPROC_DIR).
PROCESS_REGISTRY = CollectorRegistry()

HTTP_REQUEST_DURATION = Histogram(
    "leadflow_http_request_duration_seconds",
    "Time to answer a request, by method, URL pattern and status class.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=PROCESS_REGISTRY,
)


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUEST_DURATION.labels(method=method, route=route, status=f"{status // 100}xx").observe(
        seconds
    )


def scrape_registry(collectors: Iterable[Collector] = ()) -> CollectorRegistry:
    """A registry for one scrape: every web process's samples (or this process's alone outside
    multiprocess mode) and the given collectors, which compute theirs now."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(registry)
    else:
        registry.register(PROCESS_REGISTRY)
    for collector in collectors:
        registry.register(collector)
    return registry
