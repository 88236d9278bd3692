"""``/metrics``: Prometheus's text format for the bearer of METRICS_TOKEN only, with the request
durations and what the database says now (task queues, outbox, SLA sweep, imports)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from itertools import chain, repeat
from pathlib import Path

import pytest
import time_machine
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families
from pytest_django.fixtures import Settings

from leadflow.accounts.models import User
from leadflow.imports.services.jobs import import_job_create
from leadflow.imports.services.run import import_run
from leadflow.leads.models import Lead
from leadflow.notifications.models import MessageStatus, OutboxMessage
from leadflow.notifications.services import email_enqueue, webhook_enqueue
from leadflow.partners.models import Assignment, Partner
from leadflow.partners.services import leads_route, sla_sweep
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.partners.conftest import make_approved, make_partner, partner_program
from tests.tasks import IMMEDIATE

__all__ = ["make_approved", "make_partner", "partner_program"]
pytestmark = pytest.mark.usefixtures("plain_http")

TOKEN = "s3cret-metrics-token"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
BACKEND = {
    "default": {
        "BACKEND": "leadflow.lib.taskbackend.DatabaseBackend",
        "QUEUES": ["urgent", "default", "sends", "bulk"],
    }
}


@task(queue_name="urgent")
def urgent_job() -> None:
    """Enqueued, never run."""


@task(queue_name="bulk")
def bulk_job() -> None:
    """Enqueued, never run."""


@pytest.fixture
def token(settings: Settings) -> str:
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client: Client) -> Samples:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.content
    return samples(response.content.decode())


def samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


@pytest.mark.django_db
def test_without_a_token_setting_there_is_no_metrics_page(
    client: Client, settings: Settings
) -> None:
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.django_db
def test_without_the_token_the_answer_is_401(client: Client, token: str) -> None:
    for header in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        response = client.get("/metrics", headers=header)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert b"leadflow_" not in response.content


@pytest.mark.django_db
def test_with_the_token_every_metric_is_listed(client: Client, token: str) -> None:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    names = {family.name for family in text_string_to_metric_families(response.content.decode())}
    assert names >= {
        "leadflow_http_request_duration_seconds",
        "leadflow_task_queue_depth",
        "leadflow_task_queue_oldest_age_seconds",
        "leadflow_tasks_running",
        "leadflow_outbox_backlog",
        "leadflow_outbox_failed_total",
        "leadflow_outbox_oldest_pending_age_seconds",
        "leadflow_sla_reassignments",  # a counter: its sample is ..._total
        "leadflow_import_rows_per_second",
        "leadflow_import_rows",
    }
    text = response.content.decode()
    assert "leadflow_sla_reassignments_total 0.0" in text
    assert "leadflow_import_rows_total 0.0" in text


@pytest.mark.django_db
def test_request_durations_are_counted_by_url_pattern_and_status_class(
    client: Client, token: str
) -> None:
    def count(found: Samples, route: str, status: str) -> float:
        key = ("leadflow_http_request_duration_seconds_count", route, status)
        return sum(
            v
            for (name, labels), v in found.items()
            if (name, dict(labels).get("route"), dict(labels).get("status")) == key
        )

    before = scrape(client)
    client.get("/healthz")
    client.get("/healthz")
    client.get("/leads/41/")  # signed out: sent to sign in
    client.get("/leads/42/")
    client.get("/no/such/page/")
    after = scrape(client)
    assert count(after, "healthz", "2xx") - count(before, "healthz", "2xx") == 2
    assert (
        count(after, "leads/<int:lead_id>/", "3xx") - count(before, "leads/<int:lead_id>/", "3xx")
        == 2
    )
    assert count(after, "unmatched", "4xx") - count(before, "unmatched", "4xx") == 1
    assert not any("41" in str(labels) for _, labels in after)
    # the first scrape is counted too, under its own pattern
    assert count(after, "metrics", "2xx") >= 1


@pytest.mark.django_db
@override_settings(TASKS=BACKEND)
def test_queue_depth_age_and_running_tasks_per_queue(client: Client, token: str) -> None:
    with time_machine.travel(NOW, tick=False):
        oldest = urgent_job.enqueue()
    with time_machine.travel(NOW + timedelta(minutes=9), tick=False):
        urgent_job.enqueue()
        bulk_job.enqueue()
        bulk_job.using(run_after=NOW + timedelta(hours=1)).enqueue()  # not runnable yet
        running = bulk_job.enqueue()
    DBTaskResult.objects.get(id=running.id).claim("a-worker")
    assert DBTaskResult.objects.get(id=oldest.id).status == "READY"
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        found = scrape(client)
    depth = "leadflow_task_queue_depth"
    age = "leadflow_task_queue_oldest_age_seconds"
    running_ = "leadflow_tasks_running"
    assert [value(found, depth, queue=q) for q in ("urgent", "default", "sends", "bulk")] == [
        2,
        0,
        0,
        2,
    ]
    assert value(found, age, queue="urgent") == 600.0  # enqueued at NOW, ten minutes ago
    assert value(found, age, queue="bulk") == 60.0  # the delayed one does not count
    assert value(found, age, queue="sends") == 0.0
    assert value(found, running_, queue="bulk") == 1
    assert value(found, running_, queue="urgent") == 0


@pytest.mark.django_db
@override_settings(TASKS=BACKEND)
def test_a_delayed_task_counts_its_age_from_when_it_could_run(client: Client, token: str) -> None:
    with time_machine.travel(NOW, tick=False):
        bulk_job.using(run_after=NOW + timedelta(minutes=5)).enqueue()
    with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
        bulk_job.enqueue()  # could run at once, but a minute after the delayed one could
    with time_machine.travel(NOW + timedelta(minutes=7), tick=False):
        found = scrape(client)
    assert value(found, "leadflow_task_queue_oldest_age_seconds", queue="bulk") == 120.0


@pytest.mark.django_db
def test_outbox_backlog_failures_and_the_oldest_pending_message(client: Client, token: str) -> None:
    for n in range(3):
        email_enqueue(key=f"t:{n}:email", to=["a@example.com"], subject="s", body="b", now=NOW)
    webhook_enqueue(
        key="t:hook", url="https://hooks.example.com/x", secret="k", event="e", payload={}, now=NOW
    )
    email_enqueue(
        key="t:later:email",
        to=["a@example.com"],
        subject="s",
        body="b",
        now=NOW + timedelta(minutes=30),
    )
    OutboxMessage.objects.filter(key="t:0:email").update(status=MessageStatus.SENDING)
    OutboxMessage.objects.filter(key="t:1:email").update(status=MessageStatus.FAILED)
    OutboxMessage.objects.filter(key="t:2:email").update(status=MessageStatus.SENT)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        found = scrape(client)
    assert value(found, "leadflow_outbox_backlog", kind="email") == 2  # sending + pending
    assert value(found, "leadflow_outbox_backlog", kind="webhook") == 1
    assert value(found, "leadflow_outbox_failed_total", kind="email") == 1
    assert value(found, "leadflow_outbox_failed_total", kind="webhook") == 0
    # the webhook, pending since NOW
    assert value(found, "leadflow_outbox_oldest_pending_age_seconds") == 3600.0


@pytest.mark.django_db
@override_settings(TASKS=IMMEDIATE)
def test_each_lead_the_sla_sweep_takes_from_a_partner_is_counted(
    client: Client,
    token: str,
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
    make_user: Callable[..., User],
) -> None:
    make_partner("Slow", program_level="platinum")
    make_partner("Quick", program_level="gold")
    with time_machine.travel(NOW, tick=False):
        lead = make_approved(partner_program, "b")
        (routed,) = leads_route(lead_ids=[lead.pk], now=timezone.now())
    first = Assignment.objects.get(pk=routed.assignment_id)
    assert value(scrape(client), "leadflow_sla_reassignments_total") == 0
    with time_machine.travel(first.claim_due + timedelta(hours=9), tick=False):
        result = sla_sweep(now=timezone.now())
    assert result.violations == 1
    assert value(scrape(client), "leadflow_sla_reassignments_total") == 1


def _clock(start_seconds: float, end_seconds: float) -> Callable[[], object]:
    """The import's clock: its first reading (the start) at ``start_seconds`` after NOW, every
    later one (the chunks, the end) at ``end_seconds``."""
    ticks: Iterator[float] = chain([start_seconds], repeat(end_seconds))
    return lambda: NOW + timedelta(seconds=next(ticks))


@pytest.mark.django_db
def test_import_rows_and_the_speed_of_the_last_finished_import(
    client: Client, token: str, program: Program, tmp_path: Path
) -> None:
    header = "First Name,Last Name,Email,Company,Country\n"

    def import_file(name: str, rows: int, start: float, end: float) -> None:
        path = tmp_path / name
        path.write_text(
            header + "".join(f"P,N{i},{name}{i}@example.com,Firm,US\n" for i in range(rows)),
            encoding="utf-8",
        )
        job, _ = import_job_create(
            program=program, path=path, original_name=name, uploaded_by=None, now=NOW
        )
        import_run(job=job, clock=_clock(start, end))  # type: ignore[arg-type]

    import_file("first.csv", 10, 0, 4)  # 2.5 rows/s
    import_file("second.csv", 6, 3600, 3603)  # 2 rows/s, finished last
    found = scrape(client)
    assert value(found, "leadflow_import_rows_total") == 16
    assert value(found, "leadflow_import_rows_per_second") == 2.0


# --- gunicorn: the request durations of every web process in one scrape ----------------------

LEADFLOW = str(Path(sys.executable).parent / "leadflow")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _hold(port: int) -> socket.socket:
    """A connection that sends half a request: the sync worker that accepts it waits for the
    rest, so the next connections go to the other process."""
    held = socket.create_connection(("127.0.0.1", port), timeout=10)
    held.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    time.sleep(0.5)  # accepted by now
    return held


def _release(held: socket.socket) -> None:
    held.sendall(b"Connection: close\r\n\r\n")
    answer = held.recv(65536)
    held.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "PROMETHEUS_MULTIPROC_DIR", "LOG_FORMAT"}
    }
    env = {
        **base,
        "LEADFLOW_VAR_DIR": str(tmp_path),
        "DEBUG": "0",
        "HTTPS": "0",
        "METRICS_TOKEN": TOKEN,
    }
    subprocess.run(
        [LEADFLOW, "migrate", "--noinput"], env=env, check=True, capture_output=True, timeout=120
    )
    stale = tmp_path / "prometheus" / "histogram_999999.db"
    stale.parent.mkdir()
    stale.write_bytes(b"left by a run before")
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn"),
                *("--config", "python:leadflow.config.gunicorn"),
                *("--bind", f"127.0.0.1:{port}", "--workers", "2"),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            booted = log.read_text().count("Booting worker")
            try:
                # /metrics without the token: an answer that counts under another pattern
                if booted == 2 and _get(f"http://127.0.0.1:{port}/metrics")[0] == 401:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        else:
            raise AssertionError(f"gunicorn did not start: {log.read_text()}")
        assert not stale.exists()
        yield port, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def test_gunicorn_s_processes_add_up_in_one_scrape(gunicorn: tuple[int, Path]) -> None:
    port, log = gunicorn
    url = f"http://127.0.0.1:{port}"
    first = _hold(port)  # one process waits on it
    for _ in range(3):
        assert _get(f"{url}/healthz")[0] == 200  # answered by the other
    second = _hold(port)  # now the other waits too
    _release(first)  # the first answers, and is free again
    for _ in range(3):
        assert _get(f"{url}/healthz")[0] == 200  # answered by the first
    _release(second)
    status, text = _get(f"{url}/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200, text
    counts = [
        v
        for (name, labels), v in samples(text).items()
        if name == "leadflow_http_request_duration_seconds_count"
        and dict(labels)["route"] == "healthz"
    ]
    # 4 answers each: one process alone could not report 8
    assert sum(counts) == 8

    status, _ = _get(f"{url}/accounts/login/", {"X-Request-ID": "through-gunicorn"})
    assert status == 200
    time.sleep(0.3)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    (access,) = [line for line in lines if line.get("request_id") == "through-gunicorn"]
    assert (access["logger"], access["path"], access["status"]) == (
        "leadflow.access",
        "/accounts/login/",
        200,
    )
