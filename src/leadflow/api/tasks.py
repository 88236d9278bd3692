"""Periodic upkeep of the API: forgetting old idempotency records."""

from django.utils import timezone
from django_tasks import task

from leadflow.api.idempotency import idempotency_purge


@task(queue_name="default")
def idempotency_purge_task() -> int:
    return idempotency_purge(now=timezone.now())
