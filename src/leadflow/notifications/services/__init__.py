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

from leadflow.notifications.services.queue import (
    INSERT_BATCH,
    SEND_BATCH,
    Attachment,
    Email,
    email_enqueue,
    emails_enqueue,
    outbox_history_mark_sent,
    outbox_last_id,
    outbox_message_retry,
    webhook_enqueue,
)
from leadflow.notifications.services.sending import (
    LEASE,
    MAX_ATTEMPTS,
    PAUSE_AFTER,
    USER_AGENT,
    message_id_header,
    outbox_message_send,
    outbox_messages_send,
    outbox_send_due,
    pause_delay,
    retry_delay,
)

__all__ = [
    "INSERT_BATCH",
    "LEASE",
    "MAX_ATTEMPTS",
    "PAUSE_AFTER",
    "SEND_BATCH",
    "USER_AGENT",
    "Attachment",
    "Email",
    "email_enqueue",
    "emails_enqueue",
    "message_id_header",
    "outbox_history_mark_sent",
    "outbox_last_id",
    "outbox_message_retry",
    "outbox_message_send",
    "outbox_messages_send",
    "outbox_send_due",
    "pause_delay",
    "retry_delay",
    "webhook_enqueue",
]
