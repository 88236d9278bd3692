"""What partner routing does when the leads app announces something (``config/events.py``)."""

from collections.abc import Callable, Sequence
from datetime import datetime

from leadflow.core.handoff import routes_after_delivery, routes_at_approval
from leadflow.leads.models import Lead
from leadflow.partners.services import leads_route
from leadflow.partners.services.protected import registered_split


def leads_approved(*, lead_ids: Sequence[int], now: datetime) -> list[int]:
    """Approved Hot, A and B leads of partner programs are routed to a partner (or wait in the
    routing queue). Returns the leads assigned."""
    return _route(lead_ids, now, routes_at_approval)


def leads_delivered(*, lead_ids: Sequence[int], now: datetime) -> list[int]:
    """In programs with both hand-offs, what the client just received goes on to a partner."""
    return _route(lead_ids, now, routes_after_delivery)


def _route(
    lead_ids: Sequence[int], now: datetime, rule: Callable[[str, str | None], bool]
) -> list[int]:
    rows = Lead.objects.filter(pk__in=list(lead_ids)).values_list(
        "pk", "program__hand_off_mode", "rating"
    )
    todo = [lead_id for lead_id, mode, rating in rows.order_by("pk") if rule(mode, rating)]
    if not todo:
        return []
    registered, pending = registered_split(todo, now)
    rest = [lead_id for lead_id in todo if lead_id not in pending and lead_id not in registered]
    if not rest:
        return registered
    return registered + [
        outcome.lead_id
        for outcome in leads_route(lead_ids=rest, now=now)
        if outcome.status == "assigned"
    ]
