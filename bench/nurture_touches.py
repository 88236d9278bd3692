"""Benchmark of the nurture engine (issue 14, item 6; STYLE.md, bench/).

On PostgreSQL (``leadflow_bench_nurture`` on the server of ``LEADFLOW_TEST_DATABASE_URL``;
skipped when none answers): 100,000 nurturing leads in one program's default sequence (an
e-mail with a link, then a call task, a direct-mail touch and an e-mail), of which 5,000 have
their first e-mail due. Timed: the due-touch job (``touches_due_process``) doing the 5,000
touches (claim with SKIP LOCKED, render, tracked links, outbox, history notes, next due time),
as touches per second into the outbox; an idle run (nothing due) on the 100,000; and the outbox
sending 1,000 of those e-mails to a local SMTP server (aiosmtpd), as e-mails per second. With
``--scale`` every count is multiplied (``--scale 0.05`` is a smoke run).

The timed part runs in a subprocess (``--worker``), because Django is configured once per
process. Figures go to docs/PERFORMANCE.md under "## Nurture touches" (not with
``--no-record``). Run with ``uv run python bench/nurture_touches.py [--scale S] [--no-record]``.
"""

import argparse
import json
import os
import platform
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _lib import postgres_drop, postgres_fresh, record_line, run_worker

LEADS = 100_000
DUE = 5_000
SENT = 1_000
HEADING = "## Nurture touches"
DATABASE = "leadflow_bench_nurture"
NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)  # a Monday


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def worker(leads: int, due: int, sent: int) -> dict[str, float]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadflow.config.settings"
    os.environ.setdefault("SITE_URL", "https://leads.example.com")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    from leadflow.leads.models import Lead
    from leadflow.notifications.models import OutboxMessage
    from leadflow.notifications.services import outbox_message_send
    from leadflow.nurture.models import Enrollment, NurtureSettings, TouchKind, TouchSent
    from leadflow.nurture.services import sequence_create, touch_add, touches_due_process
    from leadflow.programs.services import client_create, program_create

    client = client_create(name="Bench", slug="bench", timezone="America/New_York", country="US")
    program = program_create(
        client=client, name="Bench", slug="bench", hand_off_mode="delivery", actor=None, now=NOW
    )
    NurtureSettings.objects.create(program=program, per_minute=10_000_000)
    sequence = sequence_create(
        program=program, name="Keep warm", slug="keep-warm", is_default=True, now=NOW
    )
    body = (
        'Hello {{ first_name|default:"there" }},\n\n{{ company }} might like our guide: '
        "https://example.com/guide\n\nRegards, the {{ program }} team"
    )
    touch_add(
        sequence=sequence, kind=TouchKind.EMAIL, wait_days=0, subject="Hi {{ first_name }}",
        body_text=body, now=NOW,
    )  # fmt: skip
    touch_add(sequence=sequence, kind=TouchKind.CALL, wait_days=3, call_script="Ask", now=NOW)
    touch_add(sequence=sequence, kind=TouchKind.DIRECT_MAIL, wait_days=10, now=NOW)
    touch_add(
        sequence=sequence, kind=TouchKind.EMAIL, wait_days=20, subject="Still there?",
        body_text=body, now=NOW,
    )  # fmt: skip

    started = time.perf_counter()
    batch = 5_000
    for start in range(0, leads, batch):
        Lead.objects.bulk_create(
            Lead(
                program=program,
                status="nurturing",
                first_name=f"First{n}",
                last_name=f"Last{n}",
                email=f"lead{n}@example.com",
                company=f"Company {n}",
                rating="c",
                created_at=NOW,
                updated_at=NOW,
            )
            for n in range(start, min(start + batch, leads))
        )
    ids = list(Lead.objects.order_by("id").values_list("id", flat=True))
    for start in range(0, leads, batch):
        Enrollment.objects.bulk_create(
            Enrollment(
                lead_id=lead_id,
                sequence=sequence,
                entered_at=NOW,
                # The first ``due`` are due now; the others later, spread over a month.
                next_touch_at=NOW if i < due else NOW + timedelta(days=1 + i % 30),
            )
            for i, lead_id in enumerate(ids[start : start + batch], start=start)
        )
    loaded = time.perf_counter() - started
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    started = time.perf_counter()
    idle = touches_due_process(now=NOW - timedelta(minutes=1))
    idle_seconds = time.perf_counter() - started
    assert idle == 0

    started = time.perf_counter()
    handled = touches_due_process(now=NOW, limit=due * 2)
    touch_seconds = time.perf_counter() - started
    assert handled == due, handled
    assert TouchSent.objects.count() == due
    assert OutboxMessage.objects.filter(key__startswith="nurture:").count() == due

    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    port = _free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    message_ids = list(
        OutboxMessage.objects.filter(key__startswith="nurture:")
        .order_by("id")
        .values_list("id", flat=True)[:sent]
    )
    started = time.perf_counter()
    ok = sum(outbox_message_send(message_id=m, now=NOW) for m in message_ids)
    send_seconds = time.perf_counter() - started
    controller.stop()
    assert ok == len(message_ids), ok
    return {
        "loaded_seconds": loaded,
        "idle_seconds": idle_seconds,
        "touch_seconds": touch_seconds,
        "touches_per_second": due / touch_seconds,
        "send_seconds": send_seconds,
        "emails_per_second": len(message_ids) / send_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--worker", nargs=3, type=int, metavar=("LEADS", "DUE", "SENT"))
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    leads, due, sent = (max(int(n * args.scale), 1) for n in (LEADS, DUE, SENT))
    url = postgres_fresh(DATABASE)
    if url is None:
        return
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            figures = run_worker(
                __file__,
                ["--worker", str(leads), str(due), str(sent)],
                url=url,
                var_dir=Path(var_dir),
                env={"SITE_URL": "https://leads.example.com", "TASKS_BACKEND": _IMMEDIATE_OFF},
            )
    finally:
        postgres_drop(url)
    line = (
        f"- {datetime.now(UTC):%Y-%m-%d}, {platform.machine()} {os.cpu_count()} CPUs, "
        f"PostgreSQL: {leads:,} leads in a sequence, {due:,} e-mail touches due: "
        f"{figures['touch_seconds']:.1f} s ({figures['touches_per_second']:,.0f} touches/s into "
        f"the outbox, history and next due time included); idle run "
        f"{figures['idle_seconds'] * 1000:.0f} ms; {sent:,} of the e-mails to a local SMTP "
        f"server: {figures['send_seconds']:.1f} s ({figures['emails_per_second']:,.0f} e-mails/s, "
        f"one connection each)"
    )
    print(line)
    if not args.no_record:
        record_line(HEADING, line)


#: The product's task backend: the sends the outbox queues after each batch are stored as tasks
#: (what a deployment does); the benchmark sends them itself, timed apart.
_IMMEDIATE_OFF = "leadflow.lib.taskbackend.DatabaseBackend"

if __name__ == "__main__":
    sys.exit(main())
