"""Background work of partner routing: the SLA sweep and the routing queue (periodic jobs),
and routing after hand-off. Thin wrappers around the services."""

from django.utils import timezone
from django_tasks import task

from leadflow.partners.services import leads_route, routing_queue_drain, sla_sweep
from leadflow.partners.services.manual import routing_queue_alert
from leadflow.partners.services.notify import notifications_send
from leadflow.partners.services.status import weekly_status_send


@task(queue_name="urgent")
def sla_sweep_task() -> dict[str, int]:
    """Every few minutes: reassign the leads whose clocks ran out. Several workers may run it
    at once; each handles the overdue assignments the others have not locked."""
    result = sla_sweep(now=timezone.now())
    return {
        "violations": result.violations,
        "reassigned": result.reassigned,
        "queued": result.queued,
        "flows_disabled": result.flows_disabled,
    }


@task(queue_name="urgent")
def routing_queue_drain_task() -> dict[str, int]:
    """Every few minutes: route waiting leads to partners that have room again."""
    return {"assigned": routing_queue_drain(now=timezone.now())}


@task(queue_name="urgent")
def leads_route_task(lead_ids: list[int]) -> dict[str, int]:
    """Route approved leads of partner programs after their hand-off was decided."""
    results = leads_route(lead_ids=lead_ids, now=timezone.now())
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    return counts


@task(queue_name="urgent")
def partner_notifications_task(assignment_ids: list[int], violation_ids: list[int]) -> int:
    """The e-mails of a sweep batch: new leads for the partners that received them, and the
    violation notices; queued in the outbox, which sends and retries them."""
    return notifications_send(
        assignment_ids=assignment_ids, violation_ids=violation_ids, now=timezone.now()
    )


@task(queue_name="urgent")
def routing_queue_alert_task() -> dict[str, int]:
    """Every few minutes: alert the program's managers to leads waiting too long for a partner."""
    result = routing_queue_alert(now=timezone.now())
    return {"alerted": result.alerted, "emails": result.emails}


@task()
def weekly_status_task() -> dict[str, int]:
    """Hourly: send each partner user holding worked leads its weekly status e-mail, once a
    week from Monday 09:00 in the partner's timezone."""
    return {"sent": weekly_status_send(now=timezone.now()).sent}
