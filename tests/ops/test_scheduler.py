"""The periodic-job scheduler: each job enqueued once per interval, however many schedulers."""

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
        "partners.weekly_status": timedelta(hours=1),
        "api.idempotency_purge": timedelta(hours=1),
        "ops.database_optimize": timedelta(hours=6),
        "nurture.touches_due": timedelta(minutes=1),
        "sales.task_reminders": timedelta(minutes=1),
        "reports.refresh": timedelta(minutes=1),
        "reports.mail_due": timedelta(hours=1),
        "billing.statements_due": timedelta(hours=1),
        "scoring.train": timedelta(days=1),
        "scoring.check": timedelta(days=1),
        "scoring.catch_up": timedelta(minutes=5),
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


sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's write lock; PostgreSQL has nothing to do"
)
BUSY_TIMEOUT = 1.5


@pytest.fixture
def sqlite_file(transactional_db: None, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A file-based SQLite database configured as the product's (WAL, IMMEDIATE transactions),
    with a short busy timeout, under an alias of its own; a lead-like table with an index."""
    alias, path = "sqlite_file", tmp_path / "leadflow.sqlite3"
    options = {**connections["default"].settings_dict["OPTIONS"], "timeout": BUSY_TIMEOUT}
    connections.settings[alias] = {
        **connections["default"].settings_dict,
        "NAME": str(path),
        "OPTIONS": options,
    }
    try:
        # Connected here, so the test case's guard against unlisted databases lets it through.
        connections[alias].connect()
        with connections[alias].cursor() as cursor:
            cursor.execute("CREATE TABLE lead (id INTEGER PRIMARY KEY, rating TEXT)")
            cursor.execute("CREATE INDEX lead_rating ON lead (rating)")
            cursor.executemany("INSERT INTO lead (rating) VALUES (%s)", [(r,) for r in "hab" * 500])
        yield alias, path
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


def _hold_write_lock(path: Path, seconds: float) -> threading.Thread:
    """Another process's writer: a second connection holding the write lock for ``seconds``."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO lead (rating) VALUES ('c')")

    def release() -> None:
        time.sleep(seconds)
        holder.execute("COMMIT")
        holder.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


@sqlite_only
def test_database_optimize_waits_for_another_writer_then_refreshes_the_statistics(
    sqlite_file: tuple[str, Path],
) -> None:
    alias, path = sqlite_file
    holder = _hold_write_lock(path, seconds=0.5)
    started = time.monotonic()
    try:
        assert database_optimize(using=alias) == "optimized"
    finally:
        holder.join()
    assert time.monotonic() - started >= 0.4  # it waited for the lock, as writers do
    with sqlite3.connect(path) as reader:
        stats = reader.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'lead'").fetchall()
    assert ("lead_rating",) in stats


@sqlite_only
def test_database_optimize_on_a_database_that_stays_busy_is_left_for_the_next_run(
    sqlite_file: tuple[str, Path],
) -> None:
    alias, path = sqlite_file
    holder = _hold_write_lock(path, seconds=BUSY_TIMEOUT + 1)
    try:
        assert database_optimize(using=alias) == "busy: left for the next run"
    finally:
        holder.join()
    assert database_optimize(using=alias) == "optimized"


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
