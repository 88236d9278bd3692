"""Benchmark of the report dashboards at volume (issue 16, item 5 "Fast on real volumes").

Builds a history in a fresh PostgreSQL database (``leadflow_bench_reports`` on the server of
``LEADFLOW_TEST_DATABASE_URL``, skipped when none answers; 1,000,000 leads with about
10,000,000 history entries by default) and in a fresh SQLite file (a tenth of that), then times
the summary tables' rebuild (``facts_rebuild``) and every dashboard through Django's test
``Client`` as a sales manager of both clients, for a one-year period: all programs, then one
program. Each page figure is the median of 5 runs in ms after one warm-up run; the lines are
appended to docs/PERFORMANCE.md under "## Report dashboards". Targets: under 1 s a dashboard on
PostgreSQL at 1,000,000 leads, under 2 s on SQLite at 100,000.

The setup goes through the services (migrate, two clients in different timezones, four
programs each with a second criteria version published a year ago, a sales manager, six
qualifiers and two QA reviewers, one template lead per the capture service); the leads and
their history are then written set-based, not through the services one by one (that is ~20
minutes per million): on PostgreSQL one ``INSERT … SELECT … FROM generate_series`` for the
leads (the template's row with the generated columns) and one for their ``LeadEvent`` rows (the
append-only trigger refuses UPDATE and DELETE only); on SQLite ``executemany`` in one
transaction. Every generated value is a function of the lead's id (a multiplicative hash), the
same in SQL and in Python, so both databases hold the same kind of history:

- 2 clients (America/New_York, Europe/Berlin), 2 programs each, leads spread evenly over the
  programs and over the last two years; 9 channels (web the most), 40 campaigns, 4 inquiry
  types; the stage (40% inquiry, 30% lead, 20% opportunity, 10% qualified) and the rating in
  the ``created`` entry's ``after`` (``{"stage", "rating", "criteria_version"}``; version 2,
  a stricter mix, for leads of the last year).
- Each lead: ``created``, ``start_qualifying`` by one of its client's three qualifiers, calls
  (kind ``call``) by the same qualifier, then one of nine lifecycles: dead file, disqualified,
  nurture, submitted → approved → delivered, the same after a push-back with a reason,
  approved → assigned → claimed → contacted → won, the same lost after a push-back, a
  partner's nurture, or still in review; QA decisions by one of two reviewers. Entries are
  1 to 36 hours apart. ``--events-per-lead`` (default 10) is the mean length of a history.

What the dashboards read besides the history (deliveries and the guarantee ledger, partner
assignments, nurture touches) is not generated: those parts of the pages run their queries on
empty tables. Each database runs in its own subprocess (``--worker``), because Django is
configured once per process. Run with
``uv run python bench/report_pages.py [--leads N] [--events-per-lead N] [--only sqlite|postgres]``.
"""

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from _lib import postgres_drop, postgres_fresh, record_line, run_worker

LEADS = 1_000_000
SQLITE_SHARE = 10
EVENTS_PER_LEAD = 10
RUNS = 5
HEADING = "## Report dashboards"
BENCH_DATABASE = "leadflow_bench_reports"
DAYS = 730
PAGES = {
    "funnel": "funnel",
    "funnel by channel": "funnel&by=channel",
    "qualifying": "qualifying",
    "deliverables": "deliverables",
    "partners": "partners",
    "nurture": "nurture",
}

# --- the generated history, a function of the lead's id ------------------------------------

_MULTIPLIERS = (2654435761, 2246822519, 3266489917, 668265263, 374761393, 1103515245, 1664525)
_PRIME = 4294967291

CHANNELS = (
    ["web"] * 6
    + ["referral", "event", "direct_mail", "purchased_list", "sales_prospecting", "other"] * 2
    + ["print_advertisement", "public_relations"]
)
INQUIRY_TYPES = (
    ["information_request"] * 10
    + ["needs_assessment_request"] * 5
    + ["demo_request"] * 4
    + ["demo_and_proposal_request"]
)
STAGES = ["inquiry"] * 8 + ["lead"] * 6 + ["opportunity"] * 4 + ["qualified_opportunity"] * 2
_STAGE_INDEX = {"inquiry": 0, "lead": 1, "opportunity": 2, "qualified_opportunity": 3}
#: Two ratings per stage (index stage * 2 + coin), per criteria version.
RATINGS = {
    1: ["c", "fyi", "b", "c", "a", "b", "hot", "a"],
    2: ["fyi", "fyi", "c", "b", "b", "a", "hot", "hot"],
}
OUTCOMES = ["no_answer", "voicemail", "connected", "busy", "callback"]
REASONS = [
    "Budget not confirmed — asked twice",
    "Wrong contact — not the decision maker",
    "Timeframe unclear",
    "Missing phone number",
]

# (action, from, to, reason, actor: "q" qualifier, "r" reviewer, "" none)
_SUBMIT = ("submit_for_review", "qualifying", "in_review", "", "q")
_APPROVE = ("approve", "in_review", "approved", "", "r")
_PUSH_BACK = ("push_back", "in_review", "qualifying", "*", "r")
_CLAIM = ("claim", "assigned", "claimed", "", "")
_CONTACT = ("record_contact", "claimed", "contacted", "", "")
LIFECYCLES: list[tuple[int, list[tuple[str, str, str, str, str]]]] = [
    # (weight out of 20, the steps after the calls)
    (5, [("dead_file", "qualifying", "dead_file", "", "q")]),
    (2, [("disqualify", "qualifying", "disqualified", "Wrong fit", "q")]),
    (2, [("nurture", "qualifying", "nurturing", "", "q")]),
    (3, [_SUBMIT, _APPROVE, ("deliver", "approved", "delivered", "", "")]),
    (2, [_SUBMIT, _PUSH_BACK, _SUBMIT, _APPROVE, ("deliver", "approved", "delivered", "", "")]),
    (
        2,
        [
            _SUBMIT,
            _APPROVE,
            ("assign", "approved", "assigned", "", ""),
            _CLAIM,
            _CONTACT,
            ("close_won", "contacted", "closed_won", "", ""),
        ],
    ),
    (
        2,
        [
            _SUBMIT,
            _PUSH_BACK,
            _SUBMIT,
            _APPROVE,
            ("assign", "approved", "assigned", "", ""),
            _CLAIM,
            _CONTACT,
            ("close_lost", "contacted", "closed_lost", "No budget this year", ""),
        ],
    ),
    (
        1,
        [
            _SUBMIT,
            _APPROVE,
            ("assign", "approved", "assigned", "", ""),
            _CLAIM,
            ("nurture", "claimed", "nurturing", "", ""),
        ],
    ),
    (1, [_SUBMIT]),
]
FATES = [number for number, (weight, _) in enumerate(LIFECYCLES) for _ in range(weight)]
assert len(FATES) == 20


def h(lead_id: int, k: int) -> int:
    return (lead_id * _MULTIPLIERS[k] + 12345) % _PRIME


def _h_sql(column: str, k: int) -> str:
    return f"(({column})::bigint * {_MULTIPLIERS[k]} + 12345) % {_PRIME}"


def _array(values: list[Any], cast: str = "text") -> str:
    def one(value: Any) -> str:
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        return str(value)

    return f"(ARRAY[{', '.join(one(value) for value in values)}]::{cast}[])"


def _pick_sql(values: list[Any], column: str, k: int, cast: str = "text") -> str:
    return f"{_array(values, cast)}[1 + ({_h_sql(column, k)}) % {len(values)}]"


# --- the worker: one database ------------------------------------------------------------------


class Setup:
    def __init__(self, events_per_lead: int, now: datetime) -> None:
        from leadflow.accounts.models import Role
        from leadflow.accounts.services import user_create
        from leadflow.core.criteria import default_criteria
        from leadflow.leads.services import LeadInput, leads_create_bulk
        from leadflow.programs.models import HandOffMode
        from leadflow.programs.services import client_create, criteria_publish, program_create

        self.now = now
        self.base = now - timedelta(days=DAYS)
        self.events_per_lead = events_per_lead
        clients = [
            client_create(name="Northwind", slug="northwind", timezone="America/New_York"),
            client_create(name="Contoso", slug="contoso", timezone="Europe/Berlin"),
        ]
        modes = [HandOffMode.DELIVERY, HandOffMode.BOTH, HandOffMode.PARTNERS, HandOffMode.BOTH]
        self.programs = []
        self.versions: list[tuple[int, int]] = []
        for number, mode in enumerate(modes, start=1):
            program = program_create(
                client=clients[(number - 1) // 2],
                name=f"Program {number}",
                slug=f"program-{number}",
                hand_off_mode=mode,
                actor=None,
                now=self.base,
            )
            second = criteria_publish(
                program=program,
                criteria=default_criteria(),
                actor=None,
                now=self.base + timedelta(days=DAYS // 2),
                note="stricter rating",
            )
            first = program.criteria_versions.get(number=1)
            self.programs.append(program)
            self.versions.append((first.pk, second.pk))
        self.manager = user_create(
            username="manager", password=None, roles=[Role.MANAGER], clients=clients
        )
        self.qualifiers = [
            user_create(
                username=f"qualifier{n}",
                password=None,
                first_name=f"Qualifier {n}",
                roles=[Role.QUALIFIER],
                clients=[clients[n // 3]],
            ).pk
            for n in range(6)
        ]
        self.reviewers = [
            user_create(
                username=f"reviewer{n}", password=None, roles=[Role.REVIEWER], clients=clients
            ).pk
            for n in range(2)
        ]
        template = leads_create_bulk(
            program=self.programs[0],
            items=[LeadInput(first_name="Template", last_name="Lead", company="Bench")],
            actor=None,
            now=self.base,
        )[0]
        self.template_id = template.pk

    # the plan of one lead, in Python (SQLite) — _leads_sql/_events_sql say the same in SQL
    def lead(self, lead_id: int) -> dict[str, Any]:
        program = lead_id % 4
        created = self.base + timedelta(minutes=h(lead_id, 1) % (DAYS * 1440))
        version = 1 if created < self.base + timedelta(days=DAYS // 2) else 2
        stage = STAGES[h(lead_id, 2) % len(STAGES)]
        fate = FATES[h(lead_id, 3) % len(FATES)]
        steps = LIFECYCLES[fate][1]
        length = self.events_per_lead + (h(lead_id, 6) // 36) % 5 - 2
        return {
            "id": lead_id,
            "program": program,
            "created": created,
            "version": version,
            "stage": stage,
            "rating": RATINGS[version][_STAGE_INDEX[stage] * 2 + (h(lead_id, 2) // 20) % 2],
            "steps": steps,
            "status": steps[-1][2],
            "calls": max(1, length - 2 - len(steps)),
            "hours": 1 + h(lead_id, 6) % 36,
            "qualifier": self.qualifiers[(program // 2) * 3 + h(lead_id, 0) % 3],
            "reviewer": self.reviewers[(h(lead_id, 3) // 20) % 2],
            "channel": CHANNELS[h(lead_id, 4) % len(CHANNELS)],
            "inquiry_type": INQUIRY_TYPES[h(lead_id, 5) % len(INQUIRY_TYPES)],
            "campaign": f"CMP-{(h(lead_id, 0) // 3) % 40:02d}",
        }


def _lead_columns() -> list[str]:
    from leadflow.leads.models import Lead

    return [field.column for field in Lead._meta.concrete_fields]


def _postgres_load(setup: Setup, leads: int) -> None:
    from django.db import connection

    first = setup.template_id + 1
    g = "g.id"
    base = setup.base.isoformat()
    created = (
        f"('{base}'::timestamptz + make_interval(mins => ({_h_sql(g, 1)} % {DAYS * 1440})::int))"
    )
    half = f"'{setup.base + timedelta(days=DAYS // 2)}'::timestamptz"
    stage_index = f"(1 + ({_h_sql(g, 2)}) % {len(STAGES)})"
    fate = f"(1 + ({_h_sql(g, 3)}) % {len(FATES)})"
    overrides = {
        "id": g,
        "program_id": f"{_array([p.pk for p in setup.programs], 'bigint')}[1 + {g} % 4]",
        "status": f"{_array([LIFECYCLES[f][1][-1][2] for f in FATES])}[{fate}]",
        "owner_id": (
            f"{_array(setup.qualifiers, 'bigint')}[1 + (({g} % 4) / 2) * 3 + ({_h_sql(g, 0)}) % 3]"
        ),
        "first_name": "'Bench'",
        "last_name": f"'Lead ' || {g}",
        "email": f"'lead' || {g} || '@example.com'",
        "company": f"'Company ' || ({g} % 9973)",
        "channel": _pick_sql(CHANNELS, g, 4),
        "campaign": f"'CMP-' || lpad(((({_h_sql(g, 0)}) / 3) % 40)::text, 2, '0')",
        "inquiry_type": _pick_sql(INQUIRY_TYPES, g, 5),
        "stage": f"{_array(STAGES)}[{stage_index}]",
        "rating": (
            f"CASE WHEN {created} < {half} THEN {_array(RATINGS[1])}"
            f"[1 + {_array([_STAGE_INDEX[s] for s in STAGES], 'int')}[{stage_index}] * 2 + "
            f"(({_h_sql(g, 2)}) / 20) % 2] ELSE {_array(RATINGS[2])}"
            f"[1 + {_array([_STAGE_INDEX[s] for s in STAGES], 'int')}[{stage_index}] * 2 + "
            f"(({_h_sql(g, 2)}) / 20) % 2] END"
        ),
        "criteria_version_id": (
            f"CASE WHEN {created} < {half} "
            f"THEN {_array([v[0] for v in setup.versions], 'bigint')}[1 + {g} % 4] "
            f"ELSE {_array([v[1] for v in setup.versions], 'bigint')}[1 + {g} % 4] END"
        ),
        "created_at": created,
        "updated_at": created,
        "qualified_at": created,
        "external_id": "NULL",
    }
    columns = _lead_columns()
    select = ", ".join(overrides.get(column, f't."{column}"') for column in columns)
    steps_rows = []
    for number, (_, steps) in enumerate(LIFECYCLES):
        for j, (action, source, target, reason, who) in enumerate(steps):
            text = "''" if reason != "*" else "NULL"
            if reason not in ("", "*"):
                text = "'" + reason.replace("'", "''") + "'"
            steps_rows.append(
                f"({number + 1}, {j}, '{action}', '{source}', '{target}', {text}, '{who}')"
            )
    lengths = _array([len(LIFECYCLES[f][1]) for f in FATES], "int")
    fates = _array([f + 1 for f in FATES], "int")
    with connection.cursor() as cursor:
        quoted = ", ".join(f'"{column}"' for column in columns)
        cursor.execute(
            f"INSERT INTO leads_lead ({quoted}) SELECT {select} "
            f"FROM generate_series({first}, {first + leads - 1}) AS g(id) "
            f"CROSS JOIN leads_lead t WHERE t.id = {setup.template_id}"
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('leads_lead', 'id'), "
            "(SELECT max(id) FROM leads_lead))"
        )
        x = "l.id"
        cursor.execute(
            f"""
            WITH steps(fate, j, action, from_status, to_status, reason, who) AS (
                VALUES {", ".join(steps_rows)}
            ),
            plan AS (
                SELECT l.id, l.created_at, l.stage, l.rating, cv.number AS version,
                       {fates}[1 + ({_h_sql(x, 3)}) % {len(FATES)}] AS fate,
                       {lengths}[1 + ({_h_sql(x, 3)}) % {len(FATES)}] AS tail,
                       GREATEST(1, {setup.events_per_lead} + (({_h_sql(x, 6)}) / 36) % 5 - 2 - 2
                                - {lengths}[1 + ({_h_sql(x, 3)}) % {len(FATES)}]) AS calls,
                       1 + ({_h_sql(x, 6)}) % 36 AS hours,
                       l.owner_id AS qualifier,
                       {_array(setup.reviewers, "bigint")}[1 + (({_h_sql(x, 3)}) / 20) % 2]
                           AS reviewer
                FROM leads_lead l
                JOIN programs_criteriaversion cv ON cv.id = l.criteria_version_id
                WHERE l.id BETWEEN {first} AND {first + leads - 1}
            )
            INSERT INTO leads_leadevent
                (lead_id, kind, action, actor_id, at, from_status, to_status, before, after,
                 reason)
            SELECT p.id,
                   CASE WHEN i = 0 THEN 'created' WHEN i = 1 OR s.j IS NOT NULL
                        THEN 'status_changed' ELSE 'call' END,
                   CASE WHEN i = 0 THEN '' WHEN i = 1 THEN 'start_qualifying'
                        ELSE COALESCE(s.action, '') END,
                   CASE WHEN i = 0 THEN NULL WHEN s.j IS NULL OR s.who = 'q' THEN p.qualifier
                        WHEN s.who = 'r' THEN p.reviewer END,
                   p.created_at + make_interval(hours => (i * p.hours)::int, secs => i),
                   CASE WHEN i = 0 THEN '' WHEN i = 1 THEN 'new'
                        ELSE COALESCE(s.from_status, '') END,
                   CASE WHEN i = 0 THEN 'new' WHEN i = 1 THEN 'qualifying'
                        ELSE COALESCE(s.to_status, '') END,
                   '{{}}'::jsonb,
                   CASE WHEN i = 0 THEN jsonb_build_object(
                            'stage', p.stage, 'rating', p.rating,
                            'criteria_version', p.version)
                        WHEN i = 1 OR s.j IS NOT NULL THEN '{{}}'::jsonb
                        ELSE jsonb_build_object('outcome',
                            {_array(OUTCOMES)}[1 + (p.id + i) % {len(OUTCOMES)}]) END,
                   CASE WHEN s.j IS NULL THEN ''
                        WHEN s.reason IS NULL
                        THEN {_array(REASONS)}[1 + (p.id / 7) % {len(REASONS)}]
                        ELSE s.reason END
            FROM plan p
            CROSS JOIN LATERAL generate_series(0, 1 + p.calls + p.tail) AS i
            LEFT JOIN steps s ON s.fate = p.fate AND s.j = i - 2 - p.calls
            """
        )


def _sqlite_stamp(value: datetime) -> str:
    return str(value.astimezone(UTC).replace(tzinfo=None))


def _sqlite_load(setup: Setup, leads: int) -> None:
    from django.db import connection, transaction

    columns = _lead_columns()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM leads_lead WHERE id = %s", [setup.template_id]
        )
        template = dict(zip(columns, cursor.fetchone(), strict=True))
    lead_rows = []
    event_rows = []
    for lead_id in range(setup.template_id + 1, setup.template_id + 1 + leads):
        plan = setup.lead(lead_id)
        stamp = _sqlite_stamp(plan["created"])
        row = {
            **template,
            "id": lead_id,
            "program_id": setup.programs[plan["program"]].pk,
            "status": plan["status"],
            "owner_id": plan["qualifier"],
            "first_name": "Bench",
            "last_name": f"Lead {lead_id}",
            "email": f"lead{lead_id}@example.com",
            "company": f"Company {lead_id % 9973}",
            "channel": plan["channel"],
            "campaign": plan["campaign"],
            "inquiry_type": plan["inquiry_type"],
            "stage": plan["stage"],
            "rating": plan["rating"],
            "criteria_version_id": setup.versions[plan["program"]][plan["version"] - 1],
            "created_at": stamp,
            "updated_at": stamp,
            "qualified_at": stamp,
            "external_id": None,
        }
        lead_rows.append([row[column] for column in columns])
        created = plan["created"]

        def at(i: int, created: datetime = created, hours: int = plan["hours"]) -> str:
            return _sqlite_stamp(created + timedelta(hours=i * hours, seconds=i))

        after = {"stage": plan["stage"], "rating": plan["rating"]}
        after["criteria_version"] = plan["version"]
        event_rows.append((lead_id, "created", "", None, at(0), "", "new", "{}",
                           json.dumps(after), ""))  # fmt: skip
        event_rows.append((lead_id, "status_changed", "start_qualifying", plan["qualifier"],
                           at(1), "new", "qualifying", "{}", "{}", ""))  # fmt: skip
        i = 2
        for _ in range(plan["calls"]):
            outcome = OUTCOMES[(lead_id + i) % len(OUTCOMES)]
            event_rows.append((lead_id, "call", "", plan["qualifier"], at(i), "", "", "{}",
                               json.dumps({"outcome": outcome}), ""))  # fmt: skip
            i += 1
        for action, source, target, reason, who in plan["steps"]:
            actor = {"q": plan["qualifier"], "r": plan["reviewer"]}.get(who)
            text = REASONS[(lead_id // 7) % len(REASONS)] if reason == "*" else reason
            event_rows.append((lead_id, "status_changed", action, actor, at(i), source, target,
                               "{}", "{}", text))  # fmt: skip
            i += 1
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO leads_lead ({', '.join(columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})",
            lead_rows,
        )
        cursor.executemany(
            "INSERT INTO leads_leadevent (lead_id, kind, action, actor_id, at, from_status, "
            "to_status, before, after, reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            event_rows,
        )


def _median_ms(browser: Any, url: str) -> float:
    timings = []
    for run in range(RUNS + 1):
        begin = time.perf_counter()
        response = browser.get(url)
        elapsed = (time.perf_counter() - begin) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {response.content[:500]!r}")
        if run:
            timings.append(elapsed)
    return statistics.median(timings)


def worker(database_url: str, leads: int, events_per_lead: int) -> dict[str, Any]:
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

    from leadflow.leads.models import Lead, LeadEvent
    from leadflow.reports.services.refresh import facts_rebuild

    call_command("migrate", verbosity=0)
    now = timezone.now().replace(microsecond=0)
    setup = Setup(events_per_lead, now)
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        _postgres_load(setup, leads)
    else:
        _sqlite_load(setup, leads)
    load_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    figures: dict[str, Any] = {
        "leads": Lead.objects.count(),
        "events": LeadEvent.objects.count(),
        "load_s": load_s,
    }
    started = time.perf_counter()
    facts_rebuild()
    figures["rebuild_s"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    browser = Client()
    browser.force_login(setup.manager)
    today = timezone.localdate()
    period = f"from={(today - timedelta(days=365)).isoformat()}&to={today.isoformat()}"
    for scope, extra in (("all", ""), ("one", f"&program={setup.programs[0].slug}")):
        for name, query in PAGES.items():
            report, _, by = query.partition("&")
            url = f"/reports/{report}/?{period}{extra}" + (f"&{by}" if by else "")
            figures[f"{scope}:{name}"] = _median_ms(browser, url)
    return figures


# --- the driver ----------------------------------------------------------------------------------


def _line(name: str, figures: dict[str, Any], shared: str) -> str:
    machine = platform.processor() or platform.machine()
    pages = "; ".join(f"{page} {figures['all:' + page]:,.0f} ms" for page in PAGES)
    one = ", ".join(f"{page} {figures['one:' + page]:,.0f} ms" for page in PAGES)
    return (
        f"- {date.today().isoformat()} {platform.node()} ({machine}, Python "
        f"{platform.python_version()}), {name}: {figures['leads']:,} leads, "
        f"{figures['events']:,} events (loaded in {figures['load_s']:,.0f} s): rebuild "
        f"{figures['rebuild_s']:,.0f} s; one year, all programs, median of {RUNS}: {pages}; "
        f"one program: {one}{shared}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=LEADS, help="leads on PostgreSQL")
    parser.add_argument("--sqlite-leads", type=int, help=f"default: --leads / {SQLITE_SHARE}")
    parser.add_argument("--events-per-lead", type=int, default=EVENTS_PER_LEAD)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--no-record", action="store_true", help="print, do not record")
    parser.add_argument("--worker", metavar="DATABASE_URL")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.leads, args.events_per_lead)))
        return
    sqlite_leads = args.sqlite_leads or max(1, args.leads // SQLITE_SHARE)
    with tempfile.TemporaryDirectory(prefix="leadflow-bench-") as tmp:
        tmp_dir = Path(tmp)
        databases = []
        if args.only != "postgres":
            databases.append(("SQLite", f"sqlite:///{tmp_dir / 'bench.sqlite3'}", sqlite_leads))
        if args.only != "sqlite":
            postgres = postgres_fresh(BENCH_DATABASE)
            if postgres:
                databases.append(("PostgreSQL", postgres, args.leads))
        for name, url, count in databases:
            load = os.getloadavg()[0]
            per_lead = str(args.events_per_lead)
            try:
                figures = run_worker(
                    __file__,
                    ["--worker", url, "--leads", str(count), "--events-per-lead", per_lead],
                    url=url,
                    var_dir=tmp_dir,
                    env={"HTTPS": "false"},
                )
            finally:
                if name == "PostgreSQL":
                    postgres_drop(url)
            load = max(load, os.getloadavg()[0])
            cores = os.cpu_count() or 1
            shared = f" (shared: load average {load:.0f} on {cores} cores)" if load > 1.5 else ""
            line = _line(name, figures, shared)
            print(line)
            if not args.no_record:
                record_line(HEADING, line)


if __name__ == "__main__":
    main()
