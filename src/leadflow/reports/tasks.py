"""Background work of the reports: the periodic job that folds new history into the summary
tables, and the one that queues the scheduled report e-mails
(``leadflow.config.schedule.PERIODIC_JOBS``); thin wrappers of the services."""

from django.utils import timezone
from django_tasks import task

from leadflow.reports.services.mail import mail_due
from leadflow.reports.services.refresh import facts_refresh


@task(queue_name="bulk")
def facts_refresh_task() -> dict[str, int]:
    return {"folded": facts_refresh(wait=False)}


@task(queue_name="default")
def mail_due_task() -> dict[str, int]:
    result = mail_due(now=timezone.now())
    return {"sent": result.sent, "opted_out": result.skipped_opted_out}
