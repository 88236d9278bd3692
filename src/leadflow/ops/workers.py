"""The task worker process (``leadflow worker``): threads that take tasks from one set of queues,
and a heartbeat that tells the others it is alive.

Each thread is a django-tasks-db worker loop: it claims the next ready task of its queues
under a row lock the other threads and processes skip, runs it, and records the outcome. The
process writes its heartbeat (``WorkerHeartbeat``) before it takes any task and every
``TASK_HEARTBEAT`` seconds after; the scheduler runs again a task whose worker stopped beating
(``ops.services.tasks_recover``). On SIGTERM or SIGINT the threads finish the task they hold
and the process exits, removing its heartbeat; a second signal exits at once (the lease then
brings the unfinished tasks back).
"""

import logging
import os
import secrets
import signal
import socket
import threading
from collections.abc import Sequence
from datetime import datetime
from types import FrameType
from typing import Any

from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from leadflow.ops.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def process_id() -> str:
    """A name for this worker process that no other process, here or on another machine, has
    had: the host, the pid and a random part (pids are reused)."""
    host = socket.gethostname()[:40]
    return f"{host}:{os.getpid()}:{secrets.token_hex(3)}"


def thread_worker_id(process: str, number: int) -> str:
    """What a thread writes into the tasks it claims: its process, a slash, its number."""
    return f"{process}/{number}"


def worker_process_of(worker_id: str) -> str:
    return worker_id.split("/", 1)[0]


class _QueueWorker(Worker):
    """One thread's loop; the process handles the signals."""


class WorkerProcess:
    """``threads`` workers of ``queues`` in this process, with their heartbeat."""

    def __init__(
        self,
        *,
        queues: Sequence[str],
        threads: int,
        interval: float,
        heartbeat: float,
        backend_name: str = "default",
    ) -> None:
        self.queues = list(queues)
        self.threads = threads
        self.interval = interval
        self.heartbeat = heartbeat
        self.process = process_id()
        self._stop = threading.Event()
        self._started_at: datetime | None = None
        self._workers = [
            _QueueWorker(
                queue_names=self.queues,
                interval=interval,
                batch=False,
                backend_name=backend_name,
                startup_delay=False,
                max_tasks=None,
                worker_id=thread_worker_id(self.process, number),
                excluded_queue_names=[],
            )
            for number in range(1, threads + 1)
        ]

    def beat(self, *, now: datetime | None = None) -> None:
        now = now or timezone.now()
        self._started_at = self._started_at or now
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.process,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "queues": ",".join(self.queues)[:200],
                "threads": self.threads,
                "started_at": self._started_at,
                "beat_at": now,
            },
        )

    def stop(self) -> None:
        """Finish the tasks in hand, then return from ``run``."""
        for worker in self._workers:
            worker.running = False
        self._stop.set()

    def run(self) -> None:
        self.beat()
        logger.info(
            "worker %s started: queues %s, %d thread(s)",
            self.process,
            ",".join(self.queues),
            self.threads,
        )
        threads = [
            threading.Thread(target=self._loop, args=(worker,), name=worker.worker_id, daemon=True)
            for worker in self._workers
        ]
        for thread in threads:
            thread.start()
        try:
            while not self._stop.wait(self.heartbeat):
                if not any(thread.is_alive() for thread in threads):
                    break
                self._beat_safely()
        finally:
            self.stop()
            for thread in threads:
                thread.join()
            WorkerHeartbeat.objects.filter(worker_id=self.process).delete()
            connection.close()
            logger.info("worker %s stopped", self.process)

    def _beat_safely(self) -> None:
        try:
            close_old_connections()
            self.beat()
        except Exception:  # a missed beat is retried at the next; the lease is several beats
            logger.exception("worker %s could not write its heartbeat", self.process)

    def _loop(self, worker: _QueueWorker) -> None:
        try:
            while worker.running:
                try:
                    worker.run()
                except Exception:  # the database went away: wait, then take tasks again
                    logger.exception("worker %s: taking a task failed", worker.worker_id)
                    self._stop.wait(max(self.interval, 1.0))
        finally:
            connection.close()


def serve_until_signalled(process: WorkerProcess) -> None:
    """Run ``process`` until SIGTERM or SIGINT; a second signal exits at once."""
    signals = 0

    def handle(signum: int, frame: FrameType | None) -> Any:
        nonlocal signals
        signals += 1
        if signals > 1:
            logger.warning("worker %s: second %s, exiting now", process.process, signum)
            os._exit(1)
        logger.info("worker %s: finishing the tasks in hand", process.process)
        process.stop()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    process.run()
