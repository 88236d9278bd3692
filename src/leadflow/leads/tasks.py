"""Background hand-off: after a QA approval, and after a delivery in programs with both."""

from django.utils import timezone
from django_tasks import task

from leadflow.leads.handoff import hand_off


@task()
def hand_off_task(lead_ids: list[int]) -> dict[str, list[int]]:
    result = hand_off(lead_ids=lead_ids, now=timezone.now())
    return {"delivered": result.delivered, "routed": result.routed}


@task()
def route_task(lead_ids: list[int]) -> list[str]:
    from leadflow.partners.services import leads_route

    return [outcome.status for outcome in leads_route(lead_ids=lead_ids, now=timezone.now())]
