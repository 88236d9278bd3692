"""What the API keeps: the personal tokens that authenticate its callers, and the responses of
idempotent writes."""

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


class ApiToken(models.Model):
    """A personal API token. Only the SHA-256 of the token is kept, so a leaked database does
    not leak working tokens; the plaintext is shown once, when it is created.

    ``prefix`` (the first 8 characters) lets the owner recognise a token in lists and lets
    authentication find the candidate rows without comparing against every hash. A token may
    be narrowed to some of the user's programs; with none it carries the user's whole scope.

    The model came from ``accounts`` (which must not know programs); its tables kept their
    names, so existing databases keep their tokens.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    programs = models.ManyToManyField(
        "programs.Program", blank=True, related_name="+", db_table="accounts_apitoken_programs"
    )
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    #: The ids of the programs the token is narrowed to, when ``token_authenticate`` found it
    #: (read with the token in one query); empty: the user's whole scope.
    token_programs: frozenset[int] = frozenset()

    class Meta:
        db_table = "accounts_apitoken"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
