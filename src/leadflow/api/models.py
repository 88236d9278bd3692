"""What the API must remember between requests: the responses of idempotent writes."""

from typing import Any

from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The first response to a write sent with an ``Idempotency-Key``.

    The row is inserted in the same transaction as the write it records, so a concurrent retry
    with the same key waits on the unique index until the first commits and then replays the
    stored response. ``request_hash`` tells a retry from a different request reusing the key.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}] → {self.status_code}"
