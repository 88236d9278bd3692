"""``leadflow scheduler``: enqueue the periodic jobs (config/schedule.py) when they are due, and
put back in their queue the tasks whose worker died (``ops.services.tasks_recover``)."""

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from leadflow.ops.services import scheduler_tick, tasks_recover


class Command(BaseCommand):
    help = "Enqueue the periodic jobs when due, every --interval seconds (or --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=15.0, help="seconds between ticks")
        parser.add_argument("--once", action="store_true", help="one tick, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        if not options["once"]:
            signal.signal(signal.SIGINT, stop)
            signal.signal(signal.SIGTERM, stop)
        while True:
            close_old_connections()
            for name in scheduler_tick(now=timezone.now()):
                if options["verbosity"] >= 1:
                    self.stdout.write(f"enqueued {name}")
            recovered = tasks_recover(now=timezone.now())
            for task_id in recovered.requeued:
                self.stdout.write(f"requeued task {task_id}: its worker stopped")
            for task_id in recovered.failed:
                self.stdout.write(f"failed task {task_id}: its workers stopped too often")
            if options["once"] or stopping:
                break
            slept = 0.0
            while slept < options["interval"] and not stopping:
                time.sleep(0.5)
                slept += 0.5
            if stopping:
                break
