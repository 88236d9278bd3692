"""The outbox in bulk (issue 18): many e-mails queued with one INSERT and one send task per
batch, keys still never queued twice, and a batch sent over one SMTP connection, with every
message's outcome recorded as when it is sent alone."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from leadflow.notifications.models import MessageStatus, OutboxAttempt, OutboxMessage, SendPause
from leadflow.notifications.services import (
    PAUSE_AFTER,
    SEND_BATCH,
    Attachment,
    Email,
    email_enqueue,
    emails_enqueue,
    outbox_messages_send,
    outbox_send_due,
)
from tests.receivers import HangingServer, SmtpServer

NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def _emails(count: int, prefix: str = "bulk") -> list[Email]:
    return [
        Email(
            key=f"{prefix}:{n}",
            to=[f"partner-{n}@example.com"],
            subject=f"Lead {n}",
            body=f"Lead {n} is yours.",
            attachments=[Attachment(f"lead-{n}.csv", f"Lead,{n}\r\n".encode(), "text/csv")],
        )
        for n in range(count)
    ]


def _statements(emails: list[Email]) -> int:
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        emails_enqueue(emails=emails, now=NOW)
    return sum(1 for query in captured if "SAVEPOINT" not in query["sql"])


def test_many_emails_are_queued_with_the_same_statements_as_a_few() -> None:
    few = _statements(_emails(3, "few"))
    many = _statements(_emails(300, "many"))
    assert many == few
    assert OutboxMessage.objects.filter(key__startswith="many:").count() == 300


def test_queued_emails_keep_their_content_and_attachments() -> None:
    [email] = _emails(1)
    with transaction.atomic():
        queued = emails_enqueue(emails=[email], now=NOW)
    message = OutboxMessage.objects.get(pk=queued[email.key])
    assert (message.kind, message.status, message.attempts) == ("email", MessageStatus.PENDING, 0)
    assert message.content == {
        "to": ["partner-0@example.com"],
        "subject": "Lead 0",
        "body": "Lead 0 is yours.",
    }
    assert (message.next_attempt_at, message.created_at) == (NOW, NOW)
    [attachment] = message.attachments.all()
    assert (attachment.filename, attachment.mimetype) == ("lead-0.csv", "text/csv")
    assert bytes(attachment.content) == b"Lead,0\r\n"


def test_a_key_already_queued_or_given_twice_is_queued_once() -> None:
    with transaction.atomic():
        earlier = email_enqueue(key="bulk:1", to=["x@example.com"], subject="s", body="b", now=NOW)
    emails = _emails(3)
    with transaction.atomic():
        queued = emails_enqueue(emails=[*emails, emails[0]], now=NOW)
    assert list(queued) == ["bulk:0", "bulk:2"]
    assert OutboxMessage.objects.filter(key__startswith="bulk:").count() == 3
    earlier.refresh_from_db()
    assert earlier.content["to"] == ["x@example.com"]  # the message already there is kept
    assert not earlier.attachments.exists()


def test_an_email_without_recipients_is_refused_in_bulk_too() -> None:
    with pytest.raises(ValueError, match="recipient"):
        emails_enqueue(emails=[Email(key="k", to=[""], subject="s", body="b")], now=NOW)


def test_one_send_task_is_queued_per_batch_after_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        emails_enqueue(emails=_emails(2 * SEND_BATCH + 1), now=NOW)
    assert len(callbacks) == 3


@pytest.mark.django_db(transaction=True)
def test_a_batch_goes_out_over_one_smtp_connection(smtp_server: SmtpServer) -> None:
    with transaction.atomic():
        queued = emails_enqueue(emails=_emails(30), now=NOW)
    assert outbox_messages_send(message_ids=list(queued.values()), now=NOW) == 30
    assert len(smtp_server.messages) == 30
    assert len(set(smtp_server.peers)) == 1
    statuses = OutboxMessage.objects.values_list("status", "attempts")
    assert set(statuses) == {(MessageStatus.SENT, 1)}
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    assert OutboxAttempt.objects.filter(ok=True, number=1).count() == 30
    # sent once: a second run finds nothing due
    assert outbox_messages_send(message_ids=list(queued.values()), now=NOW) == 0
    assert len(smtp_server.messages) == 30


@pytest.mark.django_db(transaction=True)
def test_a_refused_message_in_a_batch_is_retried_and_the_others_go_out(
    smtp_server: SmtpServer,
) -> None:
    emails = _emails(5)
    emails[2] = Email(key="bulk:2", to=["refused@example.com"], subject="s", body="b")
    with transaction.atomic():
        queued = emails_enqueue(emails=emails, now=NOW)
    assert outbox_messages_send(message_ids=list(queued.values()), now=NOW) == 4
    assert len(smtp_server.messages) == 4
    assert len(set(smtp_server.peers)) == 2  # a new session after the failure
    refused = OutboxMessage.objects.get(key="bulk:2")
    assert (refused.status, refused.attempts) == (MessageStatus.PENDING, 1)
    assert refused.next_attempt_at is not None
    assert refused.next_attempt_at > NOW
    assert "550" in refused.last_error
    [attempt] = refused.tries.all()
    assert not attempt.ok
    assert not SendPause.objects.exists()  # a refusal is an answer


@pytest.mark.django_db(transaction=True)
def test_a_refused_message_goes_out_on_its_retry_and_nothing_else_is_sent_again(
    smtp_server: SmtpServer,
) -> None:
    emails = _emails(5)
    emails[2] = Email(key="bulk:2", to=["refused@example.com"], subject="s", body="b")
    with transaction.atomic():
        queued = emails_enqueue(emails=emails, now=NOW)
    assert outbox_messages_send(message_ids=list(queued.values()), now=NOW) == 4
    refused = OutboxMessage.objects.get(key="bulk:2")
    # A person fixes the address; the periodic job retries the message when its backoff ends.
    refused.content = {**refused.content, "to": ["fixed@example.com"]}
    refused.save(update_fields=["content"])
    assert refused.next_attempt_at is not None
    assert outbox_send_due(now=refused.next_attempt_at) == 1
    assert len(smtp_server.messages) == 5  # the four once, the retried one once
    assert [m["To"] for m in smtp_server.messages][-1] == "fixed@example.com"
    refused.refresh_from_db()
    assert (refused.status, refused.attempts) == (MessageStatus.SENT, 2)
    assert list(refused.tries.order_by("number").values_list("number", "ok")) == [
        (1, False),
        (2, True),
    ]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_stops_answering_pauses_the_rest_of_the_batch(
    hanging_smtp_server: HangingServer, settings: Any
) -> None:
    settings.EMAIL_TIMEOUT = 1
    with transaction.atomic():
        queued = emails_enqueue(emails=_emails(PAUSE_AFTER + 2), now=NOW)
    assert outbox_messages_send(message_ids=list(queued.values()), now=NOW) == 0
    assert hanging_smtp_server.connections == PAUSE_AFTER
    pause = SendPause.objects.get()
    assert pause.failures == PAUSE_AFTER
    assert pause.paused_until is not None
    messages = list(OutboxMessage.objects.order_by("id"))
    tried, waiting = messages[:PAUSE_AFTER], messages[PAUSE_AFTER:]
    assert {(m.status, m.attempts) for m in tried} == {(MessageStatus.PENDING, 1)}
    assert {(m.status, m.attempts, m.next_attempt_at) for m in waiting} == {
        (MessageStatus.PENDING, 0, pause.paused_until)
    }
