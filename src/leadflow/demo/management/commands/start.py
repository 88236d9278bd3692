"""``leadflow start`` (what ``make run`` runs): bring the database up to date, load the demo if it
is not there yet, and serve, all from one Django start (three before: migrate, demo, serve).

The terminal stays readable: the demo's load says how far it is in a few plain lines, the
processes log warnings only (``LOG_LEVEL=INFO`` shows every request again), and the logins come
last, once the web app answers, after "LeadFlow is running at …".
"""

import logging
import os
import threading
import time
import urllib.request
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandParser
from django.db import connections
from django.utils import timezone

from leadflow.demo.seed import DemoResult, demo_load, demo_loaded
from leadflow.ops.management.commands.serve import Command as ServeCommand

#: How long the logins wait for the web app to answer before they are printed anyway.
READY_TIMEOUT = 120.0


class Command(ServeCommand):
    help = "Migrate, load the demo data if it is missing, and run LeadFlow (what `make run` does)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--no-demo", action="store_true", help="migrate and serve, without the demo data"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The children (gunicorn, workers, scheduler) inherit the environment.
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        os.environ.setdefault("GUNICORN_CMD_ARGS", "--log-level warning")
        quiet = os.environ["LOG_LEVEL"].upper() != "INFO"
        if quiet:
            logging.getLogger("leadflow.ops.supervisor").setLevel(logging.WARNING)
        self.stdout.write("Bringing the database up to date …")
        call_command("migrate", interactive=False, verbosity=0)
        self.result: DemoResult | None = None
        if not options["no_demo"]:
            if not demo_loaded():
                self.stdout.write("Loading the demo data (the first time takes a few minutes) …")
            self.result = demo_load(now=timezone.now(), progress=self._line)
            if self.result.created:
                self.stdout.write(f"Demo data loaded: {self.result.leads} leads.")
        connections.close_all()  # the supervisor itself needs no database
        # Quiet, the scheduler does not say each job it enqueues.
        super().handle(*args, **{**options, "verbosity": 0 if quiet else options["verbosity"]})

    def _line(self, text: str) -> None:
        self.stdout.write(f"  {text}")
        self.stdout.flush()

    def serving(self, *, addr: str) -> None:
        if self.result is None:
            return
        threading.Thread(target=self._logins_when_ready, args=(addr,), daemon=True).start()

    def _logins_when_ready(self, addr: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://{addr}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        assert self.result is not None
        self.stdout.write(f"Sign in at http://{addr}/ with:")
        for username, password, role in self.result.logins:
            self.stdout.write(f"  {username:<10} {password:<16} {role}")
        self.stdout.flush()
