"""``leadflow worker``: run tasks of some queues, in threads, with a heartbeat (ops.workers)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from leadflow.ops.workers import WorkerProcess, serve_until_signalled


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Run the tasks of the given queues (urgent, default, sends, bulk) until interrupted."
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue",
            default="default",
            help="the queue to take tasks from, or several separated by commas",
        )
        parser.add_argument(
            "--threads",
            type=_positive,
            default=None,
            help="tasks run at once (default: the queue's TASK_QUEUES setting)",
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between looks at an empty queue"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        queues = [name.strip() for name in options["queue"].split(",") if name.strip()]
        unknown = sorted(set(queues) - set(settings.TASK_QUEUES))
        if not queues or unknown:
            known = ", ".join(settings.TASK_QUEUES)
            raise CommandError(f"unknown queue {', '.join(unknown) or '(none)'}: use {known}")
        threads = options["threads"] or max(settings.TASK_QUEUES[name] for name in queues)
        serve_until_signalled(
            WorkerProcess(
                queues=queues,
                threads=threads,
                interval=options["interval"],
                heartbeat=float(settings.TASK_HEARTBEAT),
            )
        )
