"""The task workers: queues by urgency, heartbeats, and the lease that runs again a task whose
worker died — unit rules on both databases, real processes on PostgreSQL."""

import csv
import importlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.models import DBTaskResult

from leadflow.api.tasks import idempotency_purge_task
from leadflow.config.events import SUBSCRIPTIONS
from leadflow.config.schedule import PERIODIC_JOBS
from leadflow.imports import tasks as import_tasks
from leadflow.imports.models import ImportJob, ImportStatus
from leadflow.imports.services.jobs import import_job_create
from leadflow.notifications import tasks as notification_tasks
from leadflow.ops.models import WorkerHeartbeat
from leadflow.ops.services import WORKER_LOST, tasks_recover
from leadflow.ops.workers import thread_worker_id, worker_process_of
from leadflow.programs.models import Program
from tests import processes
from tests.conftest import NOW

pytestmark = pytest.mark.django_db(transaction=True)


def _tasks() -> dict[str, str]:
    """Every task of every LeadFlow app (the ``tasks`` module of each), with its queue."""
    found = {}
    names = [app.name for app in apps.get_app_configs() if app.name.startswith("leadflow.")]
    for name in [*names, "leadflow.lib"]:
        try:
            module = importlib.import_module(f"{name}.tasks")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, Task):
                found[value.module_path] = value.queue_name
    return found


def test_time_critical_work_has_its_own_queue_apart_from_sends_and_bulk_work() -> None:
    queues = _tasks()
    assert set(queues.values()) <= set(settings.TASK_QUEUES)
    urgent = {path.rsplit(".", 1)[1] for path, queue in queues.items() if queue == "urgent"}
    assert urgent == {
        "hot_leads_deliver_task",
        "hot_leads_alert_task",
        "deliveries_run_due_task",
        "sla_sweep_task",
        "routing_queue_drain_task",
        "routing_queue_alert_task",
        "leads_route_task",
        "partner_notifications_task",
    }
    assert queues["leadflow.notifications.tasks.outbox_send_task"] == "sends"
    assert queues["leadflow.notifications.tasks.outbox_send_due_task"] == "sends"
    assert queues["leadflow.imports.tasks.import_job_run"] == "bulk"
    by_event = {(s.event, s.handler.split(".")[1]): s.queue for s in SUBSCRIPTIONS}
    assert by_event[("leads.approved", "delivery")] == "urgent"
    assert by_event[("leads.approved", "partners")] == "urgent"
    assert by_event[("criteria.published", "leads")] == "bulk"
    assert {s.queue for s in SUBSCRIPTIONS} <= set(settings.TASK_QUEUES)
    assert all(job.task in queues for job in PERIODIC_JOBS)


def _running(*, started: int, worker_ids: list[str]) -> DBTaskResult:
    """A task a worker claimed ``started`` seconds before NOW."""
    result = idempotency_purge_task.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=NOW - timedelta(seconds=started),
        worker_ids=worker_ids,
    )
    return DBTaskResult.objects.get(pk=result.id)


def _beat(process: str, *, seconds_ago: int, queues: str = "default") -> None:
    WorkerHeartbeat.objects.create(
        worker_id=process,
        hostname="here",
        pid=1,
        queues=queues,
        threads=1,
        started_at=NOW - timedelta(hours=1),
        beat_at=NOW - timedelta(seconds=seconds_ago),
    )


def test_a_task_whose_worker_stopped_beating_goes_back_to_its_queue() -> None:
    _beat("alive:1:aa", seconds_ago=5)
    _beat("dead:2:bb", seconds_ago=120)
    held = _running(started=300, worker_ids=[thread_worker_id("alive:1:aa", 1)])
    abandoned = _running(started=300, worker_ids=[thread_worker_id("dead:2:bb", 3)])
    unknown = _running(started=300, worker_ids=["a-stock-db-worker"])
    just_claimed = _running(started=5, worker_ids=[thread_worker_id("dead:2:bb", 1)])

    recovered = tasks_recover(now=NOW, lease=timedelta(seconds=60), max_runs=3)

    assert sorted(recovered.requeued) == sorted([str(abandoned.pk), str(unknown.pk)])
    assert recovered.failed == []
    status = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert status[held.pk] == status[just_claimed.pk] == TaskResultStatus.RUNNING
    assert status[abandoned.pk] == status[unknown.pk] == TaskResultStatus.READY
    again = DBTaskResult.objects.get(pk=abandoned.pk)
    assert again.started_at is None
    assert again.worker_ids == [thread_worker_id("dead:2:bb", 3)]  # who ran it stays known
    assert DBTaskResult.objects.ready().filter(pk=abandoned.pk).exists()


def test_a_task_that_its_workers_died_on_too_often_is_failed_with_the_reason() -> None:
    poison = _running(started=300, worker_ids=["w:1:aa/1", "w:2:bb/1", "w:3:cc/1"])
    recovered = tasks_recover(now=NOW, lease=timedelta(seconds=60), max_runs=3)
    assert recovered.failed == [str(poison.pk)]
    poison.refresh_from_db()
    assert poison.status == TaskResultStatus.FAILED
    assert poison.exception_class_path == WORKER_LOST
    assert "stopped 3 times" in poison.traceback


def test_old_heartbeats_of_dead_workers_are_forgotten_after_a_day() -> None:
    _beat("gone:1:aa", seconds_ago=2 * 86_400)
    _beat("recent:1:bb", seconds_ago=3_600)
    tasks_recover(now=NOW)
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["recent:1:bb"]


def test_a_worker_id_names_its_process() -> None:
    assert worker_process_of(thread_worker_id("host:42:ab12cd", 7)) == "host:42:ab12cd"


def test_readyz_reports_each_queue_its_backlog_and_its_workers(client: Client) -> None:
    WorkerHeartbeat.objects.create(
        worker_id="here:1:aa",
        hostname="here",
        pid=1,
        queues="sends",
        threads=8,
        started_at=timezone.now(),
        beat_at=timezone.now() - timedelta(seconds=3),
    )
    waiting = notification_tasks.outbox_send_task.enqueue(1)
    DBTaskResult.objects.filter(pk=waiting.id).update(
        enqueued_at=timezone.now() - timedelta(minutes=2)
    )
    notification_tasks.outbox_send_task.enqueue(2)
    later = notification_tasks.outbox_send_task.using(
        run_after=timezone.now() + timedelta(hours=1)
    ).enqueue(3)
    assert later.id

    body = client.get("/readyz").json()

    assert body["status"] == "ok"
    assert list(body["queues"]) == ["urgent", "default", "sends", "bulk"]
    sends = body["queues"]["sends"]
    assert (sends["waiting"], sends["running"], sends["workers"]) == (2, 0, 1)
    assert 119 <= sends["oldest_wait_seconds"] <= 180
    assert 2 <= sends["last_beat_seconds"] <= 60
    assert body["queues"]["urgent"] == {
        "waiting": 0,
        "running": 0,
        "oldest_wait_seconds": None,
        "workers": 0,
        "last_beat_seconds": None,
    }


# Real processes (PostgreSQL: the workers and the test share the test's database)


def _csv(path: Path, rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First Name", "Last Name", "Email", "Company"])
        for n in range(rows):
            writer.writerow([f"Ada{n}", "Lovelace", f"ada{n}@resume.example", f"Engines {n}"])
    return path


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes need PostgreSQL")
def test_an_import_whose_worker_is_killed_resumes_on_another_worker_exactly_once(
    program: Program, tmp_path: Path
) -> None:
    rows = 12_000
    job, _ = import_job_create(
        program=program,
        original_name="list.csv",
        uploaded_by=None,
        now=timezone.now(),
        path=_csv(tmp_path / "list.csv", rows),
    )
    task = import_tasks.import_job_run.enqueue(job.pk)
    env = processes.database_env(TASK_LEASE="3", TASK_HEARTBEAT="1")
    with processes.running(env) as started:
        first = started.worker("bulk")
        processes.wait_for(
            "two committed chunks",
            lambda: ImportJob.objects.get(pk=job.pk).processed_rows >= 2_000,
            timeout=90,
        )
        started.kill(first)
        killed_at = ImportJob.objects.get(pk=job.pk).processed_rows
        assert killed_at < rows, "the import finished before the worker was killed"
        assert DBTaskResult.objects.get(pk=task.id).status == TaskResultStatus.RUNNING

        scheduler = started.scheduler()
        started.worker("bulk", name="second")
        processes.wait_for(
            "the job to finish",
            lambda: ImportJob.objects.get(pk=job.pk).status == ImportStatus.DONE,
            timeout=120,
        )
        assert f"requeued task {task.id}: its worker stopped" in scheduler.text()
    job.refresh_from_db()
    assert (job.processed_rows, job.created, job.merged, job.rejected) == (rows, rows, 0, 0)
    assert program.leads.count() == rows
    result = DBTaskResult.objects.get(pk=task.id)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert len(result.worker_ids) == 2
    assert worker_process_of(result.worker_ids[0]) != worker_process_of(result.worker_ids[1])
