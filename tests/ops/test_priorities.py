"""Priorities that follow the SLA, proven with real worker processes on PostgreSQL: with 500
e-mails queued against an SMTP server that hangs, an approved Hot lead is delivered on its own
within seconds, and the hanging server holds the senders for a few timeouts, not 500."""

import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from leadflow.accounts.models import Role, User
from leadflow.delivery.models import DeliveryItem, DeliveryKind
from leadflow.leads.models import Lead
from leadflow.notifications.models import MessageStatus, OutboxAttempt, OutboxMessage
from leadflow.notifications.services import email_enqueue
from leadflow.programs.models import Program
from leadflow.review.services import lead_approve
from tests import factories, processes
from tests.receivers import HangingServer

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="worker processes need PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]

BACKLOG = 500
SEND_THREADS = 8
EMAIL_TIMEOUT = 5


def test_hot_leads_go_out_on_their_own_while_500_emails_wait_on_a_hanging_smtp_server(
    program: Program, make_user: Callable[..., User], hanging_smtp_server: HangingServer
) -> None:
    reviewer = make_user(Role.REVIEWER, clients=(program.client,))
    make_user(Role.CLIENT, clients=(program.client,), email="buyer@acme.example")
    hot = factories.rated_lead(
        program=program, rating="hot", status="in_review", **factories.numbered_contact(1)
    )
    with transaction.atomic():
        for n in range(BACKLOG):
            email_enqueue(
                key=f"backlog:{n}",
                to=[f"reader{n}@example.com"],
                subject="Newsletter",
                body="Hello.",
                now=timezone.now(),
            )
    env = processes.database_env(
        EMAIL_URL=f"smtp://{hanging_smtp_server.host}:{hanging_smtp_server.port}",
        EMAIL_TIMEOUT=str(EMAIL_TIMEOUT),
    )
    with processes.running(env) as started:
        started.worker("sends", threads=SEND_THREADS)
        started.worker("urgent", threads=2)
        processes.wait_for(
            "every sender to hang on the SMTP server",
            lambda: hanging_smtp_server.connections >= SEND_THREADS,
            timeout=60,
        )

        approved_at = time.monotonic()
        lead_approve(lead=Lead.objects.get(pk=hot.pk), reviewer=reviewer, now=timezone.now())
        item = processes.wait_for(
            "the Hot lead's delivery",
            lambda: DeliveryItem.objects.filter(lead=hot).select_related("delivery").first(),
            timeout=30,
            every=0.1,
        )
        seconds = time.monotonic() - approved_at
        sent = OutboxMessage.objects.filter(status=MessageStatus.SENT).count()

        # The hanging server holds the senders a few times, then the backlog waits unattempted.
        processes.wait_for(
            "the sends queue to be through its backlog",
            lambda: (
                not DBTaskResult.objects.filter(
                    queue_name="sends",
                    status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
                ).exists()
            ),
            timeout=3 * EMAIL_TIMEOUT + 60,
        )

    assert seconds < 10, f"the Hot lead took {seconds:.1f} s"
    assert item.delivery.kind == DeliveryKind.HOT
    assert item.delivery.lead_count == 1
    assert Lead.objects.get(pk=hot.pk).status == "delivered"
    assert sent == 0  # it did not wait for any of the e-mails
    attempts = OutboxAttempt.objects.count()
    assert SEND_THREADS <= attempts <= 2 * SEND_THREADS, attempts
    assert hanging_smtp_server.connections <= 2 * SEND_THREADS
    waiting = OutboxMessage.objects.filter(status=MessageStatus.PENDING)
    assert waiting.count() == BACKLOG + 1  # the backlog and the Hot delivery's e-mail, kept
    assert not OutboxMessage.objects.filter(status=MessageStatus.FAILED).exists()
