"""``leadflow serve``: the web app, its background task worker and the periodic-job scheduler,
stopped together by Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the web app and the background task worker until interrupted."
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to listen on")

    def handle(self, *args: Any, **options: Any) -> None:
        base = [sys.executable, "-m", "leadflow.cli"]
        # The children may cache their compiled modules: with PYTHONDONTWRITEBYTECODE each of
        # them would compile Django and every dependency again at every start.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        processes = {
            "web": subprocess.Popen([*base, "runserver", options["addr"], "--noreload"], env=env),
            "worker": subprocess.Popen(
                [*base, "db_worker", "--interval", "1", "--no-reload"], env=env
            ),
            "scheduler": subprocess.Popen([*base, "scheduler"], env=env),
        }
        self.stdout.write(f"LeadFlow is running at http://{options['addr']}/ (Ctrl-C stops it)")
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} exited with status {process.returncode}")
                        stopping = True
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stdout.write("LeadFlow stopped.")
