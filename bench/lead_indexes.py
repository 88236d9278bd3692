"""Benchmark of what the indexes of ``leads_lead`` cost and what the search index saves (issue 18,
item 3; docs/PERFORMANCE.md, "Indexes").

On PostgreSQL only (``leadflow_bench_indexes`` on the server of ``LEADFLOW_TEST_DATABASE_URL``;
skipped when none answers; SQLite has no trigram index and its B-tree indexes are the same):
100,000 leads of two programs (the list benchmark's names, companies and sources, set-based
through ``leads_create_bulk``), spread as in service (statuses, owners, held leads, phones,
company keys, CRM ids, alert events). First, for each index of ``leads_lead`` and
``leads_leadevent``, whether the plan of the query docs/PERFORMANCE.md gives it reads it. Then
four sets of indexes on ``leads_lead``, each measured in its own transaction, rolled back, so
every set starts from the same table:

- *before*: the four trigram GIN indexes of migration ``leads.0006`` (one per searched column)
  instead of the one of ``leads.0012``;
- *now*: the one trigram GIN index over the joined search text (``leads.0012``);
- *no trigram*: the B-tree indexes alone (what the search index costs is *now* less this);
- *keys only*: the baseline, the primary key and the unique constraint alone.

In each set's transaction the trigram indexes are built fresh (``CREATE INDEX`` then
``ANALYZE``), so neither set benefits from an index grown by the load. Measured: the server CPU
(the backend's user + system time from ``/proc``; the server runs on this machine) and the wall
time per inserted lead (one ``INSERT … SELECT`` of 5,000 copies of leads) and per status change
(1,000 one-row ``UPDATE``s, as ``lead_transition`` writes the row), each including the merge of
the GIN indexes' pending lists (``gin_clean_pending_list``: otherwise vacuum pays it later),
median of 3 rounds; and, for *before* (searched by the four-column predicate, as then) and
*now*, the first page of the list's search (``lead_list`` + ``lead_page`` as a sales manager)
for a common word (a company name one lead in nine carries) and a rare one (one lead's e-mail
fragment), median of 5 runs after a warm-up, with the indexes its plan reads. Figures go to
docs/PERFORMANCE.md under "## Indexes"; ``--quick`` (2,000 leads) prints them only.

Run with ``uv run python bench/lead_indexes.py [--leads N] [--quick]``.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from _lib import (
    bench_answers,
    django_setup,
    machine_line,
    postgres_drop,
    postgres_fresh,
    record_line,
    run_worker,
)

LEADS = 100_000
QUICK_LEADS = 2_000
BATCH = 5_000
SEED = 2026
HEADING = "## Indexes"
BENCH_DATABASE = "leadflow_bench_indexes"
ROUNDS = 3
INSERTED = 5_000
CHANGED = 1_000
SEARCH_RUNS = 5
FIRST = ["Ada", "Grace", "Alan", "Hedy", "Katherine", "Barbara", "Edsger", "Donald", "Frances"]
LAST = ["Lovelace", "Hopper", "Turing", "Lamarr", "Johnson", "Liskov", "Dijkstra", "Knuth"]
WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell"]
SUFFIX = ["Corp", "Ltd", "Inc", "GmbH", "Systems", "Labs", "Group"]
COMMON = "vandelay"
SEARCHED = ("first_name", "last_name", "email", "company")
#: The index sets, in the order they are measured.
SETS = ("before", "now", "no trigram", "keys only")


def _load(leads: int) -> Any:
    """``leads`` generated leads in two programs; the sales manager who sees them all."""
    from django.utils import timezone

    from leadflow.accounts.models import Role
    from leadflow.accounts.services import user_create
    from leadflow.core.enums import Channel
    from leadflow.leads.services import LeadInput, leads_create_bulk
    from leadflow.programs.selectors import program_published_criteria
    from leadflow.programs.services import client_create, program_create

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
    for batch, start in enumerate(range(0, leads, BATCH)):
        program = programs[batch % 2]
        items = []
        for number in range(start, min(start + BATCH, leads)):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            items.append(
                LeadInput(
                    first_name=first,
                    last_name=last,
                    email=f"{first}.{last}.{number}@example.com".lower(),
                    company=f"{rng.choice(WORDS)} {rng.choice(SUFFIX)} {number % 977}",
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
    return manager


def _backend_cpu(cursor: Any) -> float:
    """CPU seconds (user + system) of this connection's PostgreSQL backend so far."""
    cursor.execute("SELECT pg_backend_pid()")
    (pid,) = cursor.fetchone()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed(cursor: Any, work: Callable[[], Any]) -> tuple[float, float]:
    """Wall and server CPU seconds of ``work()``."""
    cpu = _backend_cpu(cursor)
    begin = time.perf_counter()
    work()
    wall = time.perf_counter() - begin
    return wall, _backend_cpu(cursor) - cpu


def _set_indexes(cursor: Any, name: str) -> None:
    """Make ``leads_lead``'s indexes the set ``name`` (inside the caller's transaction)."""
    if name == "no trigram":
        cursor.execute("DROP INDEX lead_search")
        return
    if name == "keys only":
        cursor.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = 'leads_lead'::regclass AND NOT x.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        )
        for (index,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{index}"')
        return
    cursor.execute("DROP INDEX lead_search")
    if name == "before":
        for column in SEARCHED:
            cursor.execute(
                f"CREATE INDEX lead_search_{column} ON leads_lead "
                f"USING gin (UPPER({column}::text) gin_trgm_ops)"
            )
    else:
        joined = " || E'\\x1f' || ".join(f"{column}::text" for column in SEARCHED)
        cursor.execute(
            f"CREATE INDEX lead_search ON leads_lead USING gin (UPPER(({joined})::text) "
            "gin_trgm_ops)"
        )
    cursor.execute("ANALYZE leads_lead")


def _writes(cursor: Any, columns: str, leads: int) -> dict[str, float]:
    """Wall and server CPU µs per inserted lead and per status change."""
    inserted, changed = min(INSERTED, leads), min(CHANGED, leads)
    cursor.execute("SELECT id FROM leads_lead ORDER BY random() LIMIT %s", [changed])
    ids = [row[0] for row in cursor.fetchall()]

    cursor.execute(
        "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am a "
        "ON a.oid = i.relam WHERE x.indrelid = 'leads_lead'::regclass AND a.amname = 'gin'"
    )
    gin = [row[0] for row in cursor.fetchall()]

    def merged() -> None:
        # A GIN index queues new entries in its pending list and merges them later (vacuum,
        # or the insert that fills the list): merging them here charges the write its whole cost.
        for index in gin:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])

    def insert() -> None:
        cursor.execute(
            f"INSERT INTO leads_lead ({columns}, email) SELECT {columns}, "
            f"'copy.' || id || email FROM leads_lead ORDER BY id LIMIT {inserted}"
        )
        merged()

    def change() -> None:
        for lead_id in ids:
            cursor.execute(
                "UPDATE leads_lead SET status = CASE WHEN status = 'new' THEN "
                "'qualifying' ELSE 'new' END, updated_at = now() WHERE id = %s",
                [lead_id],
            )
        merged()

    insert_wall, insert_cpu = _timed(cursor, insert)
    change_wall, change_cpu = _timed(cursor, change)
    return {
        "insert wall": insert_wall / inserted * 1e6,
        "insert cpu": insert_cpu / inserted * 1e6,
        "change wall": change_wall / changed * 1e6,
        "change cpu": change_cpu / changed * 1e6,
    }


def _searches(cursor: Any, manager: Any, words: dict[str, str], name: str) -> dict[str, Any]:
    """The list's first page for each word: median ms, how many leads match, the plan's index.
    The set *before* is searched as it was then: the unfiltered list narrowed by the
    four-column predicate (the same query ``lead_list`` built before ``leads.0012``)."""
    from leadflow.leads.selectors.lists import LeadFilters, lead_list, lead_page
    from leadflow.leads.selectors.text import per_column

    def searched(word: str) -> Any:
        if name == "before":
            return lead_list(user=manager, filters=LeadFilters()).filter(per_column(word))
        return lead_list(user=manager, filters=LeadFilters(q=word))

    figures: dict[str, Any] = {}
    for kind, word in words.items():
        leads = searched(word)
        timings = []
        for run in range(SEARCH_RUNS + 1):
            begin = time.perf_counter()
            page = lead_page(leads=searched(word), number=1)
            if run:
                timings.append((time.perf_counter() - begin) * 1000)
        sql, params = leads[:50].query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT relname FROM pg_class WHERE oid IN "
            "(SELECT indexrelid FROM pg_index WHERE indrelid = 'leads_lead'::regclass)"
        )
        ours = {row[0] for row in cursor.fetchall()}
        used = sorted({word for line in plan for word in line.split() if word in ours})
        if any("Seq Scan on leads_lead" in line for line in plan):
            used.append("sequential scan")
        figures[f"search {kind}"] = statistics.median(timings)
        figures[f"search {kind} found"] = page.total
        figures[f"search {kind} capped"] = page.capped
        figures[f"search {kind} plan"] = ", ".join(used)
    return figures


STATUSES = (
    "new", "qualifying", "in_review", "approved", "delivered", "assigned", "claimed", "contacted",
    "closed_won", "closed_lost", "nurturing", "dead_file", "disqualified",
)  # fmt: skip


def _as_in_service(cursor: Any, qualifier: int, newcomer: int) -> None:
    """Spread the generated leads as in service: the 13 statuses, 10 % owned by one qualifier
    (a few held by them) and 0.5 % by a newcomer, phones, company keys (the lower-cased name),
    one lead in ten with a CRM id; an alert event for one lead in a hundred."""
    statuses = "ARRAY[" + ", ".join(f"'{status}'" for status in STATUSES) + "]"
    cursor.execute(
        f"UPDATE leads_lead SET status = ({statuses})[1 + id %% 13], "
        "owner_id = CASE WHEN id %% 10 = 0 THEN %s WHEN id %% 200 = 5 THEN %s END, "
        "company_key = lower(company), "
        "held_by_id = CASE WHEN id %% 1000 = 0 THEN %s END, "
        "held_until = CASE WHEN id %% 1000 = 0 THEN now() + interval '10 minutes' END, "
        "phone = '+4930' || lpad(id::text, 7, '0'), "
        "external_source = CASE WHEN id %% 10 = 1 THEN 'crm' ELSE '' END, "
        "external_id = CASE WHEN id %% 10 = 1 THEN 'X-' || id END",
        [qualifier, newcomer, qualifier],
    )
    cursor.execute(
        "SELECT string_agg(column_name, ', ') FROM information_schema.columns WHERE "
        "table_name = 'leads_leadevent' AND column_name NOT IN ('id', 'kind')"
    )
    (columns,) = cursor.fetchone()
    cursor.execute(
        f"INSERT INTO leads_leadevent ({columns}, kind) SELECT {columns}, 'alert' "
        "FROM leads_leadevent WHERE lead_id %% 100 = 0",
        [],
    )


def _plans(cursor: Any, manager: Any, qualifier: int, newcomer: int) -> dict[str, bool]:
    """For each index of the two tables, whether PostgreSQL's plan of the query it is there for
    (docs/PERFORMANCE.md's table: the selector itself where it is the leads app's, else the
    same filter and order) reads it."""
    from django.utils import timezone

    from leadflow.leads.models import Lead, LeadEvent
    from leadflow.leads.selectors.lists import LeadFilters, lead_list
    from leadflow.leads.selectors.text import search

    lead = Lead.objects.order_by("id")[Lead.objects.count() // 2]
    program = lead.program_id

    def listed(**filters: Any) -> Any:
        return lead_list(user=manager, filters=LeadFilters(**filters))[:50]

    cursor.execute(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'leads_lead' "
        "AND indexdef LIKE '%%(created_at)'"
    )
    (created_at,) = cursor.fetchone()
    queries = {
        created_at: listed(),
        "lead_external_id_unique_per_source": Lead.objects.filter(
            program_id=program, external_source="crm", external_id=f"X-{lead.pk + 1}"
        ),
        "lead_program_status": Lead.objects.filter(program_id=program, status="approved")
        .order_by("-created_at")
        .values("id"),
        "lead_program_stage": Lead.objects.filter(
            program_id=program, stage__in=["opportunity", "qualified_opportunity"]
        ).values("id"),
        "lead_status_rating": Lead.objects.filter(status="approved", rating="hot").order_by(
            "-score"
        )[:100],
        "lead_channel": listed(channel="phone"),
        # The CSV export of a campaign (all its leads, not a page).
        "lead_campaign": lead_list(user=manager, filters=LeadFilters(campaign="CMP-07")),
        # The PROTECT check before a user is deleted: every lead they own.
        "lead_owner_status": Lead.objects.filter(owner_id__in=[newcomer]).only("id"),
        "lead_held": Lead.objects.filter(held_by_id=qualifier, held_until__gt=timezone.now()),
        "lead_list_score": listed(sort="-score"),
        "lead_list_company": listed(sort="company"),
        "lead_list_status": listed(sort="status"),
        "lead_program_email": Lead.objects.filter(program_id=program, email__in=[lead.email]),
        "lead_program_phone": Lead.objects.filter(program_id=program, phone__in=[lead.phone]),
        "lead_program_company_key": Lead.objects.filter(
            program_id=program, company_key__in=[lead.company_key]
        ),
        "lead_search": search(Lead.objects.all(), [lead.email.split("@")[0]])[:50],
        "lead_event_lead_at": LeadEvent.objects.filter(lead_id=lead.pk).order_by("at"),
        "lead_event_alert": LeadEvent.objects.filter(lead_id=lead.pk, kind="alert"),
    }
    chosen = {}
    for index, query in queries.items():
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = " ".join(row[0] for row in cursor.fetchall())
        chosen[index] = f" {index} " in f" {plan} "
    return chosen


def worker(database_url: str, leads: int) -> dict[str, Any]:
    django_setup(database_url)
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    manager = _load(leads)
    load_s = time.perf_counter() - started
    from leadflow.accounts.models import Role
    from leadflow.accounts.services import user_create

    qualifier, newcomer = (
        user_create(username=name, password=f"bench-{name}-1", roles=[Role.QUALIFIER]).pk
        for name in ("qualifier", "newcomer")
    )
    with connection.cursor() as cursor:
        _as_in_service(cursor, qualifier, newcomer)
        cursor.execute("VACUUM ANALYZE leads_lead")
        cursor.execute("VACUUM ANALYZE leads_leadevent")
        plans = _plans(cursor, manager, qualifier, newcomer)
        cursor.execute(
            "SELECT string_agg(column_name, ', ') FROM information_schema.columns WHERE "
            "table_name = 'leads_lead' AND column_name NOT IN ('id', 'email', 'external_id')"
        )
        (columns,) = cursor.fetchone()
        cursor.execute("SELECT email FROM leads_lead ORDER BY id OFFSET %s LIMIT 1", [leads // 2])
        (email,) = cursor.fetchone()
    # A rare word: one lead's e-mail fragment ("lovelace.4242@"), as a person pastes it.
    words = {"common": COMMON, "rare": email.split(".", 1)[1].split("example")[0]}
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in SETS}
    figures: dict[str, Any] = {"leads": leads, "load_s": load_s, "rare": words["rare"]}
    figures["plans"] = plans
    for round_number in range(ROUNDS):
        for name in SETS:
            with transaction.atomic(), connection.cursor() as cursor:
                _set_indexes(cursor, name)
                if round_number == 0:
                    cursor.execute(
                        "SELECT count(*) FROM pg_index WHERE indrelid = 'leads_lead'::regclass"
                    )
                    (figures[f"{name} indexes"],) = cursor.fetchone()
                    if name != "keys only":
                        searched = _searches(cursor, manager, words, name)
                        figures.update({f"{name} {key}": v for key, v in searched.items()})
                rounds[name].append(_writes(cursor, columns, leads))
                transaction.set_rollback(True)
    for name, measured in rounds.items():
        for key in measured[0]:
            figures[f"{name} {key}"] = statistics.median(m[key] for m in measured)
    return figures


# --- the driver ----------------------------------------------------------------------------------


def _line(figures: dict[str, Any]) -> str:
    plans: dict[str, bool] = figures["plans"]
    unused = sorted(index for index, chosen in plans.items() if not chosen)

    def writes(name: str) -> str:
        return (
            f"{name} ({figures[f'{name} indexes']} indexes) insert "
            f"{figures[f'{name} insert cpu']:.0f} µs server CPU a lead "
            f"({figures[f'{name} insert wall']:.0f} µs wall), status change "
            f"{figures[f'{name} change cpu']:.0f} µs ({figures[f'{name} change wall']:.0f} µs)"
        )

    def search(name: str) -> str:
        parts = []
        for kind in ("common", "rare"):
            found = figures[f"{name} search {kind} found"]
            more = "+" if figures[f"{name} search {kind} capped"] else ""
            parts.append(
                f"{kind} word {figures[f'{name} search {kind}']:.0f} ms ({found:,}{more} leads, "
                f"{figures[f'{name} search {kind} plan']})"
            )
        return f"{name}: " + ", ".join(parts)

    return (
        f"{figures['leads']:,} leads, median of {ROUNDS} rounds of "
        f"{min(INSERTED, figures['leads']):,} inserts and "
        f"{min(CHANGED, figures['leads']):,} status changes (keys only = the baseline, same run): "
        + "; ".join(writes(name) for name in SETS)
        + f'. List search, first page, median of {SEARCH_RUNS} (common word "{COMMON}", rare '
        f'word "{figures["rare"]}"): '
        + "; ".join(search(name) for name in SETS[:2])
        + ". Plans (the query of each index of docs/PERFORMANCE.md's table, the set now): "
        f"{sum(plans.values())} of {len(plans)} indexes chosen"
        + (f"; not chosen: {', '.join(unused)}" if unused else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=LEADS)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_LEADS:,} leads, no record")
    parser.add_argument("--worker", metavar="DATABASE_URL")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.leads)))
        return
    leads = QUICK_LEADS if args.quick else args.leads
    url = postgres_fresh(BENCH_DATABASE)
    if url is None:
        return
    try:
        with tempfile.TemporaryDirectory(prefix="leadflow-bench-") as tmp:
            figures = run_worker(
                __file__,
                ["--worker", url, "--leads", str(leads)],
                url=url,
                var_dir=Path(tmp),
                env={"HTTPS": "false"},
            )
    finally:
        postgres_drop(url)
    line = _line(figures)
    print(f"PostgreSQL: loaded in {figures['load_s']:.0f} s; {line}")
    load = os.getloadavg()[0]
    if args.quick:
        os.environ["LEADFLOW_BENCH_QUICK"] = "1"
    record_line(
        HEADING,
        f"{machine_line('PostgreSQL')}: {line} (load average {load:.1f} on {os.cpu_count()} cores)",
    )


if __name__ == "__main__":
    sys.exit(main())
