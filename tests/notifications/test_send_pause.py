"""A destination that stops answering (a hanging SMTP server, a webhook host that is down) holds
a sender for its timeout a few times, not once per queued message: after PAUSE_AFTER sends in a
row without an answer the others wait, unattempted, until the pause ends; any answer ends it."""

import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction

from leadflow.notifications.models import MessageStatus, OutboxMessage, SendPause
from leadflow.notifications.services import (
    PAUSE_AFTER,
    email_enqueue,
    outbox_message_send,
    pause_delay,
    webhook_enqueue,
)
from tests.receivers import HangingServer, SmtpServer, WebhookReceiver

NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def _emails(count: int) -> list[OutboxMessage]:
    with transaction.atomic():
        return [
            email_enqueue(key=f"k:{n}", to=["a@example.com"], subject="s", body="b", now=NOW)
            for n in range(count)
        ]


def test_the_pause_grows_from_one_minute_to_half_an_hour() -> None:
    delays = [pause_delay(PAUSE_AFTER + n) for n in range(7)]
    assert delays == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 30, 30)]


def test_after_three_sends_without_an_answer_the_others_wait_without_an_attempt(
    hanging_smtp_server: HangingServer, settings: Any
) -> None:
    settings.EMAIL_TIMEOUT = 1
    messages = _emails(6)
    for message in messages[:PAUSE_AFTER]:
        assert outbox_message_send(message_id=message.pk, now=NOW) is False
    assert hanging_smtp_server.connections == PAUSE_AFTER
    pause = SendPause.objects.get()
    assert pause.destination == f"smtp:{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    assert pause.failures == PAUSE_AFTER
    assert "timed out" in pause.last_error
    assert NOW + timedelta(minutes=1) < pause.paused_until < NOW + timedelta(minutes=1, seconds=30)

    for message in messages[PAUSE_AFTER:]:
        assert outbox_message_send(message_id=message.pk, now=NOW) is False
    assert hanging_smtp_server.connections == PAUSE_AFTER  # nobody else waited on it
    waiting = OutboxMessage.objects.filter(pk__in=[m.pk for m in messages[PAUSE_AFTER:]])
    assert {(m.status, m.attempts, m.next_attempt_at) for m in waiting} == {
        (MessageStatus.PENDING, 0, pause.paused_until)
    }

    # When the pause is over the next send tries again; no answer again doubles the pause.
    later = pause.paused_until + timedelta(seconds=1)
    assert outbox_message_send(message_id=messages[PAUSE_AFTER].pk, now=later) is False
    assert hanging_smtp_server.connections == PAUSE_AFTER + 1
    pause.refresh_from_db()
    assert pause.failures == PAUSE_AFTER + 1
    assert pause.paused_until > later + timedelta(minutes=2)


def test_an_answer_ends_the_count_even_a_refusal(smtp_server: SmtpServer, settings: Any) -> None:
    destination = f"smtp:{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    SendPause.objects.create(destination=destination, failures=PAUSE_AFTER - 1)
    [message] = _emails(1)
    assert outbox_message_send(message_id=message.pk, now=NOW) is True
    assert not SendPause.objects.exists()
    assert len(smtp_server.messages) == 1


def test_a_webhook_host_that_refuses_connections_is_paused_alone(
    webhook_receiver: WebhookReceiver, settings: Any
) -> None:
    with socket.socket() as probe:  # a port nothing listens on: connections are refused
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings.WEBHOOK_ALLOWED_HOSTS = [f"127.0.0.1:{closed}", *settings.WEBHOOK_ALLOWED_HOSTS]
    with transaction.atomic():
        down = [
            webhook_enqueue(
                key=f"down:{n}",
                url=f"http://127.0.0.1:{closed}/hook",
                secret="s",
                event="lead.delivered",
                payload={"n": n},
                now=NOW,
            )
            for n in range(PAUSE_AFTER + 1)
        ]
        up = webhook_enqueue(
            key="up",
            url=webhook_receiver.url,
            secret="s",
            event="lead.delivered",
            payload={"n": 0},
            now=NOW,
        )
    for message in down:
        outbox_message_send(message_id=message.pk, now=NOW)
    [pause] = SendPause.objects.all()
    assert pause.destination == f"webhook:127.0.0.1:{closed}"
    assert OutboxMessage.objects.get(pk=down[-1].pk).attempts == 0  # paused, not tried
    assert outbox_message_send(message_id=up.pk, now=NOW) is True  # another host is not
    assert len(webhook_receiver.requests) == 1
