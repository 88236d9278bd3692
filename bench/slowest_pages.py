"""Benchmark of every page the navigation shows, per role, on the demo data (issue 17, item 10,
"`make bench` records the slowest pages").

Loads the demo data set (``demo_load``: two programs, a user per role, about 500 leads walked
through the lifecycle) into a fresh SQLite file and a fresh PostgreSQL database
(``leadflow_bench_slowest`` on the server of ``LEADFLOW_TEST_DATABASE_URL``, skipped when none
answers), then, signed in as each demo user in turn through Django's test ``Client``, times every
page of that user's navigation (``config/navigation.py``, so a new entry is timed without
touching this script; the Django admin is left out, as in the accessibility check). The time is
the server's: the request through the whole Django stack, without a network or a browser. Each
figure is the median of 5 runs in ms after one warm-up run. The slowest pages are printed, and
the ten slowest of each database are appended to docs/PERFORMANCE.md under "## Slowest pages".

Each database runs in its own subprocess (``--worker``), because Django is configured once per
process. Run with ``uv run python bench/slowest_pages.py [--runs N] [--top N]``.
"""

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from _lib import postgres_drop, postgres_fresh, record_line, run_worker

RUNS = 5
TOP = 10
HEADING = "## Slowest pages"
BENCH_DATABASE = "leadflow_bench_slowest"
NOT_OURS = ("/admin/",)


def worker(database_url: str, runs: int) -> dict[str, object]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadflow.config.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["HTTPS"] = "false"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from leadflow.accounts.models import User
    from leadflow.accounts.navigation import nav_items
    from leadflow.demo.seed import USERNAMES, demo_load

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    demo_load(now=timezone.now())
    load_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    pages: list[dict[str, Any]] = []
    for username in USERNAMES:
        user = User.objects.get(username=username)
        browser = Client()
        browser.force_login(user)
        for item in nav_items(user):
            if item.path.startswith(NOT_OURS):
                continue
            timings = []
            for run in range(runs + 1):
                begin = time.perf_counter()
                response = browser.get(item.path)
                elapsed = (time.perf_counter() - begin) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{item.path} as {username}: {response.status_code}")
                if run:
                    timings.append(elapsed)
            pages.append(
                {
                    "role": username,
                    "label": item.label,
                    "path": item.path,
                    "ms": statistics.median(timings),
                }
            )
    pages.sort(key=lambda page: page["ms"], reverse=True)
    return {"load_s": load_s, "pages": pages}


# --- the driver ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--top", type=int, default=TOP)
    parser.add_argument("--worker", metavar="DATABASE_URL")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.runs)))
        return
    with tempfile.TemporaryDirectory(prefix="leadflow-bench-") as tmp:
        tmp_dir = Path(tmp)
        databases = [("SQLite", f"sqlite:///{tmp_dir / 'bench.sqlite3'}")]
        postgres = postgres_fresh(BENCH_DATABASE)
        if postgres:
            databases.append(("PostgreSQL", postgres))
        machine = platform.processor() or platform.machine()
        for name, url in databases:
            try:
                figures = run_worker(
                    __file__,
                    ["--worker", url, "--runs", str(args.runs)],
                    url=url,
                    var_dir=tmp_dir,
                    env={"HTTPS": "false"},
                )
            finally:
                if name == "PostgreSQL":
                    postgres_drop(url)
            pages = figures["pages"]
            print(
                f"{name}: demo loaded in {figures['load_s']:.0f} s; {len(pages)} pages, "
                f"median of {args.runs} runs, slowest first:"
            )
            for page in pages[: args.top]:
                print(f"  {page['ms']:7.0f} ms  {page['label']} ({page['path']}) as {page['role']}")
            slowest = ", ".join(
                f"{page['label']} as {page['role']} {page['ms']:.0f} ms"
                for page in pages[: args.top]
            )
            record_line(
                HEADING,
                f"- {date.today().isoformat()} {platform.node()} ({machine}, Python "
                f"{platform.python_version()}), {name}: demo data, {len(pages)} navigation pages "
                f"of {len({page['role'] for page in pages})} roles, median of {args.runs} runs, "
                f"the {min(args.top, len(pages))} slowest: {slowest} (load average "
                f"{os.getloadavg()[0]:.0f} on {os.cpu_count()} cores)",
            )


if __name__ == "__main__":
    main()
