"""Background sending of the outbox: one message at once after commit, and the periodic sweep
of whatever is due (retries, and first sends a worker missed)."""

from django.utils import timezone
from django_tasks import task

from leadflow.notifications.services import (
    outbox_message_send,
    outbox_messages_send,
    outbox_send_due,
)


@task(queue_name="sends")
def outbox_send_task(message_id: int) -> bool:
    return outbox_message_send(message_id=message_id)


@task(queue_name="sends")
def outbox_send_due_task() -> int:
    return outbox_send_due(now=timezone.now())


@task(queue_name="sends")
def outbox_batch_send_task(message_ids: list[int]) -> int:
    """A batch queued together (``emails_enqueue``), sent over one SMTP connection."""
    return outbox_messages_send(message_ids=message_ids)
