"""``leadflow import FILE --program SLUG``: import a CSV or XLSX list of leads into a program.

The last line on standard output is ``created N, merged M, rejected R, warnings W`` (W: the
values dropped from imported rows' fields, each a warning on its lead; for a dry run, what
would happen), so scripts can read it; progress goes to standard error. Exit status 0 when the
file was processed, rejected rows or not; 2 when it cannot be read at all (a hostile file too:
"the file could not be read: its sheet declares 16,384 columns …"), or a ``--map`` names
a column the file does not have or a target that does not exist (the message lists the valid
ones).

``--map "Primary Address City=city"`` (repeatable) overrides what a column becomes, as the web
import's mapping step does: a field (``city``), an answer (``answer:budget``), ``profile`` or
``ignore``.
"""

import sys
import time
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from leadflow.core.enums import Channel
from leadflow.imports.mapping import HeaderMap, UnknownTarget
from leadflow.imports.models import ImportJob
from leadflow.imports.reading import ImportFileError, open_table
from leadflow.imports.services.jobs import (
    import_job_create,
    import_max_bytes,
    import_reader_limits,
    import_rejected_rows_write,
)
from leadflow.imports.services.run import import_run
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_published_criteria


class ProgressBar:
    """A one-line progress bar redrawn with a carriage return, at most a few times a second."""

    def __init__(self, out: TextIO, *, interval: float = 0.25) -> None:
        self.out = out
        self.interval = interval
        self.last = 0.0
        self.drawn = False

    def update(self, job: ImportJob, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        width = 30
        filled = width * job.percent // 100
        bar = "#" * filled + "." * (width - filled)
        self.out.write(
            f"\r[{bar}] {job.percent:3d}% {job.processed_rows:,}/{job.total_rows:,} rows"
            f"  created {job.created:,} merged {job.merged:,} rejected {job.rejected:,}"
            f" warnings {job.warnings:,}"
        )
        self.out.flush()
        self.drawn = True

    def close(self, job: ImportJob) -> None:
        if self.drawn:
            self.update(job, force=True)
            self.out.write("\n")
            self.out.flush()


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of leads into a program."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV or XLSX file")
        parser.add_argument("--program", required=True, help="the program's slug")
        parser.add_argument(
            "--channel",
            choices=[channel.value for channel in Channel],
            help="the channel of every lead (overrides the file's lead source)",
        )
        parser.add_argument("--campaign", help="the campaign code of every lead")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count everything, write no lead"
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar='"COLUMN=TARGET"',
            help="what a column becomes: a field, answer:<question>, profile or ignore",
        )
        parser.add_argument(
            "--errors", type=Path, metavar="OUT.csv", help="write the rejected rows to this CSV"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            program = Program.objects.get(slug=options["program"])
        except Program.DoesNotExist:
            raise CommandError(f"no program {options['program']!r}", returncode=2) from None
        if not path.is_file():
            raise CommandError(f"no such file: {path}", returncode=2)
        channel = Channel(options["channel"]) if options["channel"] else None
        overrides = self._overrides(path, program, options["map"])
        try:
            job, resumed = import_job_create(
                program=program,
                path=path,
                original_name=path.name,
                uploaded_by=None,
                now=timezone.now(),
                channel=channel,
                campaign=options["campaign"],
                dry_run=options["dry_run"],
                overrides=overrides,
            )
            if resumed:
                self.stderr.write(
                    f"resuming import #{job.pk} of this file after row "
                    f"{job.processed_rows:,} of {job.total_rows:,}"
                )
            bar = ProgressBar(sys.stderr)
            try:
                import_run(job=job, on_progress=bar.update)
            finally:
                bar.close(job)
        except ImportFileError as exc:
            raise CommandError(f"{path}: {exc}", returncode=2) from None
        if options["dry_run"]:
            self.stdout.write("dry run: nothing was written. Columns:")
            for column in job.mapping:
                self.stdout.write(f"  {column['column']} -> {column['becomes']}")
        if options["errors"]:
            with options["errors"].open("w", encoding="utf-8", newline="") as out:
                written = import_rejected_rows_write(job=job, out=out)
            self.stderr.write(f"{written} rejected rows written to {options['errors']}")
        self.stdout.write(
            f"created {job.created}, merged {job.merged}, rejected {job.rejected}, "
            f"warnings {job.warnings}"
        )

    @staticmethod
    def _overrides(path: Path, program: Program, given: list[str]) -> dict[str, str]:
        """The ``--map`` options as header → target, checked against the file's header and
        the program's targets before anything runs."""
        overrides: dict[str, str] = {}
        for option in given:
            column, equals, target = option.rpartition("=")
            if not equals or not column.strip() or not target.strip():
                raise CommandError(f"--map {option!r}: write it as COLUMN=TARGET", returncode=2)
            overrides[column.strip()] = target.strip()
        if not overrides:
            return overrides
        try:
            table = open_table(
                path, max_bytes=import_max_bytes(), name=path.name, limits=import_reader_limits()
            )
            criteria = program_published_criteria(program=program).criteria
            header = HeaderMap(table.header, criteria, overrides=overrides)
        except ImportFileError as exc:
            raise CommandError(f"{path}: {exc}", returncode=2) from None
        except UnknownTarget as exc:
            raise CommandError(
                f"--map: unknown target {exc.target!r}. Valid targets: "
                + ", ".join(target.key for target in exc.targets),
                returncode=2,
            ) from None
        if header.unknown_columns:
            raise CommandError(
                f"--map: the file has no column {', '.join(map(repr, header.unknown_columns))}."
                " Its columns: " + ", ".join(column.header for column in header.columns),
                returncode=2,
            )
        return overrides
