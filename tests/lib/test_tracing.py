"""The request id: taken from the caller or made, echoed, put on every log line, stored with the
tasks a request enqueues and bound again while they run."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path
from django_tasks import task
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from leadflow.config.urls import urlpatterns as product
from leadflow.lib.taskbackend import run_with_context, task_request_id, task_trace_id
from leadflow.lib.tracing import HEADER, bound, request_id, request_id_from

pytestmark = pytest.mark.usefixtures("plain_http")

SEEN: list[str | None] = []
log = logging.getLogger("leadflow.tests.tracing")


@task()
def remember(note: str) -> str:
    """A task that notes which request id it runs under, and logs a line."""
    SEEN.append(request_id())
    log.info("remembered %s", note)
    return note


def enqueue_view(request: HttpRequest) -> HttpResponse:
    log.info("enqueuing")
    result = remember.enqueue("from a request")
    return HttpResponse(str(result.id))


def item_view(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(str(pk))


urlpatterns = [
    path("tracing/enqueue/", enqueue_view),
    path("tracing/items/<int:pk>/", item_view),
    *product,
]

BACKEND = {
    "default": {
        "BACKEND": "leadflow.lib.taskbackend.DatabaseBackend",
        "QUEUES": ["default"],
    }
}


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    SEEN.clear()
    yield
    SEEN.clear()


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the configured console handler (settings.LOGGING, JSON with DEBUG off) writes, into
    a buffer: the same formatter and request-id filter on a handler of the root logger."""
    (console,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(console.formatter)
    for filter_ in console.filters:
        handler.addFilter(filter_)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield out
    finally:
        root.removeHandler(handler)


def _records(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_sane_request_id_is_kept_and_anything_else_replaced() -> None:
    assert request_id_from("abc-123_X.y") == "abc-123_X.y"
    assert request_id_from("a" * 64) == "a" * 64
    for wrong in (None, "", "a" * 65, "has space", "new\nline", "semi;colon", "é"):
        made = request_id_from(wrong)
        assert made != wrong
        assert len(made) == 32
        assert int(made, 16) >= 0


def test_bound_binds_for_the_block_and_restores_the_previous_id() -> None:
    assert request_id() is None
    with bound("outer"):
        with bound("inner"):
            assert request_id() == "inner"
        assert request_id() == "outer"
    assert request_id() is None


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_caller_s_request_id_is_echoed(client: Client) -> None:
    response = client.get("/healthz", headers={HEADER: "edge-42.a_b"})
    assert response[HEADER] == "edge-42.a_b"


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_request_without_a_usable_id_gets_a_new_one_each_time(client: Client) -> None:
    first = client.get("/healthz")[HEADER]
    second = client.get("/healthz", headers={HEADER: "x" * 65})[HEADER]
    assert len(first) == len(second) == 32
    assert first != second


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@override_settings(TASKS=BACKEND)
def test_the_request_id_is_stored_with_the_task_and_bound_when_it_runs(client: Client) -> None:
    response = client.get("/tracing/enqueue/", headers={HEADER: "req-1"})
    db_task = DBTaskResult.objects.get(id=response.content.decode())
    assert db_task.args_kwargs["context"] == {"request_id": "req-1"}
    assert task_request_id(db_task.args_kwargs) == "req-1"
    assert db_task.task_result.args == ["from a request"]  # the extra key is ignored
    assert run_with_context(db_task) == "from a request"
    assert SEEN == ["req-1"]
    assert request_id() is None


@pytest.mark.django_db
@override_settings(TASKS=BACKEND)
def test_a_task_enqueued_outside_a_request_runs_under_its_own_id() -> None:
    result = remember.enqueue("from the scheduler")
    db_task = DBTaskResult.objects.get(id=result.id)
    assert "context" not in db_task.args_kwargs
    assert task_request_id(db_task.args_kwargs) is None
    run_with_context(db_task)
    assert SEEN == [f"task-{db_task.id}"] == [task_trace_id(db_task)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls(__name__)
@override_settings(TASKS=BACKEND)
def test_the_stock_db_worker_binds_the_request_id_of_the_task(
    client: Client, json_lines: io.StringIO
) -> None:
    client.get("/tracing/enqueue/", headers={HEADER: "req-worker"})
    with bound(None):
        remember.enqueue("no request")
    with bound("the-worker"):  # a worker that binds an id of its own keeps it
        Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test-worker",
            excluded_queue_names=[],
        ).run()
        assert request_id() == "the-worker"
    assert sorted(SEEN, key=str) == sorted(
        ["req-worker", f"task-{DBTaskResult.objects.get(args_kwargs__args=['no request']).id}"]
    )
    assert request_id() is None
    lines = {r["message"]: r["request_id"] for r in _records(json_lines)}
    assert lines["remembered from a request"] == "req-worker"


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@override_settings(TASKS=BACKEND)
def test_log_lines_are_json_with_the_request_id_and_one_access_line(
    client: Client, json_lines: io.StringIO
) -> None:
    client.get("/tracing/items/7/?secret=yes", headers={HEADER: "req-json"})
    client.get("/healthz", headers={HEADER: "req-probe"})
    records = _records(json_lines)
    (access,) = [r for r in records if r["logger"] == "leadflow.access"]
    assert access["level"] == "INFO"
    assert access["request_id"] == "req-json"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/tracing/items/7/", 200)
    assert isinstance(access["duration_ms"], float)
    assert "secret" not in json_lines.getvalue()
    assert {"timestamp", "message"} <= set(access)


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@override_settings(TASKS=BACKEND)
def test_a_line_logged_by_a_view_carries_its_request_id_and_errors_their_traceback(
    client: Client, json_lines: io.StringIO
) -> None:
    client.get("/tracing/enqueue/", headers={HEADER: "req-view"})
    with bound("req-error"):
        try:
            raise RuntimeError("it broke")
        except RuntimeError:
            log.exception("failed")
    records = {r["message"]: r for r in _records(json_lines)}
    assert records["enqueuing"]["request_id"] == "req-view"
    assert records["failed"]["request_id"] == "req-error"
    assert records["failed"]["level"] == "ERROR"
    assert "RuntimeError: it broke" in str(records["failed"]["exc_info"])


def test_nothing_is_bound_outside_a_request(json_lines: io.StringIO) -> None:
    log.warning("alone")
    (record,) = _records(json_lines)
    assert record["request_id"] is None


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_django_s_not_found_line_carries_the_request_id_and_no_query_string(
    client: Client, json_lines: io.StringIO
) -> None:
    client.get("/no/such/page/?signature=abc123", headers={HEADER: "req-404"})
    (line,) = [r for r in _records(json_lines) if r["logger"] == "django.request"]
    assert line["request_id"] == "req-404"
    assert line["level"] == "WARNING"
    assert "abc123" not in json_lines.getvalue()
