"""A per-client rate limit for the public web-to-lead endpoint.

Web processes scale out over many machines (DESIGN.md, "Non-functional") and LeadFlow runs no
cache server, so the count is kept in the database: a fixed-window counter, one row per client
and window. Creating the row races safely (the unique constraint plus ``get_or_create``'s retry)
and the increment is a single ``UPDATE … SET count = count + 1``, which PostgreSQL serialises with
a row lock and SQLite with its one writer, so concurrent requests never lose a hit.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils.crypto import salted_hmac

from leadflow.intake.models import FormThrottle


@dataclass(frozen=True)
class ThrottleResult:
    """The outcome of one hit: whether it is within the limit, and when the window ends."""

    allowed: bool
    count: int
    limit: int
    retry_after: int
    """Seconds until the current window ends (at least 1)."""


def throttle_key(*, scope: str, client: str) -> str:
    """The row key for a client (an IP address) within a scope (a program).

    Keyed with the secret key, so the table holds no IP addresses that a plain hash would give
    back to anyone who hashes the four billion IPv4 addresses."""
    return salted_hmac(
        "leadflow.intake.throttle", f"{scope}:{client}", algorithm="sha256"
    ).hexdigest()


def window_start(now: datetime, window_seconds: int) -> datetime:
    """The start of the fixed window ``now`` falls in, aligned to the Unix epoch."""
    seconds = math.floor(now.timestamp() / window_seconds) * window_seconds
    return datetime.fromtimestamp(seconds, tz=UTC)


def throttle_hit(*, key: str, limit: int, window_seconds: int, now: datetime) -> ThrottleResult:
    """Count one hit for ``key`` in the current window and say whether it is within ``limit``.

    Every hit counts, refused ones too, so a client that keeps trying stays refused until the
    window ends. When a window's first hit creates its row, rows two windows old are deleted:
    nothing can still be counting into them, and the table stays the size of its live windows.
    """
    start = window_start(now, window_seconds)
    with transaction.atomic():
        row, created = FormThrottle.objects.get_or_create(
            key=key, window_start=start, defaults={"count": 1}
        )
        if created:
            count = 1
        else:
            FormThrottle.objects.filter(pk=row.pk).update(count=F("count") + 1)
            count = FormThrottle.objects.values_list("count", flat=True).get(pk=row.pk)
    if created:
        FormThrottle.objects.filter(
            window_start__lt=start - timedelta(seconds=window_seconds)
        ).delete()
    ends = start + timedelta(seconds=window_seconds)
    retry_after = max(1, math.ceil((ends - now).total_seconds()))
    return ThrottleResult(allowed=count <= limit, count=count, limit=limit, retry_after=retry_after)
