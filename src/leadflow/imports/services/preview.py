"""The mapping step of a web import (issue 12, part 6): before anything is written, each column
with what it will become and a sample of its values, and a dry run of the whole file with the
chosen mapping: how many rows would create, merge, be rejected, or carry warnings, with the
first reasons.

The dry run classifies the rows exactly as the import will (``import_rows_classify`` shares the
import's de-duplication and preparation), so its counts are what "Import" then does, unless
leads arrive in between. It reads the first ``PREVIEW_MAX_ROWS`` rows (the whole file for any
list people review by eye) and says when it stopped short.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from leadflow.accounts.models import User
from leadflow.core.errors import DomainRefused
from leadflow.imports.mapping import HeaderMap, Target, mapping_targets
from leadflow.imports.models import ImportJob, ImportStatus, SavedMapping
from leadflow.imports.reading import open_table
from leadflow.imports.services.jobs import import_job_path, import_max_bytes, import_reader_limits
from leadflow.imports.services.run import import_rows_classify
from leadflow.programs.selectors import program_published_criteria

SAMPLES = 3
REASONS = 5
PREVIEW_MAX_ROWS = 20_000
#: How many rows are read for the samples of a column that is mostly empty.
SAMPLE_MAX_ROWS = 1_000


@dataclass(frozen=True)
class ColumnPreview:
    index: int
    header: str
    target: str
    label: str
    overridden: bool
    samples: list[str]


@dataclass
class DryRun:
    """What the import would do with the mapping, and the first reasons. ``warn`` counts the
    values that would be dropped from their field (each a warning, as the import counts them)."""

    rows: int = 0
    create: int = 0
    merge: int = 0
    reject: int = 0
    warn: int = 0
    rejections: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False


@dataclass(frozen=True)
class Preview:
    columns: list[ColumnPreview]
    targets: list[Target]
    dry_run: DryRun
    unknown_columns: list[str]
    total_rows: int
    automatic: dict[str, str]

    def overrides(self) -> dict[str, str]:
        return {column.header: column.target for column in self.columns if column.overridden}


def import_preview(
    *,
    job: ImportJob,
    overrides: Mapping[str, str],
    max_rows: int = PREVIEW_MAX_ROWS,
) -> Preview:
    """The columns of the job's file under ``overrides`` (header → target; UnknownTarget for a
    target that does not exist) with their samples, and the dry run. ImportFileError for a file
    that cannot be read."""
    path = import_job_path(job)
    table = open_table(
        path, max_bytes=import_max_bytes(), name=job.original_name, limits=import_reader_limits()
    )
    published = program_published_criteria(program=job.program)
    header = HeaderMap(table.header, published.criteria, overrides=overrides)
    automatic = {
        column.header: column.target
        for column in HeaderMap(table.header, published.criteria).columns
    }
    samples: list[list[str]] = [[] for _ in header.columns]
    for scanned, row in enumerate(table.rows()):
        if scanned >= SAMPLE_MAX_ROWS or all(len(found) >= SAMPLES for found in samples):
            break
        for index, value in enumerate(row.values[: len(samples)]):
            if value.strip() and len(samples[index]) < SAMPLES:
                samples[index].append(value.strip())
    columns = [
        ColumnPreview(
            index=column.index,
            header=column.header,
            target=column.target,
            label=column.label,
            overridden=column.overridden,
            samples=samples[column.index],
        )
        for column in header.columns
    ]
    dry_run = DryRun()
    rows = open_table(
        path, max_bytes=import_max_bytes(), name=job.original_name, limits=import_reader_limits()
    )
    for chunk in import_rows_classify(job=job, table=rows, header=header, published=published):
        dry_run.rows += chunk.rows
        dry_run.create += len(chunk.new)
        dry_run.merge += len(chunk.merges)
        dry_run.reject += len(chunk.rejected)
        for rejected in chunk.rejected:
            if len(dry_run.rejections) < REASONS:
                dry_run.rejections.append((rejected.row_number, rejected.reason))
        for data in [data for _, data in chunk.new] + [data for _, data, _ in chunk.merges]:
            dry_run.warn += len(data.warnings)
            for warning in data.warnings:
                if len(dry_run.warnings) < REASONS:
                    dry_run.warnings.append(_warning_text(warning))
        if dry_run.rows >= max_rows:
            dry_run.truncated = dry_run.rows < table.total_rows
            break
    return Preview(
        columns=columns,
        targets=header.targets,
        dry_run=dry_run,
        unknown_columns=header.unknown_columns,
        total_rows=table.total_rows,
        automatic=automatic,
    )


def _warning_text(warning: Mapping[str, str]) -> str:
    value = warning.get("value", "")
    return f"{warning.get('field', '')} {value!r}: {warning.get('reason', '')}".strip()


def saved_mapping_save(
    *, job: ImportJob, name: str, columns: Mapping[str, str], user: User | None, now: datetime
) -> SavedMapping:
    """Save (or replace) the program's mapping called ``name``: the columns a person changed."""
    saved, _ = SavedMapping.objects.update_or_create(
        program=job.program,
        name=name.strip(),
        defaults={"columns": dict(columns), "created_by": user, "created_at": now},
    )
    return saved


def saved_mapping_apply(*, job: ImportJob, saved: SavedMapping) -> ImportJob:
    """Apply a saved mapping to a job awaiting its mapping: its columns whose target still
    exists (a question may have left the program's criteria since)."""
    valid = {
        target.key
        for target in mapping_targets(program_published_criteria(program=job.program).criteria)
    }
    return import_job_map(
        job=job,
        overrides={header: target for header, target in saved.columns.items() if target in valid},
    )


def import_job_map(*, job: ImportJob, overrides: Mapping[str, str]) -> ImportJob:
    """Keep the mapping chosen for a job that has not run yet."""
    if not job.is_awaiting_mapping:
        raise ImportAlreadyStarted("This import has started: its mapping can no longer change.")
    job.overrides = dict(overrides)
    job.save(update_fields=["overrides"])
    return job


def import_job_confirm(*, job: ImportJob, overrides: Mapping[str, str]) -> ImportJob:
    """The person confirmed the mapping: the job is pending, for the task to run. The row is
    locked so that two clicks on "Import" confirm (and queue) it once."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        job = import_job_map(job=job, overrides=overrides)
        job.status = ImportStatus.PENDING
        job.save(update_fields=["status"])
    return job


class ImportAlreadyStarted(DomainRefused):
    """The mapping of an import that has started cannot change."""
