"""Sending the outbox: claim due messages, send them (e-mails of a batch over one SMTP
connection), record every attempt, retry with backoff, and leave a destination that stopped
answering alone for a while (``SendPause``)."""

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
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from leadflow.lib.rows import rows_update
from leadflow.notifications import outbound, signing
from leadflow.notifications.models import (
    MessageKind,
    MessageStatus,
    OutboxAttempt,
    OutboxMessage,
    SendPause,
)
from leadflow.notifications.services.queue import SEND_BATCH

#: Tries before a message is given up (marked failed); with the backoff below that is about
#: a day and a half of retrying.
MAX_ATTEMPTS = 12
#: How long a sender owns a claimed message; a send never takes longer than its timeout.
LEASE = timedelta(minutes=5)
USER_AGENT = "LeadFlow-Webhook/1"
#: Sends in a row that got no answer from a destination before the others wait (SendPause).
PAUSE_AFTER = 3


def pause_delay(failures: int) -> timedelta:
    """How long a destination that stopped answering is left alone after its ``failures``-th
    send in a row without an answer: 1, 2, 4 … minutes from the PAUSE_AFTER-th, at most 30."""
    return timedelta(minutes=min(2 ** max(failures - PAUSE_AFTER, 0), 30))


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the ``attempts``-th failure: 1, 2, 4 … minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claim(message_ids: Sequence[int], now: datetime) -> list[int]:
    """Claim the due messages among ``message_ids`` for this sender, in one conditional UPDATE
    (pending and due, or a sender's lease run out): a message another sender claimed is left
    out. Returns the claimed ids."""
    if not message_ids:
        return []
    table = connection.ops.quote_name(OutboxMessage._meta.db_table)
    at = OutboxMessage._meta.get_field("lease_until").get_db_prep_save
    marks = ", ".join(["%s"] * len(message_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, lease_until = %s WHERE id IN ({marks}) AND "
            "((status = %s AND next_attempt_at <= %s) OR (status = %s AND lease_until < %s)) "
            "RETURNING id",
            [
                MessageStatus.SENDING.value,
                at(now + LEASE, connection),
                *message_ids,
                MessageStatus.PENDING.value,
                at(now, connection),
                MessageStatus.SENDING.value,
                at(now, connection),
            ],
        )
        return sorted(pk for (pk,) in cursor.fetchall())


@dataclass(frozen=True, slots=True)
class _Result:
    ok: bool
    status_code: int | None = None
    error: str = ""
    unreachable: bool = False  # no answer at all: counts toward pausing the destination


@dataclass
class _Destination:
    """What one batch learns about a destination: sends without an answer since the last
    answer (``answered``: whether any came in this batch), and the pause they call for."""

    failures: int  # the stored count, until this batch hears an answer
    answered: bool = False
    unanswered: int = 0
    error: str = ""
    paused_until: datetime | None = None


def outbox_message_send(*, message_id: int, now: datetime | None = None) -> bool:
    """Send one message if it is due and no other sender holds it; True when it went out."""
    return outbox_messages_send(message_ids=[message_id], now=now) == 1


def outbox_messages_send(*, message_ids: Sequence[int], now: datetime | None = None) -> int:
    """Send the due messages among ``message_ids`` that no other sender holds, the e-mails over
    one SMTP connection (opened once, reopened only after a failure that broke it); returns
    how many went out. Every try is logged and a failed message is retried with backoff, as
    for one message; the results are written together, after the sends, in one transaction.

    While a destination is paused (it stopped answering, also during this batch), its messages
    are put back, due when the pause ends, without an attempt: a hanging SMTP server or webhook
    receiver holds a sender for one timeout a few times, not once per queued message."""
    now = now or timezone.now()
    claimed = _claim(list(dict.fromkeys(message_ids)), now)
    if not claimed:
        return 0
    messages = list(
        OutboxMessage.objects.filter(pk__in=claimed).prefetch_related("attachments").order_by("id")
    )
    where = {message.pk: _destination(message) for message in messages}
    stored = {
        pause.destination: pause
        for pause in SendPause.objects.filter(destination__in=set(where.values()))
    }
    states = {
        destination: _Destination(
            failures=stored[destination].failures if destination in stored else 0,
            paused_until=(
                stored[destination].paused_until
                if destination in stored
                and stored[destination].paused_until is not None
                and stored[destination].paused_until > now  # type: ignore[operator]
                else None
            ),
        )
        for destination in set(where.values())
    }
    tried: list[tuple[OutboxMessage, _Result, datetime, float]] = []
    released: dict[datetime, list[int]] = {}
    mail: Any = None
    began = time.monotonic()
    try:
        for message in messages:
            state = states[where[message.pk]]
            if state.paused_until is not None:
                released.setdefault(state.paused_until, []).append(message.pk)
                continue
            started = time.monotonic()
            if message.kind == MessageKind.EMAIL:
                if mail is None:
                    mail = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
                result = _send_email(message, mail)
                if not result.ok:
                    _close(mail)  # a failed send may leave the session broken: start afresh
            else:
                result = _send_webhook(message)
            ended = time.monotonic()
            finished = now + timedelta(seconds=ended - began)
            tried.append((message, result, finished, ended - started))
            if result.unreachable:
                state.unanswered += 1
                state.error = result.error
                failures = state.unanswered + (0 if state.answered else state.failures)
                if failures >= PAUSE_AFTER:
                    state.paused_until = finished + pause_delay(failures)
            else:
                state.answered, state.unanswered = True, 0
    finally:
        if mail is not None:
            _close(mail)
    _results_record(tried, released, states)
    return sum(1 for _, result, _, _ in tried if result.ok)


def _close(mail: Any) -> None:
    """End the SMTP session; one that cannot even say goodbye is simply dropped."""
    try:
        mail.close()
    except (OSError, smtplib.SMTPException):
        mail.connection = None


@transaction.atomic
def _results_record(
    tried: Sequence[tuple[OutboxMessage, _Result, datetime, float]],
    released: Mapping[datetime, Sequence[int]],
    states: Mapping[str, _Destination],
) -> None:
    """Write a batch's outcome: each message's attempt and new state (one INSERT, one prepared
    UPDATE), the paused messages put back, and each destination's count of sends without an
    answer (any answer ends it)."""
    attempts = []
    for message, result, finished, elapsed in tried:
        message.attempts += 1
        attempts.append(
            OutboxAttempt(
                message=message,
                number=message.attempts,
                at=finished,
                ok=result.ok,
                status_code=result.status_code,
                error=result.error[:2000],
                duration_ms=int(elapsed * 1000),
            )
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
    OutboxAttempt.objects.bulk_create(attempts)
    rows_update(
        [message for message, _, _, _ in tried],
        ["status", "attempts", "sent_at", "next_attempt_at", "last_error", "lease_until"],
    )
    for until, ids in released.items():
        OutboxMessage.objects.filter(pk__in=list(ids), status=MessageStatus.SENDING).update(
            status=MessageStatus.PENDING, next_attempt_at=until, lease_until=None
        )
    tried_at = {}
    for message, _, finished, _ in tried:
        tried_at[_destination(message)] = finished
    for destination, state in states.items():
        if destination not in tried_at:
            continue
        if state.answered and not state.unanswered:
            SendPause.objects.filter(destination=destination).delete()
            continue
        pause, _ = SendPause.objects.select_for_update().get_or_create(destination=destination)
        pause.failures = state.unanswered + (0 if state.answered else pause.failures)
        pause.last_error = state.error[:2000]
        if pause.failures >= PAUSE_AFTER:
            pause.paused_until = tried_at[destination] + pause_delay(pause.failures)
        pause.save()


def _destination(message: OutboxMessage) -> str:
    """Where a message goes, as far as answering goes: the mail server, or the webhook's host."""
    if message.kind == MessageKind.EMAIL:
        return f"smtp:{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"[:300]
    url = str(message.content.get("url", ""))
    return f"webhook:{url.split('://', 1)[-1].split('/', 1)[0].lower()}"[:300]


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
    return sum(
        outbox_messages_send(message_ids=ids[start : start + SEND_BATCH], now=now)
        for start in range(0, len(ids), SEND_BATCH)
    )


def message_id_header(key: str) -> str:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@leadflow>"


def _send_email(message: OutboxMessage, mail: Any) -> _Result:
    content = message.content
    extra = content.get("headers")
    headers = {str(k): str(v) for k, v in extra.items()} if isinstance(extra, dict) else {}
    email = EmailMultiAlternatives(
        subject=str(content["subject"]),
        body=str(content["body"]),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[str(address) for address in content["to"]],
        headers={**headers, "Message-ID": message_id_header(message.key)},
        connection=mail,
    )
    if content.get("html"):
        email.attach_alternative(str(content["html"]), "text/html")
    for attachment in message.attachments.all():
        email.attach(attachment.filename, bytes(attachment.content), attachment.mimetype)
    try:
        mail.open()  # at the batch's first message (or after a failure): the session stays open
        mail.send_messages([email])
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
