"""The task backend: django-tasks-db's database backend, storing with every task the request id
bound when it was enqueued, so that the task's log lines carry the id of the request that
asked for it (``leadflow.lib.tracing``).

The id goes into the task's ``args_kwargs`` JSON as ``{"context": {"request_id": …}}`` beside
``args`` and ``kwargs``; django-tasks-db reads only those two keys back
(``DBTaskResult.task_result``), so a task enqueued by this backend runs under any worker and a
task stored before it runs here (without an id).

A worker binds the id while it runs a task with ``task_bound`` (or runs the task body with
``run_with_context``); a task enqueued outside a request gets ``task-<its id>``. The stock
``db_worker`` binds it through django-tasks' ``task_started`` signal.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

from django_tasks import TaskContext, TaskResult
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.signals import task_finished, task_started
from django_tasks_db import backend as db_backend
from django_tasks_db.compat import normalize_json

from leadflow.lib import tracing

if TYPE_CHECKING:
    from django_tasks_db.models import DBTaskResult


class DatabaseBackend(db_backend.DatabaseBackend):
    """``django_tasks_db.DatabaseBackend`` that stores the bound request id with each task, in
    the same INSERT as the task."""

    # The models are imported when used, as django-tasks-db does: a backend may be built before
    # the apps are loaded.
    def _task_to_db_task(self, task: Any, args: Any, kwargs: Any) -> "DBTaskResult":
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.create(**self._db_task_fields(task, args, kwargs))

    async def _atask_to_db_task(self, task: Any, args: Any, kwargs: Any) -> "DBTaskResult":
        from django_tasks_db.models import DBTaskResult

        return await DBTaskResult.objects.acreate(**self._db_task_fields(task, args, kwargs))

    def _db_task_fields(self, task: Any, args: Any, kwargs: Any) -> dict[str, Any]:
        """The columns django-tasks-db writes for a task, plus the request id."""
        args_kwargs: dict[str, Any] = normalize_json({"args": args, "kwargs": kwargs})
        rid = tracing.request_id()
        if rid:
            args_kwargs["context"] = {"request_id": rid}
        return {
            "id": self._get_id(),
            "args_kwargs": args_kwargs,
            "priority": task.priority,
            "task_path": task.module_path,
            "queue_name": task.queue_name,
            "run_after": task.run_after,
            "backend_name": self.alias,
        }


def task_request_id(args_kwargs: Mapping[str, Any]) -> str | None:
    """The request id stored with a task (``None`` for a task enqueued outside a request)."""
    context = args_kwargs.get("context")
    value = context.get("request_id") if isinstance(context, Mapping) else None
    return value if isinstance(value, str) and value else None


def task_trace_id(db_task_result: "DBTaskResult") -> str:
    """The id a task's log lines carry: its request's, or ``task-<id>`` without one."""
    return task_request_id(db_task_result.args_kwargs) or f"task-{db_task_result.id}"


@contextmanager
def task_bound(db_task_result: "DBTaskResult") -> Iterator[str | None]:
    """Bind the task's id (``task_trace_id``) for the block: a worker wraps each task run."""
    with tracing.bound(task_trace_id(db_task_result)) as value:
        yield value


def run_with_context(db_task_result: "DBTaskResult") -> Any:
    """Run a claimed task's body under its request id and return what it returned; recording
    the result (``set_successful`` / ``set_failed``) stays the worker's."""
    task = db_task_result.task
    result = db_task_result.task_result
    with task_bound(db_task_result):
        if task.takes_context:
            return task.call(TaskContext(task_result=result), *result.args, **result.kwargs)
        return task.call(*result.args, **result.kwargs)


# The stock db_worker (and ``leadflow worker``'s threads, which run its loop) announce each
# task's start and end, one task at a time per thread: the id is bound in between, and the one
# bound before is restored at the end.
_started: ContextVar[Token[str | None] | None] = ContextVar("leadflow_task_started", default=None)


def _bind_started(sender: type[BaseTaskBackend], task_result: TaskResult, **kwargs: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    db_result = getattr(task_result, "db_result", None)
    if isinstance(db_result, DBTaskResult):
        _unbind_finished(sender, task_result)  # a start without its end (the task failed to load)
        _started.set(tracing.bind(task_trace_id(db_result)))


def _unbind_finished(sender: type[BaseTaskBackend], task_result: TaskResult, **kwargs: Any) -> None:
    token = _started.get()
    if token is not None:
        _started.set(None)
        tracing.unbind(token)


task_started.connect(_bind_started, dispatch_uid="leadflow.lib.taskbackend.started")
task_finished.connect(_unbind_finished, dispatch_uid="leadflow.lib.taskbackend.finished")
