"""Benchmark of the bulk import (issue 4, "Lead intake", parts 5 and 6; issue 18, items 1, 2, 7).

Generates a CSV of 100,000 leads (``--rows N``; ``tests/imports/rowgen.py``'s volume file:
seeded pools of names, companies and titles, 10 % of the rows an earlier person typed again:
case, spacing, phone formatting), imports it through the whole pipeline (read, validate,
normalise, de-duplicate, qualify, persist with events) into a fresh SQLite file and a fresh
PostgreSQL database (``leadflow_bench`` or ``LEADFLOW_BENCH_DATABASE`` on the server of
``LEADFLOW_TEST_DATABASE_URL``, skipped when none answers), and measures in the same run, on
the same machine, the two baselines:

- **real tables**, the physical limit of the import: the same leads and their ``created``
  events, as the pipeline stored them (read back into memory a chunk at a time, outside the
  clock), written again into ``leads_lead`` and ``leads_leadevent`` of a copy of the database
  taken just before the import (same schema, indexes, triggers, program and job; empty lead
  tables), the fastest way the database offers: PostgreSQL ``COPY`` of plain tuples with the
  leads' keys taken from their sequence in one statement per chunk, SQLite ``executemany`` in
  one transaction with the keys counted on from the largest; one transaction, its commit timed;
- **raw load**, as before: the file's rows into a table as wide as the file (reading the CSV
  included), for comparison with the older lines.

Prints the pipeline's rows per second and its CPU time per row (its process, and its
PostgreSQL server backend read from ``/proc``), each baseline's beside it, the ratios
pipeline/baseline (wall and CPU: on a shared machine the CPU ratio is the figure), and the
worker's peak RSS (``getrusage``, read before the baselines, so it is the import's), and appends
them to docs/PERFORMANCE.md under "## Bulk import" with the date, machine and load average.

Each database runs in its own subprocess (``--worker``), because Django is configured once per
process. Run with ``uv run python bench/intake_import.py [--rows N] [--sqlite-rows N]``; the
issue's size is ``--rows 1048576`` (PostgreSQL), which ``make bench`` runs with SQLite at
100,000 rows (``scripts/bench``).
"""

import argparse
import csv
import json
import os
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from _lib import machine_line, postgres_drop, postgres_fresh, record_line, run_worker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.imports.rowgen import VOLUME_HEADER, generate_volume

ROWS = 100_000
HEADING = "## Bulk import"
BENCH_DATABASE = os.environ.get("LEADFLOW_BENCH_DATABASE", "leadflow_bench")
#: Leads read back and written again per step of the real-tables baseline.
CHUNK = 20_000
LEAD, EVENT = "leads_lead", "leads_leadevent"


# --- one database, in a subprocess ---------------------------------------------------------------


def worker(database_url: str, csv_path: Path, copy_url: str) -> dict[str, float]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadflow.config.settings"
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from leadflow.imports.services.jobs import import_job_create
    from leadflow.imports.services.run import import_run
    from leadflow.programs.services import client_create, program_create

    call_command("migrate", verbosity=0)
    now = timezone.now()
    program = program_create(
        client=client_create(name="Bench", slug="bench"),
        name="Bench list",
        slug="bench-list",
        actor=None,
        now=now,
    )
    job, _ = import_job_create(
        program=program, path=csv_path, original_name=csv_path.name, uploaded_by=None, now=now
    )
    connection.close()
    _copy_database(database_url, copy_url)

    load = os.getloadavg()[0]
    started, cpu, server = time.perf_counter(), time.process_time(), _server_cpu()
    children = _children_cpu()
    import_run(job=job)
    pipeline = time.perf_counter() - started
    pipeline_cpu, pipeline_server = time.process_time() - cpu, _server_cpu() - server
    # The process that prepares a large file's rows (imports.services.rows) has ended with
    # the run, so its CPU time and peak memory are the children's.
    pipeline_child = _children_cpu() - children
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    try:
        tables = _real_tables(copy_url)
    finally:
        if connection.vendor == "postgresql":
            postgres_drop(copy_url)

    started, cpu, server = time.perf_counter(), time.process_time(), _server_cpu()
    raw_rows = _raw_load(csv_path)
    raw = time.perf_counter() - started
    raw_cpu, raw_server = time.process_time() - cpu, _server_cpu() - server
    return {
        "pipeline_cpu_s": pipeline_cpu,
        "pipeline_server_s": pipeline_server,
        "raw_cpu_s": raw_cpu,
        "raw_server_s": raw_server,
        "peak_rss_mib": peak_rss,
        "child_cpu_s": pipeline_child,
        "child_rss_mib": child_rss,
        "rows": job.total_rows,
        "created": job.created,
        "merged": job.merged,
        "rejected": job.rejected,
        "pipeline_s": pipeline,
        "raw_s": raw,
        "raw_rows": raw_rows,
        "load": load,
        **tables,
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _server_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (0 for SQLite, which runs
    in-process); see ``_backend_cpu``."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return _backend_cpu(pid)


def _backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of PostgreSQL backend ``pid``, read from /proc when the
    server runs on this machine (NaN otherwise)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _copy_database(database_url: str, copy_url: str) -> None:
    """The database as it is now (migrated, the program and the job, no leads) as a second one
    at ``copy_url``: PostgreSQL ``CREATE DATABASE … TEMPLATE`` (no session may be connected to
    the template), SQLite the backup API."""
    if database_url.startswith("sqlite"):
        source = sqlite3.connect(urlsplit(database_url).path)
        target = sqlite3.connect(urlsplit(copy_url).path)
        with target:
            source.backup(target)
        source.close()
        target.close()
        return
    import psycopg

    parts = urlsplit(database_url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        name = urlsplit(copy_url).path.lstrip("/")
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {parts.path.lstrip('/')}")


def _columns(cursor: Any, table: str, vendor: str) -> list[str]:
    """The table's stored columns in their order (generated ones left out)."""
    if vendor == "sqlite":
        cursor.execute(f"PRAGMA table_xinfo({table})")
        return [row[1] for row in cursor.fetchall() if row[6] == 0]
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND table_schema = current_schema() AND is_generated = 'NEVER' "
        "ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _real_tables(copy_url: str) -> dict[str, float]:
    """The baseline: the leads and ``created`` events the pipeline stored, written again into
    the real tables of the copy taken before the import. Only the writing is timed (client CPU,
    and the copy's server backend on PostgreSQL); reading them back from the imported database
    is not."""
    from django.db import connection

    connection.ensure_connection()
    source = connection.connection
    vendor = connection.vendor
    read = source.cursor()
    lead_columns = _columns(read, LEAD, vendor)
    event_columns = [c for c in _columns(read, EVENT, vendor) if c != "id"]
    lead_at = event_columns.index("lead_id")
    lead_select = ", ".join(lead_columns)
    event_select = ", ".join(event_columns)
    writer = _PostgresWriter(copy_url) if vendor == "postgresql" else _SqliteWriter(copy_url)
    wall = cpu = 0.0
    leads = events = 0
    last = 0
    server = writer.server_cpu()
    writer.begin(lead_columns, event_columns)
    while True:
        lead_rows = _read(
            read,
            vendor,
            f"SELECT {lead_select} FROM {LEAD} WHERE id > {last} ORDER BY id LIMIT {CHUNK}",
        )
        if not lead_rows:
            break
        first_id, last = int(lead_rows[0][0]), int(lead_rows[-1][0])
        event_rows = _read(
            read,
            vendor,
            f"SELECT {event_select} FROM {EVENT} WHERE kind = 'created' "
            f"AND lead_id BETWEEN {first_id} AND {last} ORDER BY id",
        )
        begin, begin_cpu = time.perf_counter(), time.process_time()
        keys = writer.keys(len(lead_rows))
        new_key = {row[0]: key for row, key in zip(lead_rows, keys, strict=True)}
        writer.leads([(key, *row[1:]) for key, row in zip(keys, lead_rows, strict=True)])
        writer.events(
            [(*row[:lead_at], new_key[row[lead_at]], *row[lead_at + 1 :]) for row in event_rows]
        )
        wall += time.perf_counter() - begin
        cpu += time.process_time() - begin_cpu
        leads += len(lead_rows)
        events += len(event_rows)
    begin, begin_cpu = time.perf_counter(), time.process_time()
    writer.commit()
    wall += time.perf_counter() - begin
    cpu += time.process_time() - begin_cpu
    server = writer.server_cpu() - server
    stored = writer.count()
    writer.close()
    read.close()
    if stored != (leads, events):
        raise SystemExit(f"real tables: wrote {leads} leads, {events} events; found {stored}")
    return {
        "tables_s": wall,
        "tables_cpu_s": cpu,
        "tables_server_s": server,
        "tables_leads": leads,
        "tables_events": events,
    }


def _read(cursor: Any, vendor: str, query: str) -> list[tuple[Any, ...]]:
    """Rows as the database gives them to a client: PostgreSQL ``COPY … TO STDOUT`` in text
    form (each value a string, ready for ``COPY … FROM``), SQLite its own values."""
    if vendor == "sqlite":
        cursor.execute(query)
        return list(cursor.fetchall())
    with cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
        return list(copy.rows())


class _PostgresWriter:
    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url)
        self.cursor = self.conn.cursor()
        self.cursor.execute("SELECT pg_backend_pid()")
        self.pid = self.cursor.fetchone()[0]  # type: ignore[index]

    def server_cpu(self) -> float:
        return _backend_cpu(self.pid)

    def begin(self, lead_columns: list[str], event_columns: list[str]) -> None:
        self.cursor.execute(f"SELECT pg_get_serial_sequence('{LEAD}', 'id')")
        self.sequence = self.cursor.fetchone()[0]  # type: ignore[index]
        self.copy_leads = f"COPY {LEAD} ({', '.join(lead_columns)}) FROM STDIN"
        self.copy_events = f"COPY {EVENT} ({', '.join(event_columns)}) FROM STDIN"

    def keys(self, count: int) -> list[int]:
        self.cursor.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)", [self.sequence, count]
        )
        return [row[0] for row in self.cursor.fetchall()]

    def leads(self, rows: list[tuple[Any, ...]]) -> None:
        with self.cursor.copy(self.copy_leads) as copy:
            for row in rows:
                copy.write_row(row)

    def events(self, rows: list[tuple[Any, ...]]) -> None:
        with self.cursor.copy(self.copy_events) as copy:
            for row in rows:
                copy.write_row(row)

    def commit(self) -> None:
        self.conn.commit()

    def count(self) -> tuple[int, int]:
        self.cursor.execute(f"SELECT (SELECT count(*) FROM {LEAD}), (SELECT count(*) FROM {EVENT})")
        leads, events = self.cursor.fetchone()  # type: ignore[misc]
        return int(leads), int(events)

    def close(self) -> None:
        self.conn.close()


class _SqliteWriter:
    def __init__(self, url: str) -> None:
        self.conn = sqlite3.connect(urlsplit(url).path, isolation_level=None)
        # As the product's connections (settings.py).
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            self.conn.execute(f"PRAGMA {pragma}")

    def server_cpu(self) -> float:
        return 0.0

    def begin(self, lead_columns: list[str], event_columns: list[str]) -> None:
        self.conn.execute("BEGIN")
        (self.next_key,) = self.conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {LEAD}").fetchone()
        marks = ", ".join("?" * len(lead_columns))
        self.insert_leads = f"INSERT INTO {LEAD} ({', '.join(lead_columns)}) VALUES ({marks})"
        marks = ", ".join("?" * len(event_columns))
        self.insert_events = f"INSERT INTO {EVENT} ({', '.join(event_columns)}) VALUES ({marks})"

    def keys(self, count: int) -> list[int]:
        start = self.next_key + 1
        self.next_key += count
        return list(range(start, start + count))

    def leads(self, rows: list[tuple[Any, ...]]) -> None:
        self.conn.executemany(self.insert_leads, rows)

    def events(self, rows: list[tuple[Any, ...]]) -> None:
        self.conn.executemany(self.insert_events, rows)

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def count(self) -> tuple[int, int]:
        row = self.conn.execute(
            f"SELECT (SELECT count(*) FROM {LEAD}), (SELECT count(*) FROM {EVENT})"
        ).fetchone()
        return int(row[0]), int(row[1])

    def close(self) -> None:
        self.conn.close()


def _raw_load(csv_path: Path) -> int:
    """The same rows into a table as wide as the file, the fastest way the database offers."""
    from django.db import connection as django_connection

    columns = ", ".join(f"c{i} text" for i in range(len(VOLUME_HEADER)))
    with django_connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE raw_leads ({columns})")
    raw = django_connection.connection
    count = 0
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        if django_connection.vendor == "sqlite":
            marks = ", ".join("?" * len(VOLUME_HEADER))
            rows = list(reader)
            count = len(rows)
            raw.execute("BEGIN")
            raw.executemany(f"INSERT INTO raw_leads VALUES ({marks})", rows)
            raw.execute("COMMIT")
        else:
            with raw.cursor() as cursor, cursor.copy("COPY raw_leads FROM STDIN") as copy:
                for row in reader:
                    copy.write_row(row)
                    count += 1
            raw.commit()
    return count


# --- the driver ----------------------------------------------------------------------------------


def _run_worker(url: str, csv_path: Path, copy_url: str, var_dir: Path) -> dict[str, float]:
    return run_worker(
        __file__, ["--worker", url, str(csv_path), copy_url], url=url, var_dir=var_dir
    )


def _us(seconds: float, count: float) -> str:
    return f"{seconds / count * 1e6:,.0f} µs"


def report(name: str, figures: dict[str, float]) -> str:
    """The printed and recorded figures of one database (after the machine and database)."""
    rows, leads = figures["rows"], figures["tables_leads"]
    rate = rows / figures["pipeline_s"]
    raw_rate = figures["raw_rows"] / figures["raw_s"]
    pipeline_cpu = (
        figures["pipeline_cpu_s"] + figures["pipeline_server_s"] + figures.get("child_cpu_s", 0.0)
    )
    # The baseline's rate in the file's rows: the time to store what the pipeline stored from
    # them, so that both rates are of the same file.
    tables_rate = rows / figures["tables_s"]
    tables_cpu = figures["tables_cpu_s"] + figures["tables_server_s"]
    return (
        f"{rows:,.0f} rows, pipeline {rate:,.0f} rows/s (created {figures['created']:,.0f}, "
        f"merged {figures['merged']:,.0f}, rejected {figures['rejected']:,.0f}), raw load "
        f"{raw_rate:,.0f} rows/s, ratio {rate / raw_rate:.3f}; real tables (the same "
        f"{leads:,.0f} leads and {figures['tables_events']:,.0f} created events by "
        f"{'COPY' if name == 'PostgreSQL' else 'executemany'}) {figures['tables_s']:.1f} s = "
        f"{tables_rate:,.0f} rows/s, {_us(figures['tables_cpu_s'], leads)} client + "
        f"{_us(figures['tables_server_s'], leads)} server CPU per lead, pipeline/real tables "
        f"{rate / tables_rate:.3f} wall, {tables_cpu / pipeline_cpu:.3f} CPU; CPU per row: "
        f"import {_us(figures['pipeline_cpu_s'], rows)} client + "
        f"{_us(figures.get('child_cpu_s', 0.0), rows)} preparing process + "
        f"{_us(figures['pipeline_server_s'], rows)} server, raw load "
        f"{_us(figures['raw_cpu_s'], rows)} client + {_us(figures['raw_server_s'], rows)} "
        f"server; peak RSS {figures['peak_rss_mib']:,.0f} MiB (preparing process "
        f"{figures.get('child_rss_mib', 0.0):,.0f} MiB); load average "
        f"{figures['load']:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--sqlite-rows", type=int, help="rows of SQLite's file (default: --rows)")
    parser.add_argument("--worker", nargs=3, metavar=("DATABASE_URL", "CSV", "COPY_URL"))
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], Path(args.worker[1]), args.worker[2])))
        return
    sqlite_rows = args.sqlite_rows or args.rows
    with tempfile.TemporaryDirectory(prefix="leadflow-bench-") as tmp:
        tmp_dir = Path(tmp)
        files: dict[int, Path] = {}
        for rows in sorted({args.rows, sqlite_rows}):
            files[rows] = tmp_dir / f"leads-{rows}.csv"
            started, cpu = time.perf_counter(), time.process_time()
            generate_volume(files[rows], rows)
            print(
                f"generated {rows:,} rows in {time.perf_counter() - started:.1f} s "
                f"({time.process_time() - cpu:.1f} s CPU)"
            )
        databases = [
            (
                "SQLite",
                f"sqlite:///{tmp_dir / 'bench.sqlite3'}",
                f"sqlite:///{tmp_dir / 'copy.sqlite3'}",
                files[sqlite_rows],
            )
        ]
        postgres = postgres_fresh(BENCH_DATABASE)
        if postgres:
            copy_url = urlunsplit(urlsplit(postgres)._replace(path=f"/{BENCH_DATABASE}_tables"))
            databases.append(("PostgreSQL", postgres, copy_url, files[args.rows]))
        for name, url, copy_url, csv_path in databases:
            try:
                figures = _run_worker(url, csv_path, copy_url, tmp_dir)
            finally:
                if name == "PostgreSQL":
                    postgres_drop(copy_url)
                    postgres_drop(url)
            line = report(name, figures)
            print(f"{name}: {line}")
            record_line(HEADING, f"{machine_line(name)}: {line}")


if __name__ == "__main__":
    main()
