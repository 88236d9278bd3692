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

import functools
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
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from leadflow.lib.rows import rows_insert, rows_update
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
#: Messages one send task takes, over one SMTP connection (``emails_enqueue``).
SEND_BATCH = 100
#: Messages one INSERT of ``emails_enqueue`` writes (11 parameters each).
INSERT_BATCH = 2_000


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
    content = _email_content(to=to, subject=subject, body=body, headers=headers, html=html_body)
    return _enqueue(
        key=key, kind=MessageKind.EMAIL, content=content, attachments=attachments, now=now
    )


def _email_content(
    *, to: Sequence[str], subject: str, body: str, headers: Mapping[str, str] | None, html: str
) -> dict[str, object]:
    recipients = [address for address in to if address]
    if not recipients:
        raise ValueError("an e-mail needs at least one recipient")
    content: dict[str, object] = {"to": recipients, "subject": subject, "body": body}
    if headers:
        content["headers"] = dict(headers)
    if html:
        content["html"] = html
    return content


@dataclass(frozen=True, slots=True)
class Email:
    """One e-mail for ``emails_enqueue``: what ``email_enqueue`` takes, as a value."""

    key: str
    to: Sequence[str]
    subject: str
    body: str
    attachments: Sequence[Attachment] = ()
    headers: Mapping[str, str] | None = None
    html_body: str = ""


def emails_enqueue(*, emails: Sequence[Email], now: datetime) -> dict[str, int]:
    """Queue many e-mails in the caller's transaction, set-based: one ``INSERT … ON CONFLICT
    (key) DO NOTHING`` per INSERT_BATCH messages and one INSERT of their attachments, then,
    after commit, one send task per SEND_BATCH messages (sent over one SMTP connection). A key
    already in the outbox (or twice in ``emails``) is skipped, as ``email_enqueue`` returns the
    message already there: nothing is ever queued twice. Returns the messages queued now, as
    their ids by key, in the order of ``emails``."""
    contents: dict[str, tuple[dict[str, object], Email]] = {}
    for email in emails:
        if email.key not in contents:
            content = _email_content(
                to=email.to,
                subject=email.subject,
                body=email.body,
                headers=email.headers,
                html=email.html_body,
            )
            contents[email.key] = (content, email)
    if not contents:
        return {}
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in _INSERTED)  # the fields' names are their columns
    row = "(" + ", ".join(["%s"] * len(_INSERTED)) + ")"
    stamp = OutboxMessage._meta.get_field("created_at").get_db_prep_save(now, connection)
    json_field = OutboxMessage._meta.get_field("content")
    ids: dict[str, int] = {}
    items = list(contents.items())
    with connection.cursor() as cursor:
        for start in range(0, len(items), INSERT_BATCH):
            batch = items[start : start + INSERT_BATCH]
            params: list[Any] = []
            for key, (content, _) in batch:
                params += [
                    key,
                    MessageKind.EMAIL.value,
                    MessageStatus.PENDING.value,
                    json_field.get_db_prep_save(content, connection),
                    "",
                    0,
                    stamp,
                    "",
                    stamp,
                ]
            cursor.execute(
                f"INSERT INTO {quote(OutboxMessage._meta.db_table)} ({columns}) "
                f"VALUES {', '.join([row] * len(batch))} "
                f"ON CONFLICT ({quote('key')}) DO NOTHING RETURNING {quote('id')}, {quote('key')}",
                params,
            )
            ids.update((key, pk) for pk, key in cursor.fetchall())
    rows_insert(
        [
            OutboxAttachment(
                message_id=ids[key],
                filename=item.filename,
                mimetype=item.mimetype,
                content=item.content,
            )
            for key, (_, email) in items
            if key in ids
            for item in email.attachments
        ]
    )
    queued = [ids[key] for key, _ in items if key in ids]
    for start in range(0, len(queued), SEND_BATCH):
        chunk = queued[start : start + SEND_BATCH]
        transaction.on_commit(functools.partial(_enqueue_batch_send, chunk))
    return {key: ids[key] for key, _ in items if key in ids}


#: The columns ``emails_enqueue`` writes, ``created_at`` last (the others take their defaults:
#: no lease, no send yet).
_INSERTED = (
    "key",
    "kind",
    "status",
    "content",
    "secret",
    "attempts",
    "next_attempt_at",
    "last_error",
    "created_at",
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


def _enqueue_batch_send(message_ids: list[int]) -> None:
    from leadflow.notifications.tasks import outbox_batch_send_task

    outbox_batch_send_task.enqueue(message_ids)


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
