"""An import job's lifecycle around its run: the job for a file (a new one, or the unfinished job
the same file resumes), where its file is, the size a file may have, and the job's rejected
rows as CSV for the person who imported it. The run itself is ``imports.services.run``."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files import File

from leadflow.accounts.models import User
from leadflow.core.enums import Channel
from leadflow.core.spreadsheet import csv_row
from leadflow.imports.models import ImportJob, ImportStatus
from leadflow.imports.reading import ImportFileError, Limits
from leadflow.programs.models import Program

#: HubSpot's limit for one file (with its 1,048,576 rows): a file that large imports in one
#: chunk of memory at a time (issue 18), so the limit is the sender's, not ours.
DEFAULT_MAX_BYTES = 512 * 1024 * 1024


def import_max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def import_reader_limits() -> Limits:
    """What a file may hold and what its reader may use (``imports.checks``), with the
    settings that tune them: ``IMPORT_READER_MEMORY_BYTES``, ``IMPORT_READER_CPU_SECONDS`` and
    ``IMPORT_XLSX_MAX_UNPACKED_BYTES``."""
    defaults = Limits()
    return Limits(
        memory_bytes=int(getattr(settings, "IMPORT_READER_MEMORY_BYTES", defaults.memory_bytes)),
        cpu_seconds=int(getattr(settings, "IMPORT_READER_CPU_SECONDS", defaults.cpu_seconds)),
        max_uncompressed_bytes=int(
            getattr(settings, "IMPORT_XLSX_MAX_UNPACKED_BYTES", defaults.max_uncompressed_bytes)
        ),
    )


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
    overrides: Mapping[str, str] | None = None,
    awaiting_mapping: bool = False,
) -> tuple[ImportJob, bool]:
    """The job for a file given by ``path`` (CLI) or ``upload`` (web), and whether it resumes an
    unfinished job: the same file (SHA-256) into the same program with the same options, not a
    dry run, that failed or never finished (a killed process leaves it "running"), and the
    same column ``overrides`` (the mapping step's, header → target). A web upload is
    ``awaiting_mapping``: it runs once a person has confirmed its columns."""
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
        unfinished = next(
            (
                job
                for job in ImportJob.objects.filter(
                    program=program,
                    sha256=sha256,
                    dry_run=False,
                    channel=channel or "",
                    campaign=campaign or "",
                    status__in=[ImportStatus.FAILED, ImportStatus.RUNNING],
                ).order_by("-created_at", "-id")
                if job.overrides == dict(overrides or {})
            ),
            None,
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
        overrides=dict(overrides or {}),
        status=ImportStatus.MAPPING if awaiting_mapping else ImportStatus.PENDING,
        created_at=now,
    )
    if upload is not None:
        job.file.save(Path(original_name).name or "upload", upload, save=False)
    job.save()
    return job, False


def import_job_path(job: ImportJob) -> Path:
    return Path(job.file.path) if job.file else Path(job.path)


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
