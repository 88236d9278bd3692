"""Writes of the outbox: queue a message with the change it reports, then send it once.

``email_enqueue`` and ``webhook_enqueue`` are called inside the caller's transaction. The
message's key makes queueing idempotent: the same key again returns the message already there.
After commit a task sends it. A sender first claims the message with one conditional UPDATE
(status pending and due, or a sender's lease run out), so two workers never send it at the same
time; the network call happens outside any transaction, and the result is written afterwards.
A sender that dies mid-send leaves a lease that runs out, and the message is tried again:
delivery is at least once, and receivers de-duplicate by the stable ``X-LeadFlow-Message``
header (webhooks) or ``Message-ID`` (e-mail), both derived from the key.
"""

import hashlib
import json
import smtplib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from leadflow.notifications import outbound, signing
from leadflow.notifications.models import (
    MessageKind,
    MessageStatus,
    OutboxAttachment,
    OutboxAttempt,
    OutboxMessage,
    SendPause,
)

#: Tries before a message is given up (marked failed); with the backoff below that is about
#: a day and a half of retrying.
MAX_ATTEMPTS = 12
#: How long a sender owns a claimed message; a send never takes longer than its timeout.
LEASE = timedelta(minutes=5)
USER_AGENT = "LeadFlow-Webhook/1"
#: Sends in a row that got no answer from a destination before the others wait (SendPause).
PAUSE_AFTER = 3


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


def pause_delay(failures: int) -> timedelta:
    """How long a destination that stopped answering is left alone after its ``failures``-th
    send in a row without an answer: 1, 2, 4 … minutes from the PAUSE_AFTER-th, at most 30."""
    return timedelta(minutes=min(2 ** max(failures - PAUSE_AFTER, 0), 30))


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the ``attempts``-th failure: 1, 2, 4 … minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def email_enqueue(
    *,
    key: str,
    to: Sequence[str],
    subject: str,
    body: str,
    attachments: Sequence[Attachment] = (),
    now: datetime,
    headers: Mapping[str, str] | None = None,
    html_body: str = "",
) -> OutboxMessage:
    """Queue an e-mail; sent after the surrounding transaction commits. ``headers`` are added
    to the message (``List-Unsubscribe`` of a marketing e-mail); ``html_body`` is sent as an
    HTML alternative of the plain-text ``body``."""
    recipients = [address for address in to if address]
    if not recipients:
        raise ValueError("an e-mail needs at least one recipient")
    content: dict[str, object] = {"to": recipients, "subject": subject, "body": body}
    if headers:
        content["headers"] = dict(headers)
    if html_body:
        content["html"] = html_body
    return _enqueue(
        key=key, kind=MessageKind.EMAIL, content=content, attachments=attachments, now=now
    )


def webhook_enqueue(
    *, key: str, url: str, secret: str, event: str, payload: dict[str, Any], now: datetime
) -> OutboxMessage:
    """Queue a signed JSON POST to ``url``; sent after the surrounding transaction commits."""
    if not url.startswith(("https://", "http://")):
        raise ValueError("a webhook URL must start with https:// or http://")
    if not secret:
        raise ValueError("a webhook needs a signing secret")
    content: dict[str, object] = {"url": url, "event": event, "payload": payload}
    return _enqueue(key=key, kind=MessageKind.WEBHOOK, content=content, secret=secret, now=now)


def _enqueue(
    *,
    key: str,
    kind: MessageKind,
    content: dict[str, object],
    now: datetime,
    attachments: Sequence[Attachment] = (),
    secret: str = "",
) -> OutboxMessage:
    existing = OutboxMessage.objects.filter(key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                key=key,
                kind=kind,
                content=content,
                secret=secret,
                next_attempt_at=now,
                created_at=now,
            )
            OutboxAttachment.objects.bulk_create(
                OutboxAttachment(
                    message=message,
                    filename=item.filename,
                    mimetype=item.mimetype,
                    content=item.content,
                )
                for item in attachments
            )
    except IntegrityError:
        # Another transaction queued the same key first (it has committed by now).
        return OutboxMessage.objects.get(key=key)
    transaction.on_commit(lambda: _enqueue_send(message.pk))
    return message


def _enqueue_send(message_id: int) -> None:
    from leadflow.notifications.tasks import outbox_send_task

    outbox_send_task.enqueue(message_id)


def _claim(message_id: int, now: datetime) -> bool:
    due = Q(status=MessageStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=MessageStatus.SENDING, lease_until__lt=now
    )
    claimed = OutboxMessage.objects.filter(due, pk=message_id).update(
        status=MessageStatus.SENDING, lease_until=now + LEASE
    )
    return claimed == 1


@dataclass(frozen=True, slots=True)
class _Result:
    ok: bool
    status_code: int | None = None
    error: str = ""
    unreachable: bool = False  # no answer at all: counts toward pausing the destination


def outbox_message_send(*, message_id: int, now: datetime | None = None) -> bool:
    """Send one message if it is due and no other sender holds it; True when it went out.

    While its destination is paused (it stopped answering), the message is put back, due when
    the pause ends, without an attempt: a hanging SMTP server or webhook receiver holds a
    sender for one timeout a few times, not once per queued message."""
    now = now or timezone.now()
    if not _claim(message_id, now):
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    destination = _destination(message)
    paused_until = (
        SendPause.objects.filter(destination=destination, paused_until__gt=now)
        .values_list("paused_until", flat=True)
        .first()
    )
    if paused_until is not None:
        OutboxMessage.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(
            status=MessageStatus.PENDING, next_attempt_at=paused_until, lease_until=None
        )
        return False
    started = time.monotonic()
    result = _send_email(message) if message.kind == MessageKind.EMAIL else _send_webhook(message)
    elapsed = time.monotonic() - started
    finished = now + timedelta(seconds=elapsed)
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        message.attempts += 1
        OutboxAttempt.objects.create(
            message=message,
            number=message.attempts,
            at=finished,
            ok=result.ok,
            status_code=result.status_code,
            error=result.error[:2000],
            duration_ms=int(elapsed * 1000),
        )
        message.lease_until = None
        if result.ok:
            message.status = MessageStatus.SENT
            message.sent_at = finished
            message.next_attempt_at = None
            message.last_error = ""
        elif message.attempts >= MAX_ATTEMPTS:
            message.status = MessageStatus.FAILED
            message.next_attempt_at = None
            message.last_error = result.error[:2000]
        else:
            message.status = MessageStatus.PENDING
            message.next_attempt_at = finished + retry_delay(message.attempts)
            message.last_error = result.error[:2000]
        message.save()
        _destination_record(destination, result, finished)
    return result.ok


def _destination(message: OutboxMessage) -> str:
    """Where a message goes, as far as answering goes: the mail server, or the webhook's host."""
    if message.kind == MessageKind.EMAIL:
        return f"smtp:{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"[:300]
    url = str(message.content.get("url", ""))
    return f"webhook:{url.split('://', 1)[-1].split('/', 1)[0].lower()}"[:300]


def _destination_record(destination: str, result: _Result, at: datetime) -> None:
    """Count sends without an answer; pause the destination from the PAUSE_AFTER-th in a row.
    Any answer (even a refusal) ends the count."""
    if not result.unreachable:
        SendPause.objects.filter(destination=destination).delete()
        return
    pause, _ = SendPause.objects.select_for_update().get_or_create(destination=destination)
    pause.failures += 1
    pause.last_error = result.error[:2000]
    if pause.failures >= PAUSE_AFTER:
        pause.paused_until = at + pause_delay(pause.failures)
    pause.save()


def outbox_send_due(*, now: datetime, limit: int = 200) -> int:
    """Send what is due (retries, and messages whose first send was missed); the periodic job."""
    due = Q(status=MessageStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=MessageStatus.SENDING, lease_until__lt=now
    )
    ids = list(
        OutboxMessage.objects.filter(due)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for message_id in ids if outbox_message_send(message_id=message_id, now=now))


def outbox_last_id() -> int:
    """The newest message's id (0 for none): where a replayed history's messages start."""
    return OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def outbox_history_mark_sent(*, after_id: int) -> int:
    """Record the waiting messages newer than ``after_id`` as sent when they were queued,
    without sending them: they are the notifications of a history that was replayed (the
    demo's six months), not news for anyone now. Their send tasks then find nothing to do."""
    return OutboxMessage.objects.filter(pk__gt=after_id, status=MessageStatus.PENDING).update(
        status=MessageStatus.SENT, sent_at=F("created_at"), next_attempt_at=None
    )


def outbox_message_retry(*, message_id: int, now: datetime) -> OutboxMessage:
    """Try a failed message again at once (a person fixed the address or the endpoint)."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        if message.status == MessageStatus.FAILED:
            message.status = MessageStatus.PENDING
            message.next_attempt_at = now
            message.save(update_fields=["status", "next_attempt_at"])
            transaction.on_commit(lambda: _enqueue_send(message_id))
    return message


def message_id_header(key: str) -> str:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@leadflow>"


def _send_email(message: OutboxMessage) -> _Result:
    content = message.content
    extra = content.get("headers")
    headers = {str(k): str(v) for k, v in extra.items()} if isinstance(extra, dict) else {}
    email = EmailMultiAlternatives(
        subject=str(content["subject"]),
        body=str(content["body"]),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[str(address) for address in content["to"]],
        headers={**headers, "Message-ID": message_id_header(message.key)},
        connection=get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT),
    )
    if content.get("html"):
        email.attach_alternative(str(content["html"]), "text/html")
    for attachment in message.attachments.all():
        email.attach(attachment.filename, bytes(attachment.content), attachment.mimetype)
    try:
        email.send(fail_silently=False)
    except Exception as exc:  # any failure of the mail system is retried
        return _Result(ok=False, error=f"{type(exc).__name__}: {exc}", unreachable=_silent(exc))
    return _Result(ok=True)


#: SMTP errors that carry the server's answer (a refusal is an answer).
_ANSWERS = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused)


def _silent(exc: Exception) -> bool:
    """No connection, a timeout, or the server hung up: the mail server is not answering
    (smtplib's errors are OSErrors; those carrying a reply code are answers)."""
    return isinstance(exc, OSError) and not isinstance(exc, _ANSWERS)


def _send_webhook(message: OutboxMessage) -> _Result:
    content = message.content
    body = json.dumps(content["payload"], sort_keys=True, separators=(",", ":")).encode("utf-8")
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-LeadFlow-Event": str(content["event"]),
        "X-LeadFlow-Message": message.key,
        "X-LeadFlow-Timestamp": timestamp,
        "X-LeadFlow-Signature": signing.sign(secret=message.secret, timestamp=timestamp, body=body),
    }
    response = outbound.webhook_post(url=str(content["url"]), body=body, headers=headers)
    return _Result(
        ok=response.ok,
        status_code=response.status_code,
        error=response.error,
        unreachable=response.unreachable,
    )
