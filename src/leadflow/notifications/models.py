"""The notification outbox: every e-mail and webhook LeadFlow sends is a row here first.

A message is written in the same transaction as the change it reports, keyed by what it is
about (``delivery:42:email``), so the change and its notification commit together and a retry
of the change never makes a second message. A worker sends it after commit; failures are
retried with backoff and every attempt is logged.
"""

from django.db import models


class MessageKind(models.TextChoices):
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook"


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"


class OutboxMessage(models.Model):
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=8, choices=MessageKind.choices)
    status = models.CharField(
        max_length=8, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    # E-mail: to, subject, body. Webhook: url, event, payload.
    content: models.JSONField[dict[str, object]] = models.JSONField(default=dict)
    secret = models.CharField(max_length=200, blank=True, help_text="Webhook signing secret")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="A sender owns the message until then"
    )
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.status})"


class OutboxAttachment(models.Model):
    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    mimetype = models.CharField(max_length=100)
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.filename


class OutboxAttempt(models.Model):
    """One try at sending a message: the delivery log."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    ok = models.BooleanField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["message", "number"]

    def __str__(self) -> str:
        return f"{self.message.key} try {self.number}: {'ok' if self.ok else 'failed'}"


class SendPause(models.Model):
    """A destination (the SMTP server, or one webhook host) that stopped answering: after a few
    sends in a row got no answer at all, the others wait until ``paused_until`` instead of each
    holding a sender for its whole timeout. A send that gets any answer ends the pause."""

    destination = models.CharField(max_length=300, primary_key=True)
    failures = models.PositiveIntegerField(default=0)
    paused_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.destination} ({self.failures} without answer)"
