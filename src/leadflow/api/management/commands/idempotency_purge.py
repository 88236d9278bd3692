"""``leadflow idempotency_purge`` forgets the stored answers of idempotent API writes older than
24 hours (run it daily); a retry after that is treated as a new request."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from leadflow.api.idempotency import idempotency_purge


class Command(BaseCommand):
    help = "Delete idempotency records older than 24 hours."

    def handle(self, *args: Any, **options: Any) -> None:
        removed = idempotency_purge(now=timezone.now())
        self.stdout.write(f"removed {removed} idempotency records")
