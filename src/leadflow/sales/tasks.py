"""Background work of sales: the periodic job that e-mails the task reminders that are due
(``leadflow.config.schedule.PERIODIC_JOBS``), a thin wrapper of the service."""

from django.utils import timezone
from django_tasks import task

from leadflow.sales.services.tasks import task_reminders_send


@task(queue_name="default")
def task_reminders_task() -> dict[str, int]:
    return {"reminded": task_reminders_send(now=timezone.now())}
