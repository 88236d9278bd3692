"""Hand-off after QA approval (DESIGN.md, Hand-off): what happens to an approved lead.

- Client delivery programs: a Hot lead is delivered at once on its own; A and B leads wait for
  the program's next scheduled batch (``delivery``), where C leads go to nurture.
- Partner programs: Hot, A and B leads are routed to a partner, or wait in the routing queue;
  C and FYI leads are never routed (``partners``).
- Programs with both: the client receives every lead (at once when Hot, else in its batch),
  and each delivered Hot, A or B lead is then routed to a partner for follow-up.

The review services (and the re-qualification out of nurture) call ``leads_approved`` inside
their transaction; the hand-off runs as a task after commit, so a failure there never undoes an
approval, and the periodic batch, routing-queue and Hot-alert jobs catch anything it missed.
The delivery and partner apps are imported when the task runs: they build on the leads app,
which must not import them at load time.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from leadflow.core.enums import Rating
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import Lead
from leadflow.programs.models import HandOffMode

DELIVERS = (HandOffMode.DELIVERY, HandOffMode.BOTH)


@dataclass
class HandOff:
    delivered: list[int] = field(default_factory=list)
    routed: list[int] = field(default_factory=list)


def leads_approved(*, lead_ids: Sequence[int], now: datetime) -> None:
    """Start the hand-off of freshly approved leads once the approval commits."""
    ids = sorted(set(lead_ids))
    if ids:
        transaction.on_commit(lambda: _enqueue("hand_off_task", ids))


def leads_delivered(*, lead_ids: Sequence[int], now: datetime) -> None:
    """Called by the delivery services inside their transaction: in programs with both
    hand-offs, route what the client just received once the delivery commits."""
    ids = sorted(
        Lead.objects.filter(
            pk__in=list(lead_ids), program__hand_off_mode=HandOffMode.BOTH
        ).values_list("pk", flat=True)
    )
    if ids:
        transaction.on_commit(lambda: _enqueue("route_task", ids))


def _enqueue(task_name: str, lead_ids: list[int]) -> None:
    from leadflow.leads import tasks

    getattr(tasks, task_name).enqueue(lead_ids)


def hand_off(*, lead_ids: Sequence[int], now: datetime) -> HandOff:
    """Hand approved leads off by their program's mode (see the module's docstring)."""
    from leadflow.delivery.services import hot_leads_deliver
    from leadflow.partners.services import leads_route

    leads = list(
        Lead.objects.filter(pk__in=list(lead_ids), status=LeadStatus.APPROVED)
        .select_related("program")
        .order_by("id")
    )
    hot = [
        lead.pk
        for lead in leads
        if lead.program.hand_off_mode in DELIVERS and lead.rating == Rating.HOT
    ]
    to_route = [lead.pk for lead in leads if lead.program.hand_off_mode == HandOffMode.PARTNERS]
    result = HandOff()
    if hot:
        result.delivered = [
            item.lead_id
            for delivery in hot_leads_deliver(lead_ids=hot, now=now)
            for item in delivery.items.all()
        ]
    if to_route:
        result.routed = [
            outcome.lead_id
            for outcome in leads_route(lead_ids=to_route, now=now)
            if outcome.status == "assigned"
        ]
    return result
