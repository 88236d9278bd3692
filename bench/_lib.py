"""Shared by the benchmarks (not a benchmark itself: `make bench` skips files starting with _)."""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PERFORMANCE = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"


def record_line(heading: str, line: str) -> None:
    """Append ``line`` at the end of the ``heading`` section of docs/PERFORMANCE.md, creating the
    file or the section if missing and leaving the other sections as they are."""
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
    """A fresh PostgreSQL database named ``database`` on the server of
    ``LEADFLOW_TEST_DATABASE_URL``, as a URL; None (and a message) when no server answers."""
    base = os.environ.get(
        "LEADFLOW_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leadflow"
    )
    parts = urlsplit(base)
    try:
        import psycopg

        with psycopg.connect(
            urlunsplit(parts._replace(path="/postgres")), autocommit=True, connect_timeout=3
        ) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database}")
            conn.execute(f"CREATE DATABASE {database}")
    except Exception as exc:
        print(f"PostgreSQL skipped: no server answers at {base} ({exc})")
        return None
    return urlunsplit(parts._replace(path=f"/{database}"))


def postgres_drop(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    database = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database}")


def run_worker(
    script: str, args: list[str], *, url: str, var_dir: Path, env: dict[str, str] | None = None
) -> dict[str, float]:
    """Run ``script``'s per-database part in a subprocess (Django is configured once per
    process) against ``url``; its last line on standard output is a JSON object of figures."""
    import json
    import subprocess
    import sys

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
