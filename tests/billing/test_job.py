"""The monthly job ``billing.statements_due``: on the statement day (the client's) it closes
last month and queues one e-mail with the PDF to the billing contacts; run again, by a second
scheduler or on the next days, it closes and sends nothing more."""

import io
import threading
from datetime import date

import pytest
from django.db import connection, connections
from pypdf import PdfReader

from leadflow.billing.models import Statement as StoredStatement
from leadflow.billing.services import DueResult, statements_due
from leadflow.config.schedule import PERIODIC_JOBS
from leadflow.notifications.models import OutboxMessage
from leadflow.notifications.services import outbox_send_due
from tests.billing.conftest import History, at, terms_for
from tests.receivers import SmtpServer

pytestmark = pytest.mark.django_db


def test_the_job_is_scheduled_hourly() -> None:
    (job,) = [job for job in PERIODIC_JOBS if job.name == "billing.statements_due"]
    assert job.task == "leadflow.billing.tasks.statements_due_task"


def test_before_the_statement_day_nothing_is_closed(october: History) -> None:
    # 3 Nov 02:00 UTC is still 2 Nov in New York.
    assert statements_due(now=at(11, 3, 2)) == DueResult(closed=0, sent=0)
    assert not StoredStatement.objects.exists()


def test_the_statement_day_closes_last_month_and_sends_once_with_the_pdf(
    october: History, smtp_server: SmtpServer
) -> None:
    result = statements_due(now=at(11, 3, 12))
    assert (result.closed, result.sent) == (1, 1)
    again = statements_due(now=at(11, 3, 13))
    later = statements_due(now=at(11, 20))
    assert (again.closed, again.sent, later.closed, later.sent) == (0, 0, 0, 0)
    stored = StoredStatement.objects.get()
    assert stored.period_start == date(2026, 10, 1)
    assert stored.email_key == f"billing-statement:{october.program.pk}:2026-10"

    assert outbox_send_due(now=at(11, 3, 12)) == 1
    assert outbox_send_due(now=at(11, 3, 14)) == 0
    (message,) = smtp_server.messages
    assert str(message["To"]) == "cleo@client.example"
    assert str(message["Subject"]) == "LeadFlow: statement 2026-10, Acme Demand Gen"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "Total due: 310.00 USD" in text
    assert "/billing/programs/acme-demand/2026-10/" in text
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "acme-demand-statement-2026-10.pdf"
    assert attachment.get_content_type() == "application/pdf"
    pdf = PdfReader(io.BytesIO(attachment.get_content()))
    words = " ".join(page.extract_text() for page in pdf.pages)
    assert "Statement 2026-10: Acme Demand Gen" in words
    assert "310.00 USD" in words


def test_the_billing_contacts_of_the_terms_receive_it_instead(
    october: History, smtp_server: SmtpServer
) -> None:
    terms_for(october.program, billing_contacts=["ap@acme.example", "cfo@acme.example"])
    statements_due(now=at(11, 3, 12))
    outbox_send_due(now=at(11, 3, 12))
    (envelope,) = smtp_server.envelopes
    assert sorted(envelope[1]) == ["ap@acme.example", "cfo@acme.example"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_close_and_send_once(october: History) -> None:
    barrier = threading.Barrier(3)
    results: list[DueResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(statements_due(now=at(11, 3, 12)))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted((r.closed, r.sent) for r in results) == [(0, 0), (0, 0), (1, 1)]
    assert StoredStatement.objects.count() == 1
    assert OutboxMessage.objects.filter(key__startswith="billing-statement:").count() == 1
