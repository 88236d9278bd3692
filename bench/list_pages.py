"""Benchmark of the lead list pages (issue 5, "The web app", the list benchmark; issue 18, item 3).

Creates 100,000 leads (seeded random answers, names, companies and sources; set-based through
``leads_create_bulk`` in batches, each batch a day older than the next) in a fresh SQLite file
and a fresh PostgreSQL database (``leadflow_bench_list`` on the server of
``LEADFLOW_TEST_DATABASE_URL``, skipped when none answers), then times the list through Django's
test ``Client`` signed in as a sales manager of the client: the first page (default sort),
filtered by rating, a search, sorted by score, the deep page 1,500 reached by keyset (the Next
link's ``after`` key, as a person paging there follows it) and the same page by OFFSET (a typed
``?page=1500``, how every page was read before), and the CSV export of a filtered list of about
1,000 rows. In the same run, the baseline: a page whose filter matches no lead (the page's
fixed cost: session, scope, form, template); each figure is given with its multiple of it.
Each figure is the median of 5 runs in ms (after one warm-up run); they are appended to
docs/PERFORMANCE.md under "## Lead list". The target is under 300 ms each. On PostgreSQL the
run also measures what the trigram GIN search indexes cost a lead's writes (inserts and status
changes with and without them, in rolled-back transactions), appended under "## Indexes".

Each database runs in its own subprocess (``--worker``), because Django is configured once per
process. Run with ``uv run python bench/list_pages.py [--leads N]``.
"""

import os
import random
import statistics
import time
from datetime import timedelta
from functools import partial
from typing import Any

from _lib import (
    bench_answers,
    bench_runs,
    django_setup,
    machine_line,
    median_ms,
    record_line,
)

LEADS = 100_000
BATCH = 5_000
SEED = 2026
RUNS = 5
HEADING = "## Lead list"
INDEXES = "## Indexes"
BENCH_DATABASE = "leadflow_bench_list"
FIRST = ["Ada", "Grace", "Alan", "Hedy", "Katherine", "Barbara", "Edsger", "Donald", "Frances"]
LAST = ["Lovelace", "Hopper", "Turing", "Lamarr", "Johnson", "Liskov", "Dijkstra", "Knuth"]
WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell"]
SUFFIX = ["Corp", "Ltd", "Inc", "GmbH", "Systems", "Labs", "Group"]
#: The deep page's number at 100,000 leads (rows 74,951 to 75,000); fewer leads, a page as deep.
DEEP = 1_500
#: The baseline: a list page whose filter (an indexed one) matches no lead.
EMPTY = "/leads/?campaign=NO-SUCH-CAMPAIGN"
PAGES = {
    "first page": "/leads/",
    "filtered by rating": "/leads/?rating=hot",
    "search": "/leads/?q=vandelay",
    "sorted by score": "/leads/?sort=-score",
    "deep page by keyset": "/leads/?page={deep}&after={cursor}",
    "deep page by OFFSET": "/leads/?page={deep}",
    "CSV export (~1,000 rows)": "/leads/export.csv?campaign=CMP-07",
}


def worker(database_url: str, leads: int) -> dict[str, float]:
    django_setup(database_url)
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from leadflow.accounts.models import Role
    from leadflow.accounts.services import user_create
    from leadflow.core.enums import Channel
    from leadflow.leads.selectors.lists import PER_PAGE, LeadFilters, lead_list, lead_page
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
                    answers=bench_answers(rng),
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
    # The key the Next link of the page before carries, as a person paging there follows it.
    deep = max(2, min(DEEP, leads * 3 // 4 // PER_PAGE))
    before_deep = lead_page(leads=lead_list(user=manager, filters=LeadFilters()), number=deep - 1)
    figures: dict[str, float] = {"leads": leads, "load_s": load_s, "deep": deep}
    figures["empty"], _ = median_ms(partial(browser.get, EMPTY), runs=RUNS, what=EMPTY)
    for name, url in PAGES.items():
        url = url.format(deep=deep, cursor=before_deep.next_cursor)
        figures[name], body = median_ms(partial(browser.get, url), runs=RUNS, what=url)
        if name.startswith("CSV"):
            figures["csv_rows"] = body.count(b"\n") - 1
    if connection.vendor == "postgresql":
        figures.update(_write_cost(connection))
    return figures


#: PostgreSQL's trigram GIN indexes of the search (migration ``leads.0006``).
TRIGRAM = ("first_name", "last_name", "email", "company")
WRITE_ROUNDS = 3
INSERTED = 5_000
CHANGED = 1_000


def _write_cost(connection: Any) -> dict[str, float]:
    """What a lead's writes cost with and without the trigram GIN indexes (PostgreSQL): µs per
    lead of one ``INSERT … SELECT`` of ``INSERTED`` copies of leads, and µs per status change
    of ``CHANGED`` one-row ``UPDATE``s, median of ``WRITE_ROUNDS`` rounds, each rolled back
    (the indexes dropped inside the round's transaction)."""
    from django.db import transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(column_name, ', ') FROM information_schema.columns WHERE "
            "table_name = 'leads_lead' AND column_name NOT IN ('id', 'email', 'external_id')"
        )
        (columns,) = cursor.fetchone()
    timings: dict[str, list[float]] = {}
    for _ in range(WRITE_ROUNDS):
        for trigram in (True, False):
            label = "with trigram" if trigram else "without trigram"
            with transaction.atomic(), connection.cursor() as cursor:
                if not trigram:
                    for column in TRIGRAM:
                        cursor.execute(f"DROP INDEX lead_search_{column}")
                cursor.execute("SELECT id FROM leads_lead ORDER BY random() LIMIT %s", [CHANGED])
                ids = [row[0] for row in cursor.fetchall()]
                begin = time.perf_counter()
                cursor.execute(
                    f"INSERT INTO leads_lead ({columns}, email) SELECT {columns}, "
                    f"'copy.' || id || email FROM leads_lead ORDER BY id LIMIT {INSERTED}"
                )
                inserted = time.perf_counter() - begin
                begin = time.perf_counter()
                for lead_id in ids:
                    cursor.execute(
                        "UPDATE leads_lead SET status = CASE WHEN status = 'new' THEN "
                        "'qualifying' ELSE 'new' END, updated_at = now() WHERE id = %s",
                        [lead_id],
                    )
                changed = time.perf_counter() - begin
                transaction.set_rollback(True)
            timings.setdefault(f"insert {label}", []).append(inserted / INSERTED * 1e6)
            timings.setdefault(f"status change {label}", []).append(changed / CHANGED * 1e6)
    return {name: statistics.median(values) for name, values in timings.items()}


# --- the driver ----------------------------------------------------------------------------------


def record(line: str) -> None:
    record_line(HEADING, line)


def main() -> None:
    for name, figures, _ in bench_runs(__file__, worker, BENCH_DATABASE, {"leads": LEADS}):
        empty = figures["empty"]
        pages = ", ".join(
            f"{page} {figures[page]:.0f} ms ({figures[page] / empty:.1f}x)" for page in PAGES
        )
        slowest = max(figures[page] for page in PAGES if not page.startswith("CSV"))
        verdict = "every list page under 300 ms" if slowest < 300 else "target missed"
        print(
            f"{name}: {figures['leads']:,.0f} leads loaded in {figures['load_s']:.0f} s; "
            f"{pages}; empty page {empty:.0f} ms (export: {figures['csv_rows']:,.0f} rows); "
            f"{verdict}"
        )
        if "insert with trigram" in figures:
            costs = (
                f"insert {figures['insert with trigram']:.0f} µs a lead with the trigram GIN "
                f"indexes, {figures['insert without trigram']:.0f} µs without; status change "
                f"{figures['status change with trigram']:.0f} µs with, "
                f"{figures['status change without trigram']:.0f} µs without"
            )
            print(f"{name}: {costs}")
            record_line(
                INDEXES,
                f"{machine_line(name)}: {figures['leads']:,.0f} leads, median of "
                f"{WRITE_ROUNDS} rounds of {INSERTED:,} inserts and {CHANGED:,} status changes: "
                f"{costs} (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)",
            )
        record(
            f"{machine_line(name)}: {figures['leads']:,.0f} leads, median of {RUNS} runs "
            f"(x the page of a filter that matches nothing, {empty:.0f} ms, in the same "
            f"run; the deep page is page {figures['deep']:,.0f}): {pages}; {verdict} "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )


if __name__ == "__main__":
    main()
