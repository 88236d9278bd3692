"""Reads of the outbox: the messages about one thing, and their delivery log."""

from django.db.models import QuerySet

from leadflow.notifications.models import OutboxAttempt, OutboxMessage


def outbox_messages(*, key_prefix: str) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(key__startswith=key_prefix).order_by("created_at", "id")


def outbox_attempts(*, message: OutboxMessage) -> QuerySet[OutboxAttempt]:
    return message.tries.order_by("number")
