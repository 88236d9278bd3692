"""``leadflow serve``: the web app under gunicorn, a task worker per queue (urgent, default,
sends, bulk) and the periodic-job scheduler, kept running by a supervisor and stopped together
by Ctrl-C or SIGTERM."""

import os
import signal
import sys
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from leadflow.ops.supervisor import ChildSpec, Supervisor


def serve_children(
    *,
    addr: str,
    web_processes: int,
    workers: int,
    queues: Mapping[str, int] | None = None,
    verbosity: int = 1,
) -> list[ChildSpec]:
    """The processes of one LeadFlow machine (docs/DEPLOYMENT.md lists them for a Procfile):
    gunicorn, ``workers`` worker processes for each task queue (each with the queue's threads
    from ``TASK_QUEUES``), and the scheduler."""
    leadflow = [sys.executable, "-m", "leadflow.cli"]
    web = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:leadflow.config.gunicorn",
        "--bind",
        addr,
        "--workers",
        str(web_processes),
    ]
    queues = settings.TASK_QUEUES if queues is None else queues
    return [
        ChildSpec("web", web),
        *(
            ChildSpec(
                f"worker-{queue}-{n}",
                [*leadflow, "worker", "--queue", queue, "--threads", str(threads)],
            )
            for queue, threads in queues.items()
            for n in range(1, workers + 1)
        ),
        ChildSpec(
            "scheduler",
            [*leadflow, "scheduler", *(["--verbosity", str(verbosity)] if verbosity != 1 else [])],
        ),
    ]


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Run the web app (gunicorn), the task workers and the scheduler until interrupted."
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument(
            "--web-processes",
            type=_positive,
            default=None,
            help="gunicorn worker processes (default: WEB_PROCESSES, 2)",
        )
        parser.add_argument(
            "--workers",
            type=_positive,
            default=None,
            help="task worker processes per queue (default: TASK_WORKERS, 1)",
        )

    def serving(self, *, addr: str) -> None:
        """Called once the processes are started, before they are watched: a command built on
        this one (``leadflow start``) says more there."""

    def handle(self, *args: Any, **options: Any) -> None:
        children = serve_children(
            addr=options["addr"],
            web_processes=options["web_processes"] or settings.WEB_PROCESSES,
            workers=options["workers"] or settings.TASK_WORKERS,
            verbosity=options["verbosity"],
        )
        # The children may cache their compiled modules: with PYTHONDONTWRITEBYTECODE each of
        # them would compile Django and every dependency again at every start.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        supervisor = Supervisor(children, env=env)
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(f"LeadFlow is running at http://{options['addr']}/ (Ctrl-C stops it)")
        self.stdout.flush()
        self.serving(addr=options["addr"])
        supervisor.run(stopping=lambda: stopping)
        self.stdout.write("LeadFlow stopped.")
