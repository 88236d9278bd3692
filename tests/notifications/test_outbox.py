"""The outbox: queued with the change, sent once after commit, retried with backoff, logged."""

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.test import override_settings

from leadflow.notifications.models import MessageStatus, OutboxMessage
from leadflow.notifications.selectors import outbox_attempts, outbox_messages
from leadflow.notifications.services import (
    MAX_ATTEMPTS,
    Attachment,
    email_enqueue,
    message_id_header,
    outbox_message_retry,
    outbox_message_send,
    outbox_send_due,
    retry_delay,
    webhook_enqueue,
)
from leadflow.notifications.signing import sign, verify
from tests.receivers import SmtpServer, WebhookReceiver
from tests.tasks import IMMEDIATE

NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
pytestmark = pytest.mark.django_db(transaction=True)


@override_settings(TASKS=IMMEDIATE)
def test_an_email_with_an_attachment_reaches_a_real_smtp_server(smtp_server: SmtpServer) -> None:
    csv = b"FirstName,LastName\r\nAda,Lovelace\r\n"
    with transaction.atomic():
        email_enqueue(
            key="delivery:1:email",
            to=["buyer@example.com"],
            subject="Your leads",
            body="Attached.",
            attachments=[Attachment("leads.csv", csv, "text/csv")],
            now=NOW,
        )
        assert smtp_server.messages == []  # nothing leaves before the change commits
    [received] = smtp_server.messages
    assert received["Subject"] == "Your leads"
    assert received["To"] == "buyer@example.com"
    assert received["Message-ID"] == message_id_header("delivery:1:email")
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "leads.csv"
    assert attachment.get_content().encode() == csv or attachment.get_content() == csv
    message = OutboxMessage.objects.get(key="delivery:1:email")
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)


@override_settings(TASKS=IMMEDIATE)
def test_the_same_key_twice_sends_one_email(smtp_server: SmtpServer) -> None:
    for _ in range(2):
        with transaction.atomic():
            email_enqueue(key="k:1", to=["a@example.com"], subject="s", body="b", now=NOW)
    assert len(smtp_server.messages) == 1
    assert OutboxMessage.objects.filter(key="k:1").count() == 1


def _failing_change() -> None:
    with transaction.atomic():
        email_enqueue(key="k:2", to=["a@example.com"], subject="s", body="b", now=NOW)
        raise RuntimeError("the change failed")


def test_a_rolled_back_change_sends_nothing() -> None:
    with pytest.raises(RuntimeError):
        _failing_change()
    assert not OutboxMessage.objects.filter(key="k:2").exists()


def test_an_email_without_recipients_is_refused() -> None:
    with pytest.raises(ValueError, match="recipient"):
        email_enqueue(key="k:3", to=["", ""], subject="s", body="b", now=NOW)


def test_an_unreachable_mail_server_is_retried_with_backoff(smtp_server: SmtpServer) -> None:
    with override_settings(EMAIL_PORT=9):  # nothing listens there: the connection is refused
        message = email_enqueue(key="k:4", to=["a@example.com"], subject="s", body="b", now=NOW)
        assert outbox_message_send(message_id=message.pk, now=NOW) is False
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert message.next_attempt_at is not None
    assert message.next_attempt_at > NOW
    assert "Connection" in message.last_error or "refused" in message.last_error.lower()
    # not due yet: the sweep leaves it alone
    assert outbox_send_due(now=NOW + timedelta(seconds=1)) == 0
    # due again, and the server answers now
    assert outbox_send_due(now=message.next_attempt_at + timedelta(seconds=1)) == 1
    assert len(smtp_server.messages) == 1
    tries = list(outbox_attempts(message=message))
    assert [attempt.ok for attempt in tries] == [False, True]


def test_backoff_doubles_and_is_capped() -> None:
    assert [retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert retry_delay(30) == timedelta(hours=6)


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_PORT=9)
def test_a_message_is_given_up_after_the_last_attempt_and_can_be_retried() -> None:
    message = email_enqueue(key="k:5", to=["a@example.com"], subject="s", body="b", now=NOW)
    at = NOW
    for _ in range(MAX_ATTEMPTS):
        outbox_message_send(message_id=message.pk, now=at)
        at += timedelta(hours=7)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, MAX_ATTEMPTS)
    assert outbox_send_due(now=at) == 0
    outbox_message_retry(message_id=message.pk, now=at)
    message.refresh_from_db()
    assert (message.status, message.next_attempt_at) == (MessageStatus.PENDING, at)


@override_settings(TASKS=IMMEDIATE)
def test_a_webhook_is_signed_and_the_receiver_verifies_it(
    webhook_receiver: WebhookReceiver,
) -> None:
    payload = {"delivery": 7, "leads": [{"Email": "ada@example.com"}]}
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        webhook_enqueue(
            key="delivery:7:webhook",
            url=webhook_receiver.url,
            secret="s3cret",
            event="delivery.created",
            payload=payload,
            now=NOW,
        )
    [request] = webhook_receiver.requests
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert json.loads(request.body) == payload
    assert headers["x-leadflow-event"] == "delivery.created"
    assert headers["x-leadflow-message"] == "delivery:7:webhook"
    assert headers["x-leadflow-timestamp"] == str(int(NOW.timestamp()))
    assert verify(
        secret="s3cret",
        timestamp=headers["x-leadflow-timestamp"],
        body=request.body,
        signature=headers["x-leadflow-signature"],
        now=NOW,
    )
    assert not verify(
        secret="other",
        timestamp=headers["x-leadflow-timestamp"],
        body=request.body,
        signature=headers["x-leadflow-signature"],
        now=NOW,
    )


def test_a_signature_is_refused_for_a_changed_body_or_an_old_timestamp() -> None:
    stamp = str(int(NOW.timestamp()))
    signature = sign(secret="k", timestamp=stamp, body=b"{}")
    assert verify(secret="k", timestamp=stamp, body=b"{}", signature=signature, now=NOW)
    assert not verify(secret="k", timestamp=stamp, body=b"{ }", signature=signature, now=NOW)
    later = NOW + timedelta(minutes=6)
    assert not verify(secret="k", timestamp=stamp, body=b"{}", signature=signature, now=later)
    assert not verify(secret="k", timestamp="soon", body=b"{}", signature=signature, now=NOW)


def test_a_failing_webhook_is_retried_and_every_try_is_logged(
    webhook_receiver: WebhookReceiver,
) -> None:
    webhook_receiver.fail_next(2)
    message = webhook_enqueue(
        key="delivery:8:webhook",
        url=webhook_receiver.url,
        secret="s",
        event="delivery.created",
        payload={"n": 1},
        now=NOW,
    )
    at = NOW
    for _ in range(3):
        outbox_message_send(message_id=message.pk, now=at)
        message.refresh_from_db()
        at = (message.next_attempt_at or at) + timedelta(seconds=1)
    assert message.status == MessageStatus.SENT
    tries = list(outbox_attempts(message=message))
    assert [(t.ok, t.status_code) for t in tries] == [(False, 500), (False, 500), (True, 204)]
    assert len(webhook_receiver.requests) == 3
    keys = {r.headers["X-LeadFlow-Message"] for r in webhook_receiver.requests}
    assert keys == {"delivery:8:webhook"}  # the receiver can de-duplicate retries
    assert list(outbox_messages(key_prefix="delivery:8:")) == [message]


def test_a_webhook_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="https://"):
        webhook_enqueue(key="w", url="ftp://x", secret="s", event="e", payload={}, now=NOW)


def test_a_sent_message_is_not_sent_again(webhook_receiver: WebhookReceiver) -> None:
    message = webhook_enqueue(
        key="w:1", url=webhook_receiver.url, secret="s", event="e", payload={}, now=NOW
    )
    assert outbox_message_send(message_id=message.pk, now=NOW) is True
    assert outbox_message_send(message_id=message.pk, now=NOW + timedelta(days=1)) is False
    assert outbox_send_due(now=NOW + timedelta(days=1)) == 0
    assert len(webhook_receiver.requests) == 1


def test_a_lease_left_by_a_dead_sender_runs_out_and_the_message_is_tried_again(
    webhook_receiver: WebhookReceiver,
) -> None:
    message = webhook_enqueue(
        key="w:2", url=webhook_receiver.url, secret="s", event="e", payload={}, now=NOW
    )
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING, lease_until=NOW + timedelta(minutes=5)
    )
    assert outbox_send_due(now=NOW + timedelta(minutes=1)) == 0
    assert outbox_send_due(now=NOW + timedelta(minutes=6)) == 1
    assert len(webhook_receiver.requests) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="proven on PostgreSQL")
def test_concurrent_senders_send_a_message_once(webhook_receiver: WebhookReceiver) -> None:
    message = webhook_enqueue(
        key="w:3", url=webhook_receiver.url, secret="s", event="e", payload={}, now=NOW
    )
    senders = 8
    barrier = threading.Barrier(senders)
    results: list[bool] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait()
            results.append(outbox_message_send(message_id=message.pk, now=NOW))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [False] * (senders - 1) + [True]
    assert len(webhook_receiver.requests) == 1
