"""The web backtest of a history file (issue 19, item 4; docs/SCORING.md, "Backtest a history
file"), in the background: the page stores the upload and queues its run, the run gives the
figures of ``leadflow scoring backtest`` (default folds and seed) or the reason in plain words,
and the upload is deleted once either is recorded.

Fitting a large history takes longer than a web request may last (gunicorn's 30 s), so the
request only stores the file; ``scoring.tasks.backtest_run_task`` runs it on the ``bulk``
queue. A run is safe to run again (a worker that died is replaced, ``ops.services.
tasks_recover``): a finished backtest is left as it is, and an unfinished one is run again from
its stored file.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.files import File
from django.utils import timezone

from leadflow.accounts.models import User
from leadflow.core.scoring import Schema, ScoringError, Settings, metrics_json, model_train
from leadflow.imports.services.jobs import import_max_bytes
from leadflow.programs.models import Program
from leadflow.scoring.files import history_file_read
from leadflow.scoring.models import Backtest, BacktestStatus

log = logging.getLogger(__name__)

#: What a backtest whose run the task queue gave up says (its worker was stopped again and
#: again, ``TASK_MAX_RUNS``: a file too large for the worker's memory or time, or an error).
GIVEN_UP = (
    "The backtest stopped before it finished and was given up: try a smaller file, or ask an "
    "administrator to look at the task workers' log."
)

#: What a file that fails for any other reason than a ScoringError says (a hostile file, a
#: reader that gave up): the details go to the log, never to the page.
UNREADABLE = "This file cannot be read as a CSV or XLSX history."


def backtest_create(
    *,
    program: Program,
    requested_by: User,
    upload: File[bytes],
    outcome: str,
    positive: str,
    excluded: tuple[str, ...],
    now: datetime,
) -> Backtest:
    """Store an uploaded history file and its reading options as a queued backtest (the view
    enqueues its run once this has committed). Raises ScoringError for a file over the import
    size limit: it is refused before it is stored."""
    size = int(upload.size or 0)
    if size > import_max_bytes():
        raise ScoringError(
            f"the file is larger than the import limit of {import_max_bytes() // 1_000_000} MB"
        )
    original_name = Path(upload.name or "history").name[:255] or "history"
    suffix = Path(original_name).suffix.lower()
    suffix = suffix if suffix in (".csv", ".xlsx") else ""
    backtest = Backtest(
        program=program,
        requested_by=requested_by,
        original_name=original_name,
        size=size,
        outcome=outcome.strip(),
        positive=positive.strip(),
        excluded=list(excluded),
        created_at=now,
    )
    # A name of our own: the sender's name is shown, never used as a path.
    backtest.file.save(f"{uuid.uuid4().hex}{suffix}", upload, save=False)
    backtest.save()
    return backtest


def backtest_enqueue(*, backtest: Backtest) -> Backtest:
    """Queue the run of a stored backtest (after ``backtest_create`` committed) and remember
    its task, so that its page can tell a run the queue gave up (``backtest_check``)."""
    from leadflow.scoring.tasks import backtest_run_task

    queued = backtest_run_task.enqueue(backtest.pk)
    Backtest.objects.filter(pk=backtest.pk).update(task_id=str(queued.id))
    backtest.refresh_from_db()
    return backtest


def backtest_check(*, backtest: Backtest, now: datetime) -> Backtest:
    """A backtest still queued or running whose task has failed (the queue gave it up after
    ``TASK_MAX_RUNS`` starts, or the run raised) is recorded failed with ``GIVEN_UP`` and its
    upload deleted, so its page stops waiting: the task queue does not know the scoring app,
    so the backtest's page asks it. Anything else is returned as it is."""
    from django_tasks import TaskResultStatus
    from django_tasks.exceptions import TaskResultDoesNotExist

    from leadflow.scoring.tasks import backtest_run_task

    if backtest.is_finished or not backtest.task_id:
        return backtest
    if not backtest_run_task.get_backend().supports_get_result:
        return backtest
    try:
        status = backtest_run_task.get_result(backtest.task_id).status
    except TaskResultDoesNotExist:
        return backtest
    if status != TaskResultStatus.FAILED:
        return backtest
    Backtest.objects.filter(
        pk=backtest.pk, status__in=[BacktestStatus.QUEUED, BacktestStatus.RUNNING]
    ).update(status=BacktestStatus.FAILED, message=GIVEN_UP, finished_at=now)
    backtest.refresh_from_db()
    _upload_delete(backtest)
    return backtest


def backtest_run(
    *, backtest_id: int, now: datetime, clock: Callable[[], datetime] = timezone.now
) -> Backtest:
    """Run a queued backtest: read its stored file with the command's reader, cross-validate
    the product's model on it, and record the figures, or the reason in plain words, with the
    status in one write; then delete the stored file. ``clock`` gives the time it finished."""
    claimed = Backtest.objects.filter(
        pk=backtest_id, status__in=[BacktestStatus.QUEUED, BacktestStatus.RUNNING]
    ).update(status=BacktestStatus.RUNNING, started_at=now)
    backtest = Backtest.objects.get(pk=backtest_id)
    if claimed:
        result, message = _outcome(backtest)
        status = BacktestStatus.FAILED if message else BacktestStatus.DONE
        # Only a run still running records: a second run of the same task (a worker thought
        # dead) that finishes later, or finds the file gone, changes nothing.
        Backtest.objects.filter(pk=backtest.pk, status=BacktestStatus.RUNNING).update(
            status=status, result=result, message=message, finished_at=clock()
        )
        backtest.refresh_from_db()
    _upload_delete(backtest)
    return backtest


def _outcome(backtest: Backtest) -> tuple[dict[str, Any], str]:
    """The result to record and the failure's sentence ("" when it ran)."""
    if not backtest.file:
        return {}, "The uploaded file is no longer stored: upload it again."
    path = Path(backtest.file.path)
    excluded = tuple(backtest.excluded)
    try:
        history = history_file_read(
            path,
            outcome=backtest.outcome,
            positive=backtest.positive or None,
            excluded=excluded,
        )
        model = model_train(
            history.records,
            history.outcomes,
            schema=Schema(excluded=frozenset(excluded)),
            settings=Settings(),
            outcome_column=backtest.outcome,
        )
    except ScoringError as exc:
        return {}, _sentence(str(exc), path)
    except Exception:  # a hostile file fails its own backtest, never the worker
        log.exception("backtest %s of an uploaded file failed", backtest.pk)
        return {}, UNREADABLE
    return {
        "figures": metrics_json(model.metrics),
        "kind": model.kind,
        "refused": [{"column": item.column, "reason": item.reason} for item in model.plan.refused],
    }, ""


def _upload_delete(backtest: Backtest) -> None:
    """Delete the stored upload (also what a run that died after recording left behind)."""
    if not backtest.file:
        return
    backtest.file.storage.delete(backtest.file.name)
    Backtest.objects.filter(pk=backtest.pk).update(file="")
    backtest.file.name = ""


def _sentence(text: str, path: Path) -> str:
    """The reader's message as a sentence, without the stored copy's path it names."""
    text = text.strip()
    for prefix in (f"{path}: ", f"{path.name}: "):
        text = text.removeprefix(prefix)
    text = text.replace(str(path), "the file").replace(path.name, "the file")
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
