"""The periodic-job scheduler: each job enqueued once per interval, however many schedulers."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django_tasks_db.models import DBTaskResult

from leadflow.config.schedule import PERIODIC_JOBS, PeriodicJob
from leadflow.ops.models import PeriodicJobState
from leadflow.ops.services import database_optimize, scheduler_tick

NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
JOBS = (
    PeriodicJob("a", "leadflow.ops.tasks.database_optimize_task", timedelta(minutes=5)),
    PeriodicJob("b", "leadflow.ops.tasks.database_optimize_task", timedelta(hours=1)),
)
pytestmark = pytest.mark.django_db(transaction=True)


def test_every_job_runs_at_the_first_tick_then_after_its_interval() -> None:
    assert scheduler_tick(now=NOW, jobs=JOBS) == ["a", "b"]
    assert scheduler_tick(now=NOW + timedelta(minutes=4), jobs=JOBS) == []
    assert scheduler_tick(now=NOW + timedelta(minutes=5), jobs=JOBS) == ["a"]
    assert scheduler_tick(now=NOW + timedelta(hours=1), jobs=JOBS) == ["a", "b"]
    assert DBTaskResult.objects.count() == 5
    state = PeriodicJobState.objects.get(name="b")
    assert state.next_run_at == NOW + timedelta(hours=2)


def test_the_schedule_runs_the_product_s_periodic_work() -> None:
    every = {job.name: job.every for job in PERIODIC_JOBS}
    assert every == {
        "outbox.send_due": timedelta(minutes=1),
        "delivery.run_due": timedelta(minutes=5),
        "delivery.hot_alert": timedelta(minutes=10),
        "partners.sla_sweep": timedelta(minutes=5),
        "partners.routing_queue": timedelta(minutes=5),
        "partners.routing_queue_alert": timedelta(minutes=10),
        "api.idempotency_purge": timedelta(hours=1),
        "ops.database_optimize": timedelta(hours=6),
        "nurture.touches_due": timedelta(minutes=1),
        "sales.task_reminders": timedelta(minutes=1),
        "reports.refresh": timedelta(minutes=1),
        "reports.mail_due": timedelta(hours=1),
    }


def test_every_scheduled_task_exists_and_can_be_enqueued() -> None:
    assert {job.name for job in PERIODIC_JOBS} <= set(scheduler_tick(now=NOW))
    assert DBTaskResult.objects.count() == len(PERIODIC_JOBS)


def test_the_scheduler_command_runs_one_tick(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("scheduler", "--once")
    assert "enqueued outbox.send_due" in capsys.readouterr().out


def test_database_optimize_runs_on_either_database() -> None:
    expected = "optimized" if connection.vendor == "sqlite" else "nothing to do"
    assert database_optimize() == expected


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL")
def test_concurrent_schedulers_enqueue_a_due_job_once() -> None:
    scheduler_tick(now=NOW, jobs=JOBS)  # rows exist; the next runs are due at +5 min and +1 h
    DBTaskResult.objects.all().delete()
    schedulers = 6
    barrier = threading.Barrier(schedulers)
    enqueued: list[str] = []
    errors: list[BaseException] = []

    def tick() -> None:
        try:
            barrier.wait()
            enqueued.extend(scheduler_tick(now=NOW + timedelta(hours=1), jobs=JOBS))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tick) for _ in range(schedulers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(enqueued) == ["a", "b"]
    assert DBTaskResult.objects.count() == 2
