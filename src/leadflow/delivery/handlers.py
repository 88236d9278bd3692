"""What client delivery does when the leads app announces something (``config/events.py``)."""

from collections.abc import Sequence
from datetime import datetime

from leadflow.core.handoff import delivers_at_once
from leadflow.core.lifecycle import LeadStatus
from leadflow.delivery.services import hot_leads_deliver
from leadflow.leads.models import Lead


def leads_approved(*, lead_ids: Sequence[int], now: datetime) -> list[int]:
    """Approved Hot leads of programs with client deliveries go out at once, each on its own;
    A and B leads wait for the program's batch. Returns the leads delivered."""
    approved = Lead.objects.filter(pk__in=list(lead_ids), status=LeadStatus.APPROVED)
    hot = [
        lead_id
        for lead_id, mode, rating in approved.values_list(
            "pk", "program__hand_off_mode", "rating"
        ).order_by("pk")
        if delivers_at_once(mode, rating)
    ]
    if not hot:
        return []
    return [
        item.lead_id
        for delivery in hot_leads_deliver(lead_ids=hot, now=now)
        for item in delivery.items.all()
    ]
