"""When each periodic job last ran and runs next (one row per job of config/schedule.py)."""

from django.db import models


class PeriodicJobState(models.Model):
    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (next {self.next_run_at:%Y-%m-%d %H:%M:%S})"


class WorkerHeartbeat(models.Model):
    """A running task worker process (``leadflow worker``), heard of every few seconds.

    A task that a worker claimed is run again when its worker has not beaten for the lease
    (``TASK_LEASE``): the worker died (a crash, ``kill -9``, the machine went away)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    queues = models.CharField(max_length=200)
    threads = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()

    class Meta:
        ordering = ["queues", "started_at"]

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.queues})"
