"""Queueing in the outbox: one message (``email_enqueue``, ``webhook_enqueue``) or many e-mails
in one statement (``emails_enqueue``), inside the caller's transaction; the key makes it
idempotent. After commit a task sends what was queued (``sending``)."""

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from leadflow.lib.rows import rows_insert
from leadflow.notifications.models import (
    MessageKind,
    MessageStatus,
    OutboxAttachment,
    OutboxMessage,
)

#: Messages one send task takes, over one SMTP connection (``emails_enqueue``).
SEND_BATCH = 100
#: Messages one INSERT of ``emails_enqueue`` writes (9 parameters each).
INSERT_BATCH = 2_000


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


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
