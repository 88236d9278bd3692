"""Bulk import of a CSV or XLSX file into a program (issue 4, "Lead intake", parts 5 and 6).

Every row goes the way of a single inquiry (``submission_prepare``: normalise and validate), is
de-duplicated against the program's leads and the rows before it in the file, and becomes a new
lead (``leads_create_bulk``) or is merged into the lead it matches (``leads_merge_bulk``), with
the same events and qualification as any other capture.

Rows are processed in chunks; each chunk is one transaction that also records the job's progress
and rejected rows, so a row is written whole or not at all, and the job's counts always describe
what the database holds. Importing the same file into the same program again resumes the
unfinished job after its last committed chunk; and whatever happens, the de-duplication index
(preloaded with one query) and the external ids keep a second run from creating duplicates.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from leadflow.accounts.models import User
from leadflow.core.dedupe import Candidate, DedupeIndex, MatchKeys
from leadflow.core.enums import Channel
from leadflow.core.spreadsheet import csv_row
from leadflow.imports.mapping import HeaderMap
from leadflow.imports.models import ImportJob, ImportRejectedRow, ImportStatus
from leadflow.imports.reading import ImportFileError, Row, Table, open_table
from leadflow.intake.services import IntakeRejected, Prepared, dedupe_rule, submission_prepare
from leadflow.leads.models import Lead
from leadflow.leads.services import LeadInput, leads_create_bulk, leads_merge_bulk
from leadflow.programs.models import Program
from leadflow.programs.selectors import PublishedCriteria, program_published_criteria

CHUNK_ROWS = 1000
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
#: Ids given to leads of the running import before they are inserted: above every real id, so
#: the index still prefers the older, existing lead, and in file order among themselves.
_PENDING_ID_BASE = 1 << 62

ProgressCallback = Callable[[ImportJob], None]


class ImportConflict(Exception):
    """Another process is running the same job; this one stops and leaves the job to it."""


def import_max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def file_sha256(handle: IO[bytes]) -> tuple[str, int]:
    """The SHA-256 and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    while chunk := handle.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
    handle.seek(0)
    return digest.hexdigest(), size


def import_job_create(
    *,
    program: Program,
    original_name: str,
    uploaded_by: User | None,
    now: datetime,
    path: Path | None = None,
    upload: File[bytes] | None = None,
    channel: Channel | None = None,
    campaign: str | None = None,
    dry_run: bool = False,
) -> tuple[ImportJob, bool]:
    """The job for a file given by ``path`` (CLI) or ``upload`` (web), and whether it resumes an
    unfinished job: the same file (SHA-256) into the same program with the same options, not a
    dry run, that failed or never finished (a killed process leaves it "running")."""
    if (path is None) == (upload is None):
        raise ValueError("give exactly one of path and upload")
    if path is not None:
        try:
            with path.open("rb") as handle:
                sha256, size = file_sha256(handle)
        except OSError as exc:
            raise ImportFileError(f"no such file: {path}") from exc
    else:
        assert upload is not None
        sha256, size = file_sha256(upload)
    if not dry_run:
        unfinished = (
            ImportJob.objects.filter(
                program=program,
                sha256=sha256,
                dry_run=False,
                channel=channel or "",
                campaign=campaign or "",
                status__in=[ImportStatus.FAILED, ImportStatus.RUNNING],
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if unfinished is not None:
            return unfinished, True
    job = ImportJob(
        program=program,
        uploaded_by=uploaded_by,
        path=str(path.resolve()) if path is not None else "",
        original_name=original_name[:255],
        sha256=sha256,
        size=size,
        channel=channel or "",
        campaign=campaign or "",
        dry_run=dry_run,
        created_at=now,
    )
    if upload is not None:
        job.file.save(Path(original_name).name or "upload", upload, save=False)
    job.save()
    return job, False


def import_job_path(job: ImportJob) -> Path:
    return Path(job.file.path) if job.file else Path(job.path)


def import_run(
    *,
    job: ImportJob,
    actor: User | None = None,
    clock: Callable[[], datetime] = timezone.now,
    chunk_rows: int = CHUNK_ROWS,
    on_progress: ProgressCallback | None = None,
) -> ImportJob:
    """Run (or resume) an import job to the end. A file that cannot be read at all fails the
    job and raises ImportFileError; any other error fails the job, keeps the committed chunks,
    and is raised for the caller (the task's log, the CLI's traceback)."""
    try:
        table = open_table(
            import_job_path(job), max_bytes=import_max_bytes(), name=job.original_name
        )
        published = program_published_criteria(program=job.program)
    except (ImportFileError, Program.DoesNotExist) as exc:
        _job_fail(job, str(exc), clock())
        raise ImportFileError(str(exc)) from exc
    header = HeaderMap(table.header, published.criteria)
    job.status = ImportStatus.RUNNING
    job.total_rows = table.total_rows
    job.mapping = header.report()
    job.started_at = job.started_at or clock()
    job.message = ""
    job.save(update_fields=["status", "total_rows", "mapping", "started_at", "message"])
    run = _Run(job=job, header=header, published=published, actor=actor)
    run.preload()
    try:
        for chunk in _chunks(table, skip=job.processed_rows, size=chunk_rows):
            run.write(run.classify(chunk), now=clock())
            if on_progress is not None:
                on_progress(job)
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


@dataclass
class _Chunk:
    rows: int = 0
    new: list[tuple[int, LeadInput]] = field(default_factory=list)
    merges: list[tuple[int, LeadInput, str]] = field(default_factory=list)
    rejected: list[ImportRejectedRow] = field(default_factory=list)


@dataclass
class _Run:
    """The state of one run: the program's leads as a de-duplication index, by e-mail, phone,
    company and name, and by external id, kept current as rows are classified."""

    job: ImportJob
    header: HeaderMap
    published: PublishedCriteria
    actor: User | None
    program: Program = field(init=False)
    index: DedupeIndex = field(init=False)
    keys: dict[int, MatchKeys] = field(default_factory=dict)
    external: dict[str, int] = field(default_factory=dict)
    inserted: dict[int, int] = field(default_factory=dict)
    next_pending: int = _PENDING_ID_BASE

    def __post_init__(self) -> None:
        self.program = self.job.program
        self.index = DedupeIndex(dedupe_rule(self.program))
        self.channel = Channel(self.job.channel) if self.job.channel else None
        self.campaign = self.job.campaign or None

    def preload(self) -> None:
        """The program's existing leads' keys, in one query, oldest first."""
        rows = (
            Lead.objects.filter(program=self.program)
            .order_by("id")
            .values_list("id", "email", "phone", "company_key", "person_key", "external_id")
        )
        for lead_id, email, phone, company_key, person_key, external_id in rows.iterator(
            chunk_size=5000
        ):
            keys = MatchKeys(email, phone, company_key, person_key)
            self.keys[lead_id] = keys
            self.index.add(Candidate(lead_id, keys))
            if external_id:
                self.external.setdefault(external_id, lead_id)

    def classify(self, rows: Iterable[Row]) -> _Chunk:
        """Prepare every row and decide: rejected, new, or merged into which lead."""
        chunk = _Chunk()
        for row in rows:
            chunk.rows += 1
            try:
                if row.problem:
                    raise IntakeRejected({"row": row.problem})
                submission = self.header.submission(
                    row.values, channel=self.channel, campaign=self.campaign
                )
                prepared = submission_prepare(
                    program=self.program, submission=submission, published=self.published
                )
            except IntakeRejected as exc:
                chunk.rejected.append(
                    ImportRejectedRow(
                        job=self.job, row_number=row.number, reason=str(exc), data=row.values
                    )
                )
                continue
            self._place(prepared, chunk)
        return chunk

    def _place(self, prepared: Prepared, chunk: _Chunk) -> None:
        data, keys = prepared.data, prepared.keys
        target: int | None = None
        reason = ""
        if data.external_id and data.external_id in self.external:
            target, reason = self.external[data.external_id], "same external id"
        else:
            match = self.index.find(keys)
            if match is not None:
                target, reason = match.id, match.explanation
        if target is None:
            target = self.next_pending
            self.next_pending += 1
            chunk.new.append((target, data))
            self.keys[target] = keys
            self.index.add(Candidate(target, keys))
            if data.external_id:
                self.external[data.external_id] = target
            return
        chunk.merges.append((target, data, reason))
        current = self.keys[target]
        filled = MatchKeys(
            email=current.email or keys.email,
            phone=current.phone or keys.phone,
            company_key=current.company_key or keys.company_key,
            person_key=current.person_key or keys.person_key,
        )
        if filled != current:
            self.keys[target] = filled
            self.index.add(Candidate(target, filled))

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
            if not job.dry_run:
                self._write_leads(chunk, now)
            ImportRejectedRow.objects.bulk_create(chunk.rejected)
            job.processed_rows += chunk.rows
            job.created += len(chunk.new)
            job.merged += len(chunk.merges)
            job.rejected += len(chunk.rejected)
            job.save(update_fields=["processed_rows", "created", "merged", "rejected"])

    def _write_leads(self, chunk: _Chunk, now: datetime) -> None:
        if chunk.new:
            leads = leads_create_bulk(
                program=self.program,
                items=[data for _, data in chunk.new],
                actor=self.actor,
                now=now,
                published=self.published,
            )
            for (pending, _), lead in zip(chunk.new, leads, strict=True):
                self.inserted[pending] = lead.pk
        if not chunk.merges:
            return
        leads_merge_bulk(
            items=[
                (self.inserted.get(target, target), data, reason)
                for target, data, reason in chunk.merges
            ],
            actor=self.actor,
            now=now,
            published=self.published,
        )


def import_rejected_rows_write(*, job: ImportJob, out: IO[str]) -> int:
    """The job's rejected rows as CSV (row number, reason, then the row's columns as given),
    every cell neutralised against formula injection. Returns the number of rows written."""
    writer = csv.writer(out)
    columns = [column["column"] for column in job.mapping]
    writer.writerow(csv_row(["row", "reason", *columns]))
    count = 0
    for rejected in job.rejected_rows.order_by("row_number").iterator(chunk_size=2000):
        writer.writerow(csv_row([rejected.row_number, rejected.reason, *rejected.data]))
        count += 1
    return count
