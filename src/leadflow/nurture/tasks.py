"""Background work of nurture: the periodic job that does the touches due
(``leadflow.config.schedule.PERIODIC_JOBS``), a thin wrapper of the engine."""

from django.utils import timezone
from django_tasks import task

from leadflow.nurture.services import touches_due_process


@task(queue_name="default")
def touches_due_task() -> dict[str, int]:
    return {"handled": touches_due_process(now=timezone.now())}
