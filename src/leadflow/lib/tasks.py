"""The task that runs an after-commit event subscription (``leadflow.lib.events``)."""

from typing import Any

from django_tasks import task

from leadflow.lib.events import handle


@task()
def event_handle_task(handler: str, payload: dict[str, Any]) -> Any:
    return handle(handler, payload)
