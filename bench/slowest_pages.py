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

import os
import time
from functools import partial
from typing import Any

from _lib import bench_runs, django_setup, machine_line, median_ms, record_line

RUNS = 5
TOP = 10
HEADING = "## Slowest pages"
BENCH_DATABASE = "leadflow_bench_slowest"
NOT_OURS = ("/admin/",)


def worker(database_url: str, runs: int) -> dict[str, object]:
    django_setup(database_url)
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
            ms, _ = median_ms(
                partial(browser.get, item.path),
                runs=runs,
                what=f"{item.path} as {username}",
            )
            pages.append(
                {
                    "role": username,
                    "label": item.label,
                    "path": item.path,
                    "ms": ms,
                }
            )
    pages.sort(key=lambda page: page["ms"], reverse=True)
    return {"load_s": load_s, "pages": pages}


# --- the driver ----------------------------------------------------------------------------------


def main() -> None:
    for name, figures, args in bench_runs(
        __file__, worker, BENCH_DATABASE, {"runs": RUNS}, {"top": TOP}
    ):
        pages = figures["pages"]
        print(
            f"{name}: demo loaded in {figures['load_s']:.0f} s; {len(pages)} pages, "
            f"median of {args.runs} runs, slowest first:"
        )
        for page in pages[: args.top]:
            print(f"  {page['ms']:7.0f} ms  {page['label']} ({page['path']}) as {page['role']}")
        slowest = ", ".join(
            f"{page['label']} as {page['role']} {page['ms']:.0f} ms" for page in pages[: args.top]
        )
        record_line(
            HEADING,
            f"{machine_line(name)}: demo data, {len(pages)} navigation pages "
            f"of {len({page['role'] for page in pages})} roles, median of {args.runs} runs, "
            f"the {min(args.top, len(pages))} slowest: {slowest} (load average "
            f"{os.getloadavg()[0]:.0f} on {os.cpu_count()} cores)",
        )


if __name__ == "__main__":
    main()
