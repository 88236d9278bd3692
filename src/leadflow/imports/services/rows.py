"""Preparing an import's rows, in this process or in a second one (issue 18, part 1).

Preparing a row (map its cells, normalise and validate it as a single inquiry would be:
``submission_prepare``; qualify it and build the row a new lead would be stored as:
``lead_row_build``) needs no database, only the program, the header's mapping and the
published criteria. A large import does it in a child process while this one de-duplicates
and writes the chunk before: the two cores of a small machine both work, and the results are
the same function's on the same values either way (``tests/imports/test_equivalence.py`` runs
both). The child is a fresh interpreter (``spawn``: no connection, lock or thread of the parent
is inherited), started once per run and given the shared part once; a chunk travels to it as
plain tuples and comes back as one outcome per row: the reason it is refused, or the prepared
inquiry with its built row.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Protocol

from leadflow.core.enums import Channel
from leadflow.imports import child
from leadflow.imports.checks import ImportFileError
from leadflow.imports.mapping import HeaderMap
from leadflow.intake.services.prepare import IntakeRejected, Prepared, submission_prepare
from leadflow.leads.services.create import LeadRow, RowContext, lead_row_build
from leadflow.programs.models import Program
from leadflow.programs.selectors import PublishedCriteria

#: A data row as it travels: its number, its cells and its reading problem ("" when none).
RawRow = tuple[int, list[str], str]
#: What became of a row: the reason it is refused, or the prepared inquiry and its built row.
Outcome = str | tuple[Prepared, LeadRow | None]

#: Rows still to import from which the preparation moves to a second process: below it,
#: starting an interpreter (about a second) costs more than it saves.
CHILD_MIN_ROWS = 20_000


@dataclass(frozen=True)
class RowsSpec:
    """What the preparation of every row of one run shares."""

    program: Program
    header: HeaderMap
    published: PublishedCriteria
    channel: Channel | None
    campaign: str | None
    #: Rows refused before any is placed: their external id names several people.
    conflicts: dict[int, str]


def rows_prepare(
    spec: RowsSpec, rows: Sequence[RawRow], context: RowContext | None
) -> list[Outcome]:
    """Each row refused (with every reason, as one text) or prepared with the row its lead
    would be stored as at ``context``'s moment (none without a context: a dry run)."""
    outcomes: list[Outcome] = []
    program, header, published = spec.program, spec.header, spec.published
    rules = program.source_channel_rules
    for number, values, problem in rows:
        try:
            if problem:
                raise IntakeRejected({"row": problem})
            if number in spec.conflicts:
                raise IntakeRejected({"external_id": spec.conflicts[number]})
            submission = header.submission(
                values, channel=spec.channel, campaign=spec.campaign, source_rules=rules
            )
            prepared = submission_prepare(
                program=program, submission=submission, published=published
            )
        except IntakeRejected as exc:
            outcomes.append(str(exc))
            continue
        built = (
            lead_row_build(context=context, published=published, data=prepared.data)
            if context is not None
            else None
        )
        outcomes.append((prepared, built))
    return outcomes


class Preparer(Protocol):
    def submit(self, rows: Sequence[RawRow], context: RowContext) -> Future[list[Outcome]]: ...

    def close(self) -> None: ...


class InProcess:
    """Prepares each chunk at once, in this process (small imports, dry runs)."""

    def __init__(self, spec: RowsSpec) -> None:
        self.spec = spec

    def submit(self, rows: Sequence[RawRow], context: RowContext) -> Future[list[Outcome]]:
        future: Future[list[Outcome]] = Future()
        try:
            future.set_result(rows_prepare(self.spec, rows, context))
        except BaseException as exc:  # raised where the result is read, as the child's are
            future.set_exception(exc)
        return future

    def close(self) -> None:
        pass


class InChild:
    """Prepares chunks in one child process, in the order they are submitted."""

    def __init__(self, spec: RowsSpec) -> None:
        self.pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=child.start,
            initargs=(os.environ.get("DJANGO_SETTINGS_MODULE", ""), pickle.dumps(spec)),
        )

    def submit(self, rows: Sequence[RawRow], context: RowContext) -> Future[list[Outcome]]:
        try:
            return self.pool.submit(child.prepare, list(rows), context)
        except BrokenProcessPool as exc:
            raise ImportFileError(f"the preparation of the rows stopped: {exc}") from exc

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def preparer_for(spec: RowsSpec, *, rows: int, child: bool | None = None) -> Preparer:
    """The child process for ``rows`` of at least ``CHILD_MIN_ROWS`` (or as ``child`` says)."""
    if child is None:
        child = rows >= CHILD_MIN_ROWS
    return InChild(spec) if child else InProcess(spec)
