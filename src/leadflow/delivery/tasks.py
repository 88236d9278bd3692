"""Background work of client delivery: thin wrappers that call the services.

Periodic (``leadflow.config.schedule.PERIODIC_JOBS``): ``deliveries_run_due_task`` runs the
batches that are due and delivers any approved Hot lead left behind; ``hot_leads_alert_task``
alerts managers to Hot leads still waiting 24 hours after capture. On demand:
``hot_leads_deliver_task`` delivers freshly approved Hot leads (the hand-off enqueues it).
"""

from django.utils import timezone
from django_tasks import task

from leadflow.delivery.services import deliveries_run_due, hot_leads_alert, hot_leads_deliver


@task(queue_name="urgent")
def deliveries_run_due_task() -> dict[str, object]:
    run = deliveries_run_due(now=timezone.now())
    return {
        "hot": [delivery.pk for delivery in run.hot],
        "batches": [result.delivery.pk for result in run.batches if result.delivery],
        "failed": run.failed,
    }


@task(queue_name="urgent")
def hot_leads_alert_task() -> dict[str, int]:
    result = hot_leads_alert(now=timezone.now())
    return {"alerted": result.alerted, "past_limit": result.past_limit, "emails": result.emails}


@task(queue_name="urgent")
def hot_leads_deliver_task(lead_ids: list[int]) -> list[int]:
    return [delivery.pk for delivery in hot_leads_deliver(lead_ids=lead_ids, now=timezone.now())]
