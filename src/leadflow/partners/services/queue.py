"""The routing queue: approved leads of partner programs that no partner could take wait here
and are routed as soon as one frees up, Hot before A before B, oldest first within each."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from leadflow.leads.models import Lead
from leadflow.partners.models import Assignment, RoutingQueueEntry
from leadflow.partners.services.pool import PartnerPool, skip_locked
from leadflow.partners.services.routing import assign_leads, routable, routing_ready


def routing_queue_drain(*, now: datetime, client_id: int | None = None, batch: int = 500) -> int:
    """Route the waiting leads that a partner can now take, Hot before A before B and oldest
    first, and drop entries of leads that left the queue otherwise (closed, nurtured, routed).
    Runs after declines, outcomes and re-enabling, and as a periodic task; waiting leads
    locked by another transaction are skipped. Returns how many leads were assigned."""
    with transaction.atomic():
        clients = RoutingQueueEntry.objects.all()
        if client_id is not None:
            clients = clients.filter(client_id=client_id)
        client_ids = sorted(set(clients.values_list("client_id", flat=True)))
        if not client_ids:
            return 0
        pool = PartnerPool(client_ids, now)
        assigned = 0
        for client in client_ids:
            assigned += client_queue_drain(client, pool, now, batch)
        return assigned


def client_queue_drain(client_id: int, pool: PartnerPool, now: datetime, batch: int) -> int:
    assigned = 0
    after: tuple[int, datetime, int] | None = None
    while pool.has_room(client_id):
        entries = RoutingQueueEntry.objects.filter(client_id=client_id)
        if after is not None:
            rank, queued_at, entry_id = after
            entries = entries.filter(
                Q(rating_rank__gt=rank)
                | Q(rating_rank=rank, queued_at__gt=queued_at)
                | Q(rating_rank=rank, queued_at=queued_at, id__gt=entry_id)
            )
        page = list(
            entries.order_by("rating_rank", "queued_at", "id").values_list(
                "id", "lead_id", "rating_rank", "queued_at"
            )[:batch]
        )
        if not page:
            break
        after = (page[-1][2], page[-1][3], page[-1][0])
        order = {lead_id: index for index, (_, lead_id, _, _) in enumerate(page)}
        leads = sorted(
            Lead.objects.filter(pk__in=list(order))
            .select_related("program")
            .select_for_update(of=("self",), **skip_locked()),
            key=lambda lead: order[lead.pk],
        )
        active = set(
            Assignment.objects.active()
            .filter(lead_id__in=[lead.pk for lead in leads])
            .values_list("lead_id", flat=True)
        )
        statuses_ready = routing_ready(leads)
        ready = [
            lead
            for lead in leads
            if lead.pk in statuses_ready and lead.pk not in active and not routable(lead)
        ]
        stale = [lead.pk for lead in leads if lead not in ready]
        if stale:
            RoutingQueueEntry.objects.filter(lead_id__in=stale).delete()
        if ready:
            results = assign_leads(
                leads=ready, pool=pool, now=now, actor=None, reason="from the routing queue"
            )
            assigned += sum(1 for result in results if result.status == "assigned")
        if len(page) < batch:
            break
    return assigned
