"""gunicorn's settings for the web app (``gunicorn -c python:leadflow.config.gunicorn``).

``leadflow serve`` passes ``--bind`` and ``--workers`` on top of these; run on its own (the
``Procfile``, a systemd unit) it binds ``0.0.0.0:$PORT`` when ``PORT`` is set and runs
``WEB_PROCESSES`` sync workers. Anything else can be set in ``GUNICORN_CMD_ARGS``.
"""

import os
from pathlib import Path
from typing import Any, cast

from leadflow.config.env import env_int
from leadflow.config.settings import LOG_FORMAT, LOGGING, VAR_DIR

wsgi_app = "leadflow.config.wsgi:application"
bind = [f"0.0.0.0:{os.environ['PORT']}"] if os.environ.get("PORT") else ["127.0.0.1:8000"]
workers = env_int("WEB_PROCESSES", 2)
# Sync workers: one request per process at a time, measured faster than runserver on both
# /healthz and the sign-in page (docs/DEPLOYMENT.md); the pages do no long polling.
worker_class = "sync"
timeout = 30
graceful_timeout = 10
# Behind a proxy on the same machine; X-Forwarded-* is honoured by Django's own settings.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 27 would open a control socket in the home directory, one path for every
# gunicorn of the user: two LeadFlows on one machine would take each other's.
control_socket_disable = True
# Without it, a worker that serves for months grows with whatever it cached.
max_requests = 10_000
max_requests_jitter = 1_000

# /metrics sums the request durations of every web process (prometheus_client's multiprocess
# mode, leadflow.lib.metrics): each process writes its samples to files in
# PROMETHEUS_MULTIPROC_DIR, by default $LEADFLOW_VAR_DIR/prometheus, emptied at every start so a
# scrape counts this run's processes only. Set here, before the processes start, because
# prometheus_client picks its mode when first imported.
_metrics_dir = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or VAR_DIR / "prometheus")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)


def on_starting(server: Any) -> None:
    _metrics_dir.mkdir(parents=True, exist_ok=True)
    for stale in _metrics_dir.glob("*.db"):
        stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


# gunicorn's own lines (workers booting, exiting, timing out) in the format of the app's
# (LOG_FORMAT, settings.LOGGING): one JSON object a line in production. Its access log stays
# off (the app writes one line per request); `--access-logfile -` turns it on, in its format.
if LOG_FORMAT == "json":
    logconfig_dict = {
        "root": {"level": "INFO", "handlers": ["json"]},
        "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["json"], "propagate": False}},
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "formatters": {"json": cast(dict[str, Any], LOGGING)["formatters"]["json"]},
    }
