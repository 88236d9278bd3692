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
docs/PERFORMANCE.md under "## Lead list". The target is under 300 ms each. What the indexes
cost a lead's writes is ``bench/lead_indexes.py``'s measurement.

Each database runs in its own subprocess (``--worker``), because Django is configured once per
process. Run with ``uv run python bench/list_pages.py [--leads N]``.
"""

import os
import random
import time
from datetime import timedelta
from functools import partial

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
    return figures


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
        record(
            f"{machine_line(name)}: {figures['leads']:,.0f} leads, median of {RUNS} runs "
            f"(x the page of a filter that matches nothing, {empty:.0f} ms, in the same "
            f"run; the deep page is page {figures['deep']:,.0f}): {pages}; {verdict} "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )


if __name__ == "__main__":
    main()
