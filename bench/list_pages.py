"""Benchmark of the lead list pages (issue 5, "The web app", the list benchmark; STYLE.md, bench/).

Creates 100,000 leads (seeded random answers, names, companies and sources; set-based through
``leads_create_bulk`` in batches, each batch a day older than the next) in a fresh SQLite file
and a fresh PostgreSQL database (``leadflow_bench_list`` on the server of
``LEADFLOW_TEST_DATABASE_URL``, skipped when none answers), then times the list through Django's
test ``Client`` signed in as a sales manager of the client: the first page (default sort),
filtered by rating, a search, sorted by score, a deep page, and the CSV export of a filtered list
of about 1,000 rows. Each figure is the median of 5 runs in ms (after one warm-up run); they are
appended to docs/PERFORMANCE.md under "## Lead list". The target is under 300 ms each.

Each database runs in its own subprocess (``--worker``), because Django is configured once per
process. Run with ``uv run python bench/list_pages.py [--leads N]``.
"""

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from _lib import postgres_drop, postgres_fresh, record_line, run_worker

LEADS = 100_000
BATCH = 5_000
SEED = 2026
RUNS = 5
HEADING = "## Lead list"
BENCH_DATABASE = "leadflow_bench_list"
FIRST = ["Ada", "Grace", "Alan", "Hedy", "Katherine", "Barbara", "Edsger", "Donald", "Frances"]
LAST = ["Lovelace", "Hopper", "Turing", "Lamarr", "Johnson", "Liskov", "Dijkstra", "Knuth"]
WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell"]
SUFFIX = ["Corp", "Ltd", "Inc", "GmbH", "Systems", "Labs", "Group"]
PAGES = {
    "first page": "/leads/",
    "filtered by rating": "/leads/?rating=hot",
    "search": "/leads/?q=vandelay",
    "sorted by score": "/leads/?sort=-score",
    "deep page": "/leads/?page=1500",
    "CSV export (~1,000 rows)": "/leads/export.csv?campaign=CMP-07",
}


def _answers(rng: random.Random) -> dict[str, object]:
    answers: dict[str, object] = {
        "budget": rng.choice(["none", "preliminary", "approved"]),
        "authority": rng.choice(["none", "influencer", "specifier", "decision_maker"]),
        "need": rng.choice(["none", "identified", "established"]),
    }
    timeframe = rng.choice([None, 1, 2, 3, 5, 6, 8, 9, 12, 18])
    if timeframe is not None:
        answers["timeframe_months"] = timeframe
    return answers


def worker(database_url: str, leads: int) -> dict[str, float]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadflow.config.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["HTTPS"] = "false"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from leadflow.accounts.models import Role
    from leadflow.accounts.services import user_create
    from leadflow.core.enums import Channel
    from leadflow.leads.services import LeadInput, leads_create_bulk
    from leadflow.programs.selectors import program_published_criteria
    from leadflow.programs.services import client_create, program_create

    call_command("migrate", verbosity=0)
    now = timezone.now()
    client = client_create(name="Bench", slug="bench")
    programs = [
        program_create(client=client, name=f"Bench {n}", slug=f"bench-{n}", actor=None, now=now)
        for n in (1, 2)
    ]
    published = {p.pk: program_published_criteria(program=p) for p in programs}
    manager = user_create(
        username="manager", password="bench-manager-1", roles=[Role.MANAGER], clients=[client]
    )
    rng = random.Random(SEED)
    channels = list(Channel)
    started = time.perf_counter()
    for batch, start in enumerate(range(0, leads, BATCH)):
        program = programs[batch % 2]
        items = []
        for number in range(start, min(start + BATCH, leads)):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            company = f"{rng.choice(WORDS)} {rng.choice(SUFFIX)} {number % 977}"
            items.append(
                LeadInput(
                    first_name=first,
                    last_name=last,
                    email=f"{first}.{last}.{number}@example.com".lower(),
                    company=company,
                    channel=rng.choice(channels),
                    campaign=f"CMP-{number % 100:02d}",
                    answers=_answers(rng),
                )
            )
        leads_create_bulk(
            program=program,
            items=items,
            actor=None,
            now=now - timedelta(days=leads // BATCH - batch),
            published=published[program.pk],
        )
    load_s = time.perf_counter() - started
    # Fresh planner statistics, as PostgreSQL's autovacuum and SQLite's ``PRAGMA optimize``
    # give a database in service; without them SQLite sorts the whole scope for a first page.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    browser = Client()
    browser.force_login(manager)
    figures: dict[str, float] = {"leads": leads, "load_s": load_s}
    for name, url in PAGES.items():
        timings = []
        for run in range(RUNS + 1):
            begin = time.perf_counter()
            response = browser.get(url)
            body = (
                b"".join(response.streaming_content)  # type: ignore[attr-defined]
                if response.streaming
                else response.content
            )
            elapsed = (time.perf_counter() - begin) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code}")
            if run:
                timings.append(elapsed)
        figures[name] = statistics.median(timings)
        if name.startswith("CSV"):
            figures["csv_rows"] = body.count(b"\n") - 1
    return figures


# --- the driver ----------------------------------------------------------------------------------


def _run_worker(url: str, leads: int, var_dir: Path) -> dict[str, float]:
    return run_worker(
        __file__,
        ["--worker", url, "--leads", str(leads)],
        url=url,
        var_dir=var_dir,
        env={"HTTPS": "false"},
    )


def record(line: str) -> None:
    record_line(HEADING, line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=LEADS)
    parser.add_argument("--worker", metavar="DATABASE_URL")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.leads)))
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
                figures = _run_worker(url, args.leads, tmp_dir)
            finally:
                if name == "PostgreSQL":
                    postgres_drop(url)
            pages = ", ".join(f"{page} {figures[page]:.0f} ms" for page in PAGES)
            print(
                f"{name}: {figures['leads']:,.0f} leads loaded in {figures['load_s']:.0f} s; "
                f"{pages} (export: {figures['csv_rows']:,.0f} rows)"
            )
            record(
                f"- {date.today().isoformat()} {platform.node()} ({machine}, Python "
                f"{platform.python_version()}), {name}: {figures['leads']:,.0f} leads, median of "
                f"{RUNS} runs: {pages}"
            )


if __name__ == "__main__":
    main()
