"""Benchmark of the SLA sweep (issue 7, item 8; STYLE.md, bench/).

On PostgreSQL (``leadflow_bench_sweep`` on the server of ``LEADFLOW_TEST_DATABASE_URL``; skipped
when none answers): 1,000,000 leads of a partner program, of which 100,000 are open (assigned to
one of 2,000 partners in 40 countries, capacity 60, e-mail notification with the lead as CSV)
and the rest closed. The loaded database is kept as a template; for each measurement a copy of
it gets 5,000 (then 10,000) open assignments made overdue (spread over the partners by a hash of
their ids), and ``sla_sweep`` is timed handling all of them: the violation, the reassignment with
fresh clocks (or the routing queue), the partner's lead flow disabled at the threshold; then,
timed on its own, what the notification task the sweep queued does (the new-lead and violation
e-mails into the outbox). An idle sweep (nothing due) is timed first. With ``--scale`` every
count is multiplied (``--scale 0.01`` is a smoke run of 10,000 leads).

Each phase runs in its own subprocess (``--setup`` / ``--sweep``), because Django is configured
once per process. Figures go to docs/PERFORMANCE.md under "## SLA sweep" (not with
``--no-record``). Run with ``uv run python bench/partner_sweep.py [--scale S] [--no-record]``.
"""

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from _lib import postgres_drop, postgres_fresh, record_line, run_worker

LEADS = 1_000_000
OPEN = 100_000
OVERDUE = (5_000, 10_000)
#: E-mails each run sends to the local SMTP server (the rate, not the total, is the figure).
SEND_LIMIT = 1_000
PARTNERS = 2_000
CAPACITY = 60
HEADING = "## SLA sweep"
BENCH_DATABASE = os.environ.get("LEADFLOW_BENCH_DATABASE", "leadflow_bench_sweep")
RUN_DATABASE = f"{BENCH_DATABASE}_run"
COUNTRIES = {
    "US": "America/Chicago", "CA": "America/Toronto", "GB": "Europe/London",
    "DE": "Europe/Berlin", "FR": "Europe/Paris", "AU": "Australia/Sydney",
    "NL": "Europe/Amsterdam", "ES": "Europe/Madrid", "IT": "Europe/Rome",
    "SE": "Europe/Stockholm", "NO": "Europe/Oslo", "DK": "Europe/Copenhagen",
    "FI": "Europe/Helsinki", "PL": "Europe/Warsaw", "AT": "Europe/Vienna",
    "CH": "Europe/Zurich", "BE": "Europe/Brussels", "IE": "Europe/Dublin",
    "PT": "Europe/Lisbon", "CZ": "Europe/Prague", "NZ": "Pacific/Auckland",
    "JP": "Asia/Tokyo", "SG": "Asia/Singapore", "IN": "Asia/Kolkata",
    "BR": "America/Sao_Paulo", "MX": "America/Mexico_City", "AR": "America/Argentina/Buenos_Aires",
    "CL": "America/Santiago", "ZA": "Africa/Johannesburg", "IL": "Asia/Jerusalem",
    "AE": "Asia/Dubai", "KR": "Asia/Seoul", "HU": "Europe/Budapest",
    "GR": "Europe/Athens", "RO": "Europe/Bucharest", "SK": "Europe/Bratislava",
    "SI": "Europe/Ljubljana", "HR": "Europe/Zagreb", "EE": "Europe/Tallinn",
    "LT": "Europe/Vilnius",
}  # fmt: skip
RATINGS = ("hot", "a", "b")
CLOSED = ("closed_won", "closed_lost", "nurturing", "dead_file")


def _django(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadflow.config.settings"
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def _insert_select(model: Any, rows: int, overrides: dict[str, tuple[str, list[Any]]]) -> None:
    """``INSERT … SELECT`` of ``rows`` rows from ``generate_series`` (``g.i`` = 1…rows): each
    column from its override (an SQL expression and its parameters), else the field's default
    exactly as ``save()`` would store it, else NULL."""
    from django.db import connection

    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in overrides:
            sql, extra = overrides[field.column]
            values.append(sql)
            params.extend(extra)
        elif field.has_default() or not field.null:
            values.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
        else:
            values.append("NULL")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM generate_series(1, %s) AS g(i)",
            [*params, rows],
        )


def setup(database_url: str, scale: float) -> dict[str, float]:
    _django(database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from leadflow.core.routing import TerritoryRule
    from leadflow.leads.models import Lead
    from leadflow.partners.models import Assignment, Partner, PartnerType, Territory
    from leadflow.programs.models import HandOffMode
    from leadflow.programs.services import client_create, program_create

    call_command("migrate", verbosity=0)
    now = timezone.now()
    started = time.perf_counter()
    leads, open_leads, partners = (
        int(LEADS * scale),
        int(OPEN * scale),
        max(int(PARTNERS * scale), 3 * len(COUNTRIES)),
    )
    client = client_create(name="Bench Vendor", slug="bench-vendor")
    program = program_create(
        client=client,
        name="Bench Partners",
        slug="bench-partners",
        hand_off_mode=HandOffMode.PARTNERS,
        actor=None,
        now=now,
    )
    countries = list(COUNTRIES)
    rows = [
        Partner(
            client=client,
            name=f"Partner {n}",
            slug=f"partner-{n}",
            type=PartnerType.RESELLER,
            program_level=("platinum", "gold", "silver", "registered")[n % 4],
            certification_level=("expert", "professional", "associate")[n % 3],
            country=countries[n % len(countries)],
            timezone=COUNTRIES[countries[n % len(countries)]],
            capacity=CAPACITY,
            email=f"leads@partner-{n}.example",
            created_at=now,
        )
        for n in range(partners)
    ]
    Partner.objects.bulk_create(rows)
    Territory.objects.bulk_create(
        Territory(partner=p, country=TerritoryRule(p.country).country) for p in rows
    )
    partner_ids = [p.pk for p in rows]
    # Lead i (1-based): open leads first, each in the country of partner (i - 1) % partners.
    country_of = "(%s::text[])[((g.i - 1) %% %s) %% %s + 1]"
    _insert_select(
        Lead,
        leads,
        {
            "program_id": ("%s", [program.pk]),
            "status": (
                "CASE WHEN g.i <= %s THEN 'assigned' ELSE (%s::text[])[g.i %% 4 + 1] END",
                [open_leads, list(CLOSED)],
            ),
            "first_name": ("'Ada'", []),
            "last_name": ("'Lead ' || g.i", []),
            "email": ("'lead' || g.i || '@example.com'", []),
            "company": ("'Company ' || (g.i %% 9973)", []),
            "country": (country_of, [countries, partners, len(countries)]),
            "rating": ("(%s::text[])[g.i %% 3 + 1]", [list(RATINGS)]),
            "stage": ("'qualified_opportunity'", []),
            "created_at": ("%s::timestamptz - (g.i || ' seconds')::interval", [now]),
            "updated_at": ("%s", [now]),
        },
    )
    first_lead = Lead.objects.order_by("id").values_list("id", flat=True)[0]
    _insert_select(
        Assignment,
        open_leads,
        {
            "lead_id": ("%s + g.i - 1", [first_lead]),
            "partner_id": ("(%s::bigint[])[((g.i - 1) %% %s) + 1]", [partner_ids, partners]),
            "rating": ("(%s::text[])[(%s + g.i - 1) %% 3 + 1]", [list(RATINGS), first_lead]),
            "assigned_at": ("%s::timestamptz - ((g.i %% 86400) || ' seconds')::interval", [now]),
            "claim_due": ("%s", [now + timedelta(days=2)]),
            "contact_due": ("%s", [now + timedelta(days=3)]),
            "next_due": ("%s", [now + timedelta(days=2)]),
        },
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "leads": Lead.objects.count(),
        "open": Assignment.objects.active().count(),
        "partners": partners,
        "load_s": time.perf_counter() - started,
    }


def _cpu() -> tuple[float, float]:
    """CPU seconds so far of this process and of its PostgreSQL backend (the server runs on
    this machine): on a shared machine these, not wall-clock, say what the work costs."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:  # the server is on another machine: its CPU is not ours to read
        server = 0.0
    return time.process_time(), server


def _timed(work: Any) -> tuple[Any, dict[str, float]]:
    """Run ``work()``; its result and its wall, client CPU and server CPU seconds."""
    wall, (client, server) = time.perf_counter(), _cpu()
    result = work()
    client_after, server_after = _cpu()
    return result, {
        "wall": time.perf_counter() - wall,
        "client": client_after - client,
        "server": server_after - server,
    }


def sweep(database_url: str, overdue: int, smtp_port: int, send_limit: int) -> dict[str, float]:
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp_port}"
    _django(database_url)
    from django.db import connection, transaction
    from django.utils import timezone

    from leadflow.notifications.models import MessageStatus, OutboxMessage
    from leadflow.notifications.services import (
        SEND_BATCH,
        Email,
        emails_enqueue,
        outbox_messages_send,
    )
    from leadflow.partners.models import Assignment, Partner, Violation
    from leadflow.partners.policies import partner_calendar
    from leadflow.partners.services import sla_sweep
    from leadflow.partners.services.notify import notifications_send
    from leadflow.programs.models import Program

    now = timezone.now()
    program = Program.objects.get(slug="bench-partners")
    for partner in Partner.objects.order_by("country").distinct(
        "country"
    ):  # a running worker's warm caches
        partner_calendar(partner, program)
    sla_sweep(now=now)  # warm-up: the first statements of a process prepare and import
    idle, idle_cost = _timed(lambda: sla_sweep(now=now))
    assert idle.violations == 0, idle
    late = now - timedelta(hours=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE partners_assignment SET claim_due = %s, next_due = %s WHERE id IN ("
            "SELECT id FROM partners_assignment WHERE ended_at IS NULL "
            "ORDER BY md5(id::text) LIMIT %s)",
            [late, late, overdue],
        )
        cursor.execute("ANALYZE partners_assignment")
    result, sweep_cost = _timed(lambda: sla_sweep(now=now))
    assert result.violations == overdue, result
    # The e-mails: what the sweep's queued notification tasks do, timed on their own.
    assignment_ids = list(Assignment.objects.filter(assigned_at=now).values_list("id", flat=True))
    violation_ids = list(Violation.objects.values_list("id", flat=True))
    emails, notify_cost = _timed(
        lambda: notifications_send(
            assignment_ids=assignment_ids, violation_ids=violation_ids, now=now
        )
    )
    # The outbox alone: as many plain e-mails (no attachment) queued in one transaction.
    plain = [
        Email(key=f"bench:{n}", to=[f"rep{n}@partner.example"], subject="s", body="b" * 400)
        for n in range(emails)
    ]

    def enqueue() -> int:
        with transaction.atomic():
            return len(emails_enqueue(emails=plain, now=now))

    enqueued, enqueue_cost = _timed(enqueue)
    # Sending: the first messages of the sweep's e-mails to the local SMTP server, in the
    # batches the send tasks take.
    ids = list(
        OutboxMessage.objects.filter(status=MessageStatus.PENDING)
        .exclude(key__startswith="bench:")
        .order_by("id")
        .values_list("id", flat=True)[:send_limit]
    )

    def send() -> int:
        return sum(
            outbox_messages_send(message_ids=ids[start : start + SEND_BATCH], now=now)
            for start in range(0, len(ids), SEND_BATCH)
        )

    sent, send_cost = _timed(send)
    return {
        "overdue": overdue,
        "idle": idle_cost,
        "sweep": sweep_cost,
        "violations": result.violations,
        "reassigned": result.reassigned,
        "queued": result.queued,
        "flows_disabled": result.flows_disabled,
        "batches": result.batches,
        "emails": emails,
        "notify": notify_cost,
        "enqueued": enqueued,
        "enqueue": enqueue_cost,
        "sent": sent,
        "send": send_cost,
        "open_after": Assignment.objects.active().count(),
    }


# --- the driver ----------------------------------------------------------------------------------


def _copy(template_url: str, name: str) -> str:
    import psycopg

    parts = urlsplit(template_url)
    template = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    return urlunsplit(parts._replace(path=f"/{name}"))


def _smtp_server() -> tuple[Any, int]:
    """A local aiosmtpd server that accepts and discards every message, in its own process
    (in ours it would share the GIL with the sender)."""
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l",
         f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the local SMTP server did not start")


def _per(cost: dict[str, float], count: float) -> str:
    """Milliseconds per item: wall, then client and server CPU."""
    count = max(count, 1)
    return (
        f"{cost['wall'] / count * 1000:.2f} ms wall, {cost['client'] / count * 1000:.2f} ms "
        f"client + {cost['server'] / count * 1000:.2f} ms server CPU"
    )


def _line(f: dict[str, Any]) -> str:
    sweep, idle = f["sweep"], f["idle"]
    cpu = sweep["client"] + sweep["server"]
    idle_cpu = max(idle["client"] + idle["server"], 1e-3)
    send = f["send"]
    return (
        f"{f['overdue']:,.0f} overdue: sweep {sweep['wall']:.1f} s wall, {cpu:.1f} s CPU "
        f"({_per(sweep, f['overdue'])} per overdue lead; {f['reassigned']:,.0f} reassigned, "
        f"{f['queued']:,.0f} queued, {f['flows_disabled']:,.0f} flows disabled, "
        f"{f['batches']:.0f} batches) = {cpu / idle_cpu:,.0f} times the idle sweep's CPU "
        f"({idle['wall'] * 1000:.0f} ms wall, {idle_cpu * 1000:.0f} ms CPU); its "
        f"{f['emails']:,.0f} e-mails built and queued by the notification task at "
        f"{_per(f['notify'], f['emails'])} each, the outbox alone "
        f"{_per(f['enqueue'], f['enqueued'])} per message; {f['sent']:,.0f} sent to a local "
        f"SMTP server at {f['sent'] / max(send['wall'], 1e-9):,.0f} e-mails/s wall "
        f"({_per(send, f['sent'])} each)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--setup", metavar="DATABASE_URL")
    parser.add_argument("--sweep", metavar="DATABASE_URL")
    parser.add_argument("--overdue", type=int, default=0)
    parser.add_argument("--smtp-port", type=int, default=0)
    parser.add_argument("--send-limit", type=int, default=SEND_LIMIT)
    args = parser.parse_args()
    if args.setup:
        print(json.dumps(setup(args.setup, args.scale)))
        return
    if args.sweep:
        print(json.dumps(sweep(args.sweep, args.overdue, args.smtp_port, args.send_limit)))
        return
    base = postgres_fresh(BENCH_DATABASE)
    if base is None:
        return
    machine = platform.processor() or platform.machine()
    smtp, port = _smtp_server()
    with tempfile.TemporaryDirectory(prefix="leadflow-bench-") as tmp:
        var_dir = Path(tmp)
        try:
            loaded = run_worker(
                __file__, ["--setup", base, "--scale", str(args.scale)], url=base, var_dir=var_dir
            )
            print(
                f"loaded {loaded['leads']:,.0f} leads, {loaded['open']:,.0f} open, "
                f"{loaded['partners']:,.0f} partners in {loaded['load_s']:.0f} s"
            )
            figures = []
            for count in OVERDUE:
                overdue = int(count * args.scale)
                run = _copy(base, RUN_DATABASE)
                try:
                    found = run_worker(
                        __file__,
                        ["--sweep", run, "--overdue", str(overdue), "--smtp-port", str(port)],
                        url=run,
                        var_dir=var_dir,
                    )
                finally:
                    postgres_drop(run)
                figures.append(found)
                print(_line(found))
        finally:
            postgres_drop(base)
            smtp.terminate()
            smtp.wait()
    small, large = figures
    cpu = [f["sweep"]["client"] + f["sweep"]["server"] for f in figures]
    per_lead = [c / max(f["overdue"], 1) * 1000 for c, f in zip(cpu, figures, strict=True)]
    ratio = (
        f"{large['overdue']:,.0f}/{small['overdue']:,.0f} overdue: {cpu[1] / cpu[0]:.2f} times the "
        f"CPU (goal ≤ 2.2), {large['sweep']['wall'] / small['sweep']['wall']:.2f} times the wall "
        f"time; CPU per overdue lead {per_lead[0]:.2f} and {per_lead[1]:.2f} ms (goal ≤ 1 ms)"
    )
    print(ratio)
    if args.no_record:
        return
    record_line(
        HEADING,
        f"- {date.today().isoformat()} {platform.node()} ({machine}, Python "
        f"{platform.python_version()}, load {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
        f"cores), PostgreSQL: {loaded['leads']:,.0f} leads, {loaded['open']:,.0f} open, "
        f"{loaded['partners']:,.0f} partners; {'; '.join(_line(f) for f in figures)}; {ratio}",
    )


if __name__ == "__main__":
    main()
