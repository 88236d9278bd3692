"""The chunked run of a bulk import of a CSV or XLSX file into a program (issue 4, "Lead
intake", parts 5 and 6).

Every row goes the way of a single inquiry (``submission_prepare``: normalise and validate), is
de-duplicated against the program's leads and the rows before it in the file, and becomes a new
lead (``leads_create_bulk``) or is merged into the lead it matches (``leads_merge_bulk``), with
the same events and qualification as any other capture.

Rows are processed in chunks; each chunk is one transaction that also records the job's progress
and rejected rows, so a row is written whole or not at all, and the job's counts always describe
what the database holds. Importing the same file into the same program again resumes the
unfinished job after its last committed chunk (``imports.services.jobs``); and whatever happens,
the de-duplication index (preloaded with one query, refreshed for each chunk's keys under the
captures' locks: ``imports.services.dedupe``) and the external ids keep a second run, or a
capture during the run, from creating duplicates. ``import_rows_classify`` classifies the rows
the same way without writing: the mapping step's dry run (``imports.services.preview``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from leadflow.accounts.models import User
from leadflow.core.dedupe import Possible, external_id_conflicts, repeated_external_ids
from leadflow.core.enums import Channel
from leadflow.imports.mapping import HeaderMap
from leadflow.imports.models import ImportJob, ImportRejectedRow, ImportStatus
from leadflow.imports.reading import ImportFileError, Row, Table, open_table
from leadflow.imports.services.dedupe import Companies, FileIndex
from leadflow.imports.services.jobs import (
    import_job_path,
    import_max_bytes,
    import_reader_limits,
)
from leadflow.imports.services.rows import Outcome, Preparer, RowsSpec, preparer_for, rows_prepare
from leadflow.imports.services.undo import imported_leads_record
from leadflow.intake.services.duplicates import possible_duplicate_record
from leadflow.intake.services.prepare import (
    IntakeRejected,
    Prepared,
    Submission,
    submission_prepare,
)
from leadflow.leads.models import Lead
from leadflow.leads.services import LeadInput, leads_merge_bulk
from leadflow.leads.services.consent import consents_record
from leadflow.leads.services.create import LeadRow, leads_rows_insert, row_context
from leadflow.lib.rows import rows_analyze
from leadflow.programs.models import Program
from leadflow.programs.selectors import PublishedCriteria, program_published_criteria

CHUNK_ROWS = 1000

ProgressCallback = Callable[[ImportJob], None]


class ImportConflict(Exception):
    """Another process is running the same job; this one stops and leaves the job to it."""


def import_run(
    *,
    job: ImportJob,
    actor: User | None = None,
    clock: Callable[[], datetime] = timezone.now,
    chunk_rows: int = CHUNK_ROWS,
    on_progress: ProgressCallback | None = None,
    prepare_in_child: bool | None = None,
) -> ImportJob:
    """Run (or resume) an import job to the end. A file that cannot be read at all fails the
    job and raises ImportFileError (a hostile file included: its reader runs in a child
    process, ``imports.sandbox``, whose death is such an error); any other error fails the job,
    keeps the committed chunks, and is raised for the caller (the task's log, the CLI's
    traceback). The rows are prepared in a second process for a large file (or as
    ``prepare_in_child`` says: ``imports.services.rows``), one chunk ahead of the writes."""
    try:
        table = open_table(
            import_job_path(job),
            max_bytes=import_max_bytes(),
            name=job.original_name,
            limits=import_reader_limits(),
        )
        published = program_published_criteria(program=job.program)
    except (ImportFileError, Program.DoesNotExist) as exc:
        _job_fail(job, str(exc), clock())
        raise ImportFileError(str(exc)) from exc
    header = HeaderMap(table.header, published.criteria, overrides=job.overrides)
    job.status = ImportStatus.RUNNING
    job.total_rows = table.total_rows
    job.mapping = header.summary()
    job.started_at = job.started_at or clock()
    job.message = ""
    job.save(update_fields=["status", "total_rows", "mapping", "started_at", "message"])
    run = _Run(job=job, header=header, published=published, actor=actor)
    if job.dry_run:
        run.preload()  # nothing is written: the file's rows are matched in memory
    else:
        run.companies = Companies(run.program, run.dedupe.rule)
    try:
        run.check_external_ids(table)  # a second reading of the file: its reader may fail too
        preparer = preparer_for(
            run.spec(), rows=table.total_rows - job.processed_rows, child=prepare_in_child
        )
        try:
            _run_chunks(run, table, preparer, clock, chunk_rows, on_progress)
        finally:
            preparer.close()
    except ImportConflict:
        raise
    except BaseException as exc:
        _job_fail(job, f"stopped after row {job.processed_rows + 1} of the data: {exc}", clock())
        raise
    job.status = ImportStatus.DONE
    job.finished_at = clock()
    job.save(update_fields=["status", "finished_at"])
    return job


def _job_fail(job: ImportJob, message: str, now: datetime) -> None:
    job.refresh_from_db()
    job.status = ImportStatus.FAILED
    job.message = message
    job.finished_at = now
    job.save(update_fields=["status", "message", "finished_at"])


def _chunks(table: Table, *, skip: int, size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in table.rows(skip=skip):
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _run_chunks(
    run: _Run,
    table: Table,
    preparer: Preparer,
    clock: Callable[[], datetime],
    size: int,
    on_progress: ProgressCallback | None,
) -> None:
    """Each chunk prepared (while the one before is written), then placed and written."""
    pending: deque[tuple[list[Row], datetime, Future[list[Outcome]]]] = deque()

    def write_next() -> None:
        rows, now, outcomes = pending.popleft()
        run.write(run.chunk_of(rows, outcomes.result()), now=now)
        run.statistics_keep_up()
        if on_progress is not None:
            on_progress(run.job)

    run.statistics_keep_up()
    for rows in _chunks(table, skip=run.job.processed_rows, size=size):
        now = clock()
        context = row_context(program=run.program, published=run.published, now=now)
        raw = [(row.number, row.values, row.problem) for row in rows]
        pending.append((rows, now, preparer.submit(raw, context)))
        if len(pending) > 1:
            write_next()
    while pending:
        write_next()


@dataclass
class _Chunk:
    rows: int = 0
    new: list[tuple[int, LeadInput]] = field(default_factory=list)
    merges: list[tuple[int, LeadInput, str]] = field(default_factory=list)
    rejected: list[ImportRejectedRow] = field(default_factory=list)
    #: The rows that state consent (``Do Not Email`` …), recorded with the chunk's leads.
    consenting: list[Prepared] = field(default_factory=list)
    #: Rows prepared but not yet placed: placed inside the chunk's transaction.
    placing: list[Prepared] = field(default_factory=list)
    #: The row each prepared inquiry becomes if it is a new lead, by ``id`` of its data.
    built: dict[int, LeadRow] = field(default_factory=dict)
    #: (pending id of a new lead, an existing or pending lead it resembles).
    possible: list[tuple[int, Possible]] = field(default_factory=list)

    @property
    def warnings(self) -> int:
        """The values dropped from the chunk's imported rows (each a warning on its lead)."""
        return sum(len(data.warnings) for _, data in self.new) + sum(
            len(data.warnings) for _, data, _ in self.merges
        )


@dataclass
class _Run:
    """The state of one run: the program's leads as a de-duplication index, by e-mail, phone,
    company and name, and by external id, kept current as rows are classified."""

    job: ImportJob
    header: HeaderMap
    published: PublishedCriteria
    actor: User | None
    program: Program = field(init=False)
    dedupe: FileIndex = field(init=False)
    inserted: dict[int, int] = field(default_factory=dict)
    #: Rows rejected before any is placed: their external id names several people.
    conflicts: dict[int, str] = field(default_factory=dict)
    #: The people of the companies the rows named (not in a dry run, which keeps every row).
    companies: Companies | None = None
    #: The job's created count at the last refresh of the statistics (None: not yet looked).
    analyzed: int | None = None
    #: The program's leads when the run started.
    before: int = 0

    def __post_init__(self) -> None:
        self.program = self.job.program
        self.dedupe = FileIndex(self.program)
        self.channel = Channel(self.job.channel) if self.job.channel else None
        self.campaign = self.job.campaign or None

    def preload(self) -> None:
        """The program's existing leads' keys, in one query, oldest first."""
        self.dedupe.preload()

    def check_external_ids(self, table: Table) -> None:
        """Before any row is placed: the rows whose external id repeats in the file with
        another person's e-mail or name (``imports.services.dedupe``). Only those rows are prepared
        twice; the rest of the file is read for its ids alone (no second reading at all when no
        column holds one)."""
        if not any(
            column.kind == "field" and column.name == "external_id"
            for column in self.header.columns
        ):
            return
        sent: list[tuple[int, str]] = []
        for row in table.rows():
            if row.problem:
                continue
            external_id = self.header.external_id(row.values)
            if external_id and external_id.strip():
                sent.append((row.number, external_id))
        repeated = repeated_external_ids(sent)
        if not repeated:
            return
        numbers = {number for number, external_id in sent if external_id.strip() in repeated}
        keyed = []
        for row in table.rows():
            if row.number not in numbers:
                continue
            try:
                prepared = submission_prepare(
                    program=self.program,
                    submission=self._submission(row),
                    published=self.published,
                )
            except IntakeRejected:
                continue
            keyed.append((row.number, prepared.keys))
        self.conflicts = external_id_conflicts(keyed, self.dedupe.rule)

    def _submission(self, row: Row) -> Submission:
        return self.header.submission(
            row.values,
            channel=self.channel,
            campaign=self.campaign,
            source_rules=self.program.source_channel_rules,
        )

    def statistics_keep_up(self) -> None:
        """Refresh the leads table's statistics whenever the run has doubled the program's
        leads (from 10,000 on): the chunks' look-ups by e-mail, phone and id are then planned
        on their indexes, not as scans of a table the planner still thinks is empty."""
        if self.job.dry_run:
            return
        if self.analyzed is None:
            self.analyzed = self.job.created
            self.before = Lead.objects.filter(program=self.program).count()
            return
        if self.job.created - self.analyzed >= max(10_000, self.before + self.analyzed):
            rows_analyze(Lead)
            self.analyzed = self.job.created

    def spec(self) -> RowsSpec:
        return RowsSpec(
            program=self.program,
            header=self.header,
            published=self.published,
            channel=self.channel,
            campaign=self.campaign,
            conflicts=self.conflicts,
        )

    def classify(self, rows: Sequence[Row]) -> _Chunk:
        """Prepare every row and decide: rejected, new, or merged into which lead."""
        raw = [(row.number, row.values, row.problem) for row in rows]
        chunk = self.chunk_of(rows, rows_prepare(self.spec(), raw, None))
        for prepared in chunk.placing:
            self._place(prepared, chunk)
        chunk.placing = []
        return chunk

    def chunk_of(self, rows: Sequence[Row], outcomes: Sequence[Outcome]) -> _Chunk:
        """The chunk of prepared rows, each still to be placed (``write`` places them inside
        the chunk's transaction)."""
        chunk = _Chunk(rows=len(rows))
        for row, outcome in zip(rows, outcomes, strict=True):
            if isinstance(outcome, str):
                chunk.rejected.append(
                    ImportRejectedRow(
                        job=self.job, row_number=row.number, reason=outcome, data=row.values
                    )
                )
                continue
            prepared, built = outcome
            chunk.placing.append(prepared)
            if built is not None:
                chunk.built[id(prepared.data)] = built
            if prepared.consents:
                chunk.consenting.append(prepared)
        return chunk

    def _place(self, prepared: Prepared, chunk: _Chunk) -> None:
        placement = self.dedupe.place(prepared.keys)
        if placement.new:
            chunk.new.append((placement.target, prepared.data))
            chunk.possible.extend((placement.target, p) for p in placement.possible)
        else:
            chunk.merges.append((placement.target, prepared.data, placement.reason))

    def _place_in_transaction(self, chunk: _Chunk) -> None:
        """Lock the chunk's keys as captures do, see the leads created since the run started
        (one query for the whole chunk), then place its rows."""
        if not chunk.placing:
            return
        if not self.job.dry_run:
            # The leads of the chunks before are in the database now, where the refresh finds
            # them: the index holds one chunk's, however long the file (flat memory).
            self.dedupe = FileIndex(self.program)
            self.inserted = {}
        self.dedupe.lock_and_refresh(
            [prepared.keys for prepared in chunk.placing],
            lock=not self.job.dry_run,
            companies=self.companies,
        )
        for prepared in chunk.placing:
            self._place(prepared, chunk)
        chunk.placing = []

    def write(self, chunk: _Chunk, *, now: datetime) -> None:
        """One transaction: the chunk's new leads, merges, rejected rows and the job's progress."""
        job = self.job
        with transaction.atomic():
            committed = (
                ImportJob.objects.select_for_update()
                .filter(pk=job.pk)
                .values_list("processed_rows", flat=True)
                .get()
            )
            if committed != job.processed_rows:
                raise ImportConflict("another run of this import job is writing to it")
            self._place_in_transaction(chunk)
            if not job.dry_run:
                self._write_leads(chunk, now)
                _consents_write_for(self, chunk, now)
            ImportRejectedRow.objects.bulk_create(chunk.rejected)
            job.processed_rows += chunk.rows
            job.created += len(chunk.new)
            job.merged += len(chunk.merges)
            job.rejected += len(chunk.rejected)
            job.warnings += chunk.warnings
            job.save(update_fields=["processed_rows", "created", "merged", "rejected", "warnings"])

    def _write_leads(self, chunk: _Chunk, now: datetime) -> None:
        created: dict[int, int] = {}
        if chunk.new:
            written = leads_rows_insert(
                now=now, rows=[chunk.built[id(data)] for _, data in chunk.new], actor=self.actor
            )
            for (pending, _), lead_id, event_id in zip(
                chunk.new, written.lead_ids, written.event_ids, strict=True
            ):
                self.inserted[pending] = lead_id
                created[lead_id] = event_id
            possible_duplicate_record(
                program=self.program,
                pairs=[
                    (self.inserted[pending], replace(p, id=self.inserted.get(p.id, p.id)))
                    for pending, p in chunk.possible
                ],
                now=now,
            )
        merged_ids = [self.inserted.get(target, target) for target, _, _ in chunk.merges]
        if chunk.merges:
            self._merge(chunk, now)
        imported_leads_record(job=self.job, created=created, merged_ids=merged_ids, now=now)
        if self.companies is not None:
            for lead_id, keys in self.dedupe.keys.items():
                self.companies.add(self.inserted.get(lead_id, lead_id), keys)

    def _merge(self, chunk: _Chunk, now: datetime) -> None:
        leads_merge_bulk(
            items=[
                (self.inserted.get(target, target), data, reason)
                for target, data, reason in chunk.merges
            ],
            actor=self.actor,
            now=now,
            published=self.published,
        )


def _consents_write_for(run: _Run, chunk: _Chunk, now: datetime) -> None:
    """The consent the chunk's rows state, set-based, each noted on the lead its row became
    ("import 12: column Do Not Email"); a row placed nowhere still records its address's
    opt-out (the person's wish does not depend on the lead)."""
    lead_of = {id(data): run.inserted[pending] for pending, data in chunk.new}
    lead_of.update({id(data): run.inserted.get(target, target) for target, data, _ in chunk.merges})
    consents_record(
        client=run.program.client,
        changes=[
            replace(
                change,
                lead_id=lead_of.get(id(prepared.data)),
                source=f"import {run.job.pk}: {change.source}",
            )
            for prepared in chunk.consenting
            for change in prepared.consents
        ],
        actor=run.actor,
        now=now,
    )


def import_rows_classify(
    *, job: ImportJob, table: Table, header: HeaderMap, published: PublishedCriteria
) -> Iterator[_Chunk]:
    """The file's rows, a chunk at a time, classified exactly as ``import_run`` would place
    them (rejected, new, merged into which lead), writing nothing: the mapping step's dry run
    (``imports.services.preview``)."""
    run = _Run(job=job, header=header, published=published, actor=None)
    run.preload()
    run.check_external_ids(table)
    for rows in _chunks(table, skip=0, size=CHUNK_ROWS):
        yield run.classify(rows)
