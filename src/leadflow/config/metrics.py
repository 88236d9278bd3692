"""What ``/metrics`` computes from the database at each scrape: one function per app, over the
rows that app owns, listed here as data (dotted paths) like ``schedule.py``'s jobs, so that
``leadflow.ops.metrics`` (which serves the scrape) names no app above it.

Each function takes ``now`` (keyword-only) and returns prometheus_client metric families. The
request durations are not here: every web process records its own (``leadflow.lib.metrics``).
"""

#: The metric functions, in the order their metrics are listed.
COLLECTORS = (
    "leadflow.ops.metrics.task_metrics",
    "leadflow.notifications.metrics.outbox_metrics",
    "leadflow.partners.metrics.sla_metrics",
    "leadflow.imports.metrics.import_metrics",
)
