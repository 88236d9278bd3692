"""Benchmark of the bulk import (issue 4, "Lead intake", parts 5 and 6; STYLE.md, bench/).

Generates a CSV of 100,000 leads (seeded Faker; 10% of them duplicates of others with small
variations: case, spacing, phone formatting), imports it through the whole pipeline (read,
validate, normalise, de-duplicate, qualify, persist with events) into a fresh SQLite file and a
fresh PostgreSQL database (``leadflow_bench`` on the server of ``LEADFLOW_TEST_DATABASE_URL``,
skipped when none answers), and loads the same rows the fastest raw way (SQLite ``executemany`` in
one transaction, PostgreSQL ``COPY``) into a table as wide as the file, reading the CSV included.
Prints rows per second and the ratio pipeline/raw, the CPU time per row of the import's process
and (PostgreSQL on this machine) of its server backend, each beside the raw load's, and the
worker's peak RSS (``getrusage``: the import runs before the raw load, so it is the import's),
and appends them to docs/PERFORMANCE.md under "## Bulk import". On a shared machine the CPU
times are the figures to compare; wall-clock rates need an idle one.

Each database runs in its own subprocess (``--worker``), because Django is configured once per
process. Run with ``uv run python bench/intake_import.py [--rows N]``.
"""

import argparse
import csv
import json
import os
import platform
import random
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from _lib import postgres_drop, postgres_fresh, record_line, run_worker

ROWS = 100_000
SEED = 2026
HEADING = "## Bulk import"
BENCH_DATABASE = os.environ.get("LEADFLOW_BENCH_DATABASE", "leadflow_bench")
HEADER = [
    "Lead ID", "First Name", "Last Name", "Email", "Phone", "Company", "Title", "Website",
    "Country", "State", "Postal Code", "Industry", "Number of Employees", "budget", "authority",
    "need", "timeframe_months", "Booth",
]  # fmt: skip


def generate(path: Path, rows: int) -> None:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(SEED)
    rng = random.Random(SEED)
    originals: list[list[str]] = []
    states = ["CA", "NY", "TX", "WA", "IL", "MA", "FL", "GA"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number in range(rows):
            if originals and rng.random() < 0.10:
                row = _variation(rng.choice(originals), rng)
                row[0] = f"EXT-{number}"
            else:
                first, last = fake.first_name(), fake.last_name()
                company = fake.company()
                domain = f"{company.split()[0].strip(',').lower()}{number % 997}.example.com"
                row = [
                    f"EXT-{number}",
                    first,
                    last,
                    f"{first}.{last}.{number}@{domain}".lower(),
                    f"({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}",
                    company,
                    fake.job(),
                    f"https://www.{domain}/",
                    rng.choice(["US", "USA", "United States"]),
                    rng.choice(states),
                    f"{rng.randint(10000, 99999)}",
                    rng.choice(["Software", "Retail", "Finance", "Health", ""]),
                    rng.choice(["1-10", "11-50", "51-200", "201-1000", "1000+"]),
                    rng.choice(["none", "preliminary", "approved", ""]),
                    rng.choice(["none", "influencer", "specifier", "decision_maker", ""]),
                    rng.choice(["none", "identified", "established", ""]),
                    rng.choice(["", "1", "3", "6", "9", "12", "24"]),
                    f"B{rng.randint(1, 400)}",
                ]
                originals.append(row)
            writer.writerow(row)


def _variation(row: list[str], rng: random.Random) -> list[str]:
    """The same person typed again: e-mail case and spaces, phone formatting, name case."""
    copy = list(row)
    kind = rng.randrange(3)
    if kind == 0:
        copy[3] = f"  {copy[3].upper()} "
    elif kind == 1:
        digits = "".join(c for c in copy[4] if c.isdigit())
        copy[4] = f"+1 {digits[:3]}.{digits[3:6]}.{digits[6:]}"
        copy[3] = ""
    else:
        copy[1], copy[2] = copy[1].upper(), copy[2].lower()
        copy[3], copy[4] = "", ""
    return copy


# --- one database, in a subprocess ---------------------------------------------------------------


def worker(database_url: str, csv_path: Path) -> dict[str, float]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadflow.config.settings"
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command
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
    started, cpu, server = time.perf_counter(), time.process_time(), _server_cpu()
    import_run(job=job)
    pipeline = time.perf_counter() - started
    pipeline_cpu, pipeline_server = time.process_time() - cpu, _server_cpu() - server
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

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
        "rows": job.total_rows,
        "created": job.created,
        "merged": job.merged,
        "rejected": job.rejected,
        "pipeline_s": pipeline,
        "raw_s": raw,
        "raw_rows": raw_rows,
    }


def _server_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far, read from /proc when the
    server runs on this machine (NaN otherwise, and 0 for SQLite, which runs in-process)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _raw_load(csv_path: Path) -> int:
    """The same rows into a table as wide as the file, the fastest way the database offers."""
    from django.db import connection as django_connection

    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with django_connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE raw_leads ({columns})")
    raw = django_connection.connection
    count = 0
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        if django_connection.vendor == "sqlite":
            marks = ", ".join("?" * len(HEADER))
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


def _run_worker(url: str, csv_path: Path, var_dir: Path) -> dict[str, float]:
    return run_worker(__file__, ["--worker", url, str(csv_path)], url=url, var_dir=var_dir)


def record(line: str) -> None:
    record_line(HEADING, line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--worker", nargs=2, metavar=("DATABASE_URL", "CSV"))
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], Path(args.worker[1]))))
        return
    with tempfile.TemporaryDirectory(prefix="leadflow-bench-") as tmp:
        tmp_dir = Path(tmp)
        csv_path = tmp_dir / "leads.csv"
        started = time.perf_counter()
        generate(csv_path, args.rows)
        print(f"generated {args.rows:,} rows in {time.perf_counter() - started:.1f} s")
        databases = [("SQLite", f"sqlite:///{tmp_dir / 'bench.sqlite3'}")]
        postgres = postgres_fresh(BENCH_DATABASE)
        if postgres:
            databases.append(("PostgreSQL", postgres))
        machine = platform.processor() or platform.machine()
        for name, url in databases:
            try:
                figures = _run_worker(url, csv_path, tmp_dir)
            finally:
                if name == "PostgreSQL":
                    postgres_drop(url)
            rate = figures["rows"] / figures["pipeline_s"]
            raw_rate = figures["raw_rows"] / figures["raw_s"]
            ratio = rate / raw_rate
            rows = figures["rows"]
            cpu = (
                f"CPU per row: import {figures['pipeline_cpu_s'] / rows * 1e6:,.0f} µs client + "
                f"{figures['pipeline_server_s'] / rows * 1e6:,.0f} µs server, raw load "
                f"{figures['raw_cpu_s'] / rows * 1e6:,.0f} µs client + "
                f"{figures['raw_server_s'] / rows * 1e6:,.0f} µs server; "
                f"peak RSS {figures['peak_rss_mib']:,.0f} MiB"
            )
            print(cpu)
            print(
                f"{name}: pipeline {figures['rows']:,.0f} rows in {figures['pipeline_s']:.1f} s = "
                f"{rate:,.0f} rows/s (created {figures['created']:,.0f}, merged "
                f"{figures['merged']:,.0f}, rejected {figures['rejected']:,.0f}); raw load "
                f"{raw_rate:,.0f} rows/s; pipeline/raw = {ratio:.3f}"
            )
            record(
                f"- {date.today().isoformat()} {platform.node()} ({machine}, Python "
                f"{platform.python_version()}), {name}: {figures['rows']:,.0f} rows, pipeline "
                f"{rate:,.0f} rows/s, raw load {raw_rate:,.0f} rows/s, ratio {ratio:.3f}; {cpu}"
            )


if __name__ == "__main__":
    main()
