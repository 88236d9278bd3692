"""Shared by the benchmarks (not a benchmark itself: `make bench` skips files starting with _)."""

import argparse
import json
import os
import platform
import random
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

PERFORMANCE = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"


def record_line(heading: str, line: str) -> None:
    """Append ``line`` at the end of the ``heading`` section of docs/PERFORMANCE.md, creating the
    file or the section if missing and leaving the other sections as they are. A quick run
    (``scripts/bench --quick``: ``LEADFLOW_BENCH_QUICK=1``) prints the line instead: its small
    sizes prove the benchmark runs, not how fast the product is."""
    if os.environ.get("LEADFLOW_BENCH_QUICK") == "1":
        print(f"(quick run, not recorded) {heading}: {line}")
        return
    text = PERFORMANCE.read_text(encoding="utf-8") if PERFORMANCE.exists() else "# Performance\n"
    lines = text.rstrip("\n").splitlines()
    if heading not in lines:
        lines += ["", heading]
    start = lines.index(heading) + 1
    end = next(
        (i for i in range(start, len(lines)) if lines[i].startswith(("# ", "## "))), len(lines)
    )
    last = end
    while last > start and not lines[last - 1].strip():
        last -= 1
    before = [""] if last == start else []
    after = [""] if last == end < len(lines) else []
    lines[last:last] = [*before, line, *after]
    PERFORMANCE.parent.mkdir(parents=True, exist_ok=True)
    PERFORMANCE.write_text("\n".join(lines) + "\n", encoding="utf-8")


def postgres_fresh(database: str) -> str | None:
    """A fresh, migrated PostgreSQL database named ``database`` on the server of
    ``LEADFLOW_TEST_DATABASE_URL``, as a URL; None (and a message) when no server answers. It is
    a copy of a migrated template (``postgres_template``), so that the benchmark's own
    ``migrate`` finds nothing to do. With ``LEADFLOW_BENCH_DATABASE`` set (say
    ``leadflow_bench_h3``), every benchmark's database is named after it
    (``leadflow_bench_h3_list`` for ``leadflow_bench_list``), so that benchmarks run by
    different people on one server do not drop each other's databases."""
    prefix = os.environ.get("LEADFLOW_BENCH_DATABASE", "")
    if prefix and not database.startswith(prefix):
        database = f"{prefix}_{database.removeprefix('leadflow_bench_')}"
    base = os.environ.get(
        "LEADFLOW_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leadflow"
    )
    parts = urlsplit(base)
    try:
        import psycopg

        conn = psycopg.connect(
            urlunsplit(parts._replace(path="/postgres")), autocommit=True, connect_timeout=3
        )
    except Exception as exc:
        print(f"PostgreSQL skipped: no server answers at {base} ({exc})")
        return None
    with conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database}")
        template = postgres_template(conn, base) if TEMPLATES else None
        conn.execute(f"CREATE DATABASE {database}" + (f" TEMPLATE {template}" if template else ""))
    return urlunsplit(parts._replace(path=f"/{database}"))


# --- migrated templates --------------------------------------------------------------------------
# Every benchmark starts from fresh databases, and migrating one costs ~20 s of CPU (SQLite and
# PostgreSQL alike; a migrate that finds nothing to do, ~3 s). The first benchmark of a
# migrations state migrates a template once; the others copy it (PostgreSQL
# ``CREATE DATABASE … TEMPLATE``, SQLite the backup API: well under a second).
# LEADFLOW_BENCH_TEMPLATES=0 migrates every database from scratch instead.

TEMPLATES = os.environ.get("LEADFLOW_BENCH_TEMPLATES", "1") != "0"
SOURCE = Path(__file__).resolve().parent.parent / "src"


def migrations_key() -> str:
    """A digest of every migration file and of Django's version: a template is reused only by
    code whose migrations are exactly the ones it was migrated with."""
    import hashlib

    import django

    digest = hashlib.sha256(django.get_version().encode())
    for path in sorted(SOURCE.glob("**/migrations/*.py")):
        digest.update(str(path.relative_to(SOURCE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _migrate(url: str, var_dir: Path) -> None:
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--verbosity", "0"],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "leadflow.config.settings",
            "DATABASE_URL": url,
            "LEADFLOW_VAR_DIR": str(var_dir),
            "HTTPS": "false",
        },
        check=True,
    )


def postgres_template(conn: Any, base: str) -> str:
    """The name of a migrated template database for this code's migrations on ``conn``'s server
    (an autocommit connection to its ``postgres`` database), migrated now if missing; under an
    advisory lock, so that benchmarks started at the same time migrate it once."""
    import tempfile

    name = f"leadflow_bench_tpl_{migrations_key()}"
    conn.execute("SELECT pg_advisory_lock(20261802)")
    try:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            building = f"{name}_new"
            conn.execute(f"DROP DATABASE IF EXISTS {building}")
            conn.execute(f"CREATE DATABASE {building}")
            with tempfile.TemporaryDirectory(prefix="leadflow-bench-") as tmp:
                _migrate(urlunsplit(urlsplit(base)._replace(path=f"/{building}")), Path(tmp))
            conn.execute(f"ALTER DATABASE {building} RENAME TO {name}")
    finally:
        conn.execute("SELECT pg_advisory_unlock(20261802)")
    return name


def sqlite_template() -> Path:
    """A migrated SQLite file for this code's migrations (in the system's temporary folder),
    migrated now if missing, under a file lock."""
    import fcntl
    import sqlite3
    import tempfile

    folder = Path(tempfile.gettempdir()) / "leadflow-bench-templates"
    folder.mkdir(exist_ok=True)
    path = folder / f"{migrations_key()}.sqlite3"
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            with tempfile.TemporaryDirectory(prefix="leadflow-bench-") as tmp:
                building = Path(tmp) / "template.sqlite3"
                _migrate(f"sqlite:///{building}", Path(tmp))
                # Through the backup API: it reads what the write-ahead log still holds.
                source, target = sqlite3.connect(building), sqlite3.connect(f"{path}.new")
                with target:
                    source.backup(target)
                source.close()
                target.close()
                os.replace(f"{path}.new", path)
    return path


def sqlite_seed(url: str) -> None:
    """A SQLite ``url`` whose file does not exist yet starts as a copy of ``sqlite_template``."""
    import sqlite3

    path = Path(urlsplit(url).path)
    if not TEMPLATES or not url.startswith("sqlite:") or path.exists():
        return
    source, target = sqlite3.connect(sqlite_template()), sqlite3.connect(path)
    with target:
        source.backup(target)
    source.close()
    target.close()


def postgres_drop(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    database = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database}")


def run_worker(
    script: str, args: list[str], *, url: str, var_dir: Path, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run ``script``'s per-database part in a subprocess (Django is configured once per
    process) against ``url``; its last line on standard output is a JSON object of figures. A
    SQLite file not there yet starts migrated (``sqlite_seed``)."""
    import json
    import subprocess
    import sys

    sqlite_seed(url)
    result = subprocess.run(
        [sys.executable, script, *args],
        env={**os.environ, "LEADFLOW_VAR_DIR": str(var_dir), "DATABASE_URL": url, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"worker for {url} failed:\n{result.stderr}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def django_setup(database_url: str) -> None:
    """Configure Django for a benchmark's worker process on ``database_url`` (plain HTTP, the
    test client's host), once per process."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadflow.config.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["HTTPS"] = "false"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()


def each_database(tmp_dir: Path, database: str) -> Iterator[tuple[str, str]]:
    """The databases a benchmark runs on, as (name, URL): a SQLite file in ``tmp_dir``, then a
    fresh PostgreSQL database named ``database`` (skipped when no server answers), dropped
    when its turn is over."""
    yield "SQLite", f"sqlite:///{tmp_dir / 'bench.sqlite3'}"
    postgres = postgres_fresh(database)
    if postgres:
        try:
            yield "PostgreSQL", postgres
        finally:
            postgres_drop(postgres)


def each_run(script: str, database: str, args: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``script``'s worker (``--worker URL *args``) on each database of ``each_database``, in a
    temporary directory, as (database name, the worker's figures)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="leadflow-bench-") as tmp:
        tmp_dir = Path(tmp)
        for name, url in each_database(tmp_dir, database):
            figures = run_worker(
                script, ["--worker", url, *args], url=url, var_dir=tmp_dir, env={"HTTPS": "false"}
            )
            yield name, figures


def bench_runs(
    script: str,
    worker: Callable[..., dict[str, Any]],
    database: str,
    worker_options: dict[str, int],
    options: dict[str, int] | None = None,
) -> Iterator[tuple[str, dict[str, Any], argparse.Namespace]]:
    """A benchmark's command line: ``--NAME N`` for each of ``worker_options`` (given to
    ``worker`` in their order) and ``options`` (the driver's own), with their defaults, and
    ``--worker DATABASE_URL``. In a worker process, print ``worker``'s figures as JSON and yield
    nothing; else yield (database name, figures, the parsed options) for each database."""
    parser = argparse.ArgumentParser()
    for name, default in {**worker_options, **(options or {})}.items():
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--worker", metavar="DATABASE_URL")
    args = parser.parse_args()
    values = [getattr(args, name) for name in worker_options]
    if args.worker:
        print(json.dumps(worker(args.worker, *values)))
        return
    flags = [
        part
        for name, value in zip(worker_options, values, strict=True)
        for part in (f"--{name}", str(value))
    ]
    for name, figures in each_run(script, database, flags):
        yield name, figures, args


def machine_line(database: str) -> str:
    """The start of a recorded line: the date, this machine and Python, and the database."""
    machine = platform.processor() or platform.machine()
    return (
        f"- {date.today().isoformat()} {platform.node()} ({machine}, Python "
        f"{platform.python_version()}), {database}"
    )


def bench_answers(rng: random.Random) -> dict[str, object]:
    """Seeded BANT answers as a questionnaire gives them (a timeframe in months, or none)."""
    answers: dict[str, object] = {
        "budget": rng.choice(["none", "preliminary", "approved"]),
        "authority": rng.choice(["none", "influencer", "specifier", "decision_maker"]),
        "need": rng.choice(["none", "identified", "established"]),
    }
    timeframe = rng.choice([None, 1, 2, 3, 5, 6, 8, 9, 12, 18])
    if timeframe is not None:
        answers["timeframe_months"] = timeframe
    return answers


def median_ms(
    request: Callable[[], Any], *, runs: int, expected: int = 200, what: str = ""
) -> tuple[float, bytes]:
    """The median in ms of ``runs`` calls of ``request`` (a test client's request, read to its
    last byte, streamed or not) after one warm-up call, and the last response's body; stops
    the benchmark when a response's status is not ``expected``."""
    timings = []
    body = b""
    for run in range(runs + 1):
        begin = time.perf_counter()
        response = request()
        body = b"".join(response.streaming_content) if response.streaming else response.content
        elapsed = (time.perf_counter() - begin) * 1000
        if response.status_code != expected:
            raise SystemExit(f"{what}: {response.status_code} {body[:500]!r}")
        if run:
            timings.append(elapsed)
    return statistics.median(timings), body
