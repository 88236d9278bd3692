"""Background work of billing: the monthly statements (``config/schedule.py``)."""

from django.utils import timezone
from django_tasks import task

from leadflow.billing.services import statements_due


@task(queue_name="default")
def statements_due_task() -> dict[str, int]:
    result = statements_due(now=timezone.now())
    return {"closed": result.closed, "sent": result.sent}
