"""Scale-out rehearsal (PostgreSQL, slow): two web servers, three task workers and two
schedulers run at once, as on two machines sharing one database. Captures go through both web
servers, approvals hand leads off through the workers, and overdue SLA clocks are swept by
whichever scheduler and worker get there first. Nothing is processed twice or lost: each Hot
lead is delivered once, each partner lead routed once and reassigned once when its clock ran
out, and each e-mail reaches the SMTP server once."""

import json
import sys
import urllib.request
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from itertools import cycle

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from leadflow.accounts.models import Role, User
from leadflow.api.tokens import token_create
from leadflow.core.lifecycle import Action
from leadflow.delivery.models import DeliveryItem
from leadflow.leads.models import Lead
from leadflow.notifications.models import MessageStatus, OutboxMessage
from leadflow.ops.models import PeriodicJobState
from leadflow.partners.models import Assignment, Violation
from leadflow.programs.models import Program
from tests import factories, processes
from tests.factories import ANSWERS
from tests.receivers import SmtpServer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

HOT_LEADS = 12
PARTNER_LEADS = 18
OVERDUE = 6
ALL_QUEUES = "urgent,default,sends,bulk"


def _capture(base: str, token: str, body: dict[str, object], key: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/leads",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        return int(json.loads(response.read())["id"])


def _body(program: Program, number: int, rating: str) -> dict[str, object]:
    return {
        "program": program.slug,
        "first_name": f"First{number}",
        "last_name": f"Last{number}",
        "email": f"person{number}@company{number}.example",
        "company": f"Company {number}",
        "country": "United States",
        "state": "California",
        "channel": "web",
        "answers": dict(ANSWERS[rating]),
    }


def test_two_machines_process_every_lead_and_email_exactly_once(
    program: Program,
    other_program: Program,
    make_user: Callable[..., User],
    smtp_server: SmtpServer,
) -> None:
    partner_program = other_program  # routes approved leads to partners
    marketer = make_user(Role.MARKETER, programs=(program, partner_program))
    make_user(Role.CLIENT, clients=(program.client,), email="buyer@acme.example")
    for number in range(1, 4):
        member = make_user(Role.PARTNER, email=f"rep@partner{number}.example")
        factories.partner(
            client=partner_program.client, number=number, members=[member], program_level="gold"
        )
    token = token_create(user=marketer, name="rehearsal", programs=(), now=timezone.now())[1]

    env = processes.database_env(
        EMAIL_URL=f"smtp://{smtp_server.host}:{smtp_server.port}", TASK_HEARTBEAT="1"
    )
    ports = [processes.free_port(), processes.free_port()]
    with processes.running(env) as started:
        for n, port in enumerate(ports, 1):
            started.start(
                f"web-{n}",
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--config",
                    "python:leadflow.config.gunicorn",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                ],
            )
        for n in range(1, 4):
            started.worker(ALL_QUEUES, threads=3, name=f"worker-{n}")
        for n in range(1, 3):
            started.scheduler(name=f"scheduler-{n}", interval=0.5)
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            processes.wait_for(
                f"{base}/healthz", lambda base=base: _answers(f"{base}/healthz"), timeout=60
            )

        # Captures through both web servers, alternately.
        web = cycle(bases)
        hot_ids = [
            _capture(next(web), token, _body(program, n, "hot"), f"hot-{n}")
            for n in range(HOT_LEADS)
        ]
        partner_ids = [
            _capture(next(web), token, _body(partner_program, 100 + n, "a"), f"a-{n}")
            for n in range(PARTNER_LEADS)
        ]
        assert len(set(hot_ids + partner_ids)) == HOT_LEADS + PARTNER_LEADS

        # QA approves them all; the hand-off runs in whichever worker takes it.
        for lead in Lead.objects.filter(pk__in=hot_ids + partner_ids).order_by("pk"):
            factories.lead_walk(lead, (Action.SUBMIT_FOR_REVIEW, Action.APPROVE), at=timezone.now())
        processes.wait_for(
            "every Hot lead delivered and every partner lead assigned",
            lambda: (
                DeliveryItem.objects.filter(lead__in=hot_ids).count() == HOT_LEADS
                and Assignment.objects.active().filter(lead__in=partner_ids).count()
                == PARTNER_LEADS
            ),
            timeout=90,
        )

        # Some partners let the claim clock run out; the next sweep is due now.
        overdue = list(
            Assignment.objects.active()
            .filter(lead__in=partner_ids)
            .order_by("pk")
            .values_list("pk", flat=True)[:OVERDUE]
        )
        past = timezone.now() - timedelta(hours=1)
        Assignment.objects.filter(pk__in=overdue).update(claim_due=past, next_due=past)
        PeriodicJobState.objects.filter(name="partners.sla_sweep").update(
            next_run_at=timezone.now()
        )
        processes.wait_for(
            "every overdue assignment swept",
            lambda: Violation.objects.filter(assignment__in=overdue).count() == OVERDUE,
            timeout=90,
        )
        processes.wait_for(
            "every task done and every e-mail sent",
            lambda: (
                not DBTaskResult.objects.filter(
                    status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
                )
                .exclude(run_after__gt=timezone.now() + timedelta(seconds=5))
                .exists()
                and not OutboxMessage.objects.exclude(status=MessageStatus.SENT).exists()
            ),
            timeout=90,
        )
        outputs = {process.name: process.text() for process in started.started}

    # Each Hot lead delivered exactly once, on its own.
    items = Counter(DeliveryItem.objects.filter(lead__in=hot_ids).values_list("lead", flat=True))
    assert items == Counter(dict.fromkeys(hot_ids, 1))
    assert set(Lead.objects.filter(pk__in=hot_ids).values_list("status", flat=True)) == {
        "delivered"
    }

    # Each partner lead assigned once at a time: the overdue ones moved on exactly once.
    active = Counter(
        Assignment.objects.active().filter(lead__in=partner_ids).values_list("lead", flat=True)
    )
    assert all(count == 1 for count in active.values()), active
    violations = Counter(Violation.objects.values_list("assignment", flat=True))
    assert violations == Counter(dict.fromkeys(overdue, 1))
    for assignment in Assignment.objects.filter(pk__in=overdue):
        later = Assignment.objects.filter(lead=assignment.lead_id).exclude(pk=assignment.pk)
        assert later.count() <= 1  # reassigned once, or waiting in the routing queue
        assert all(a.partner_id != assignment.partner_id for a in later)

    # Each e-mail reached the SMTP server exactly once.
    ids = Counter(message["Message-ID"] for message in smtp_server.messages)
    assert ids
    assert all(count == 1 for count in ids.values()), ids
    assert len(ids) == OutboxMessage.objects.filter(status=MessageStatus.SENT).count()

    # Work really was spread over several worker processes.
    runners = {
        worker.split("/")[0]
        for ids_ in DBTaskResult.objects.values_list("worker_ids", flat=True)
        for worker in ids_
    }
    assert len(runners) >= 2, outputs
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).exists(), [
        (r.task_path, r.traceback[-500:])
        for r in DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
    ]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False
