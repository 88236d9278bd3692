"""The delivered leads as billing deliverables: the source registered for them in
``config/billing.py``.

A lead is billed once, in the period of its delivery, at the rating it was delivered at
(``DeliveredRating``, written with the delivery; a lead delivered before billing was
installed has none and is billed at its rating now). A lead delivered as a replacement for an
upheld dispute names the lead it replaces, and is delivered at no charge. Disputes are the
guarantees app's: one upheld credits what its lead was billed at.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.urls import reverse

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.core.billing import Deliverable, DeliverableKind, UpheldDispute
from leadflow.core.enums import Rating
from leadflow.delivery.models import DeliveryItem
from leadflow.delivery.selectors import delivery_scope
from leadflow.guarantees.models import Dispute, DisputeStatus
from leadflow.leads.selectors import lead_scope
from leadflow.programs.models import Program


@dataclass(frozen=True)
class SourceItems:
    """What one source delivered in a period, and the disputes upheld that may credit it."""

    deliverables: list[Deliverable] = field(default_factory=list)
    disputes: list[UpheldDispute] = field(default_factory=list)


def delivered_leads(
    *, program: Program, start: datetime, end: datetime, upheld_from: datetime | None
) -> SourceItems:
    """The leads delivered to the program's client in ``[start, end)``, and the disputes of
    its leads upheld in ``[upheld_from, end)`` (from the beginning when None)."""
    items = list(
        DeliveryItem.objects.filter(
            delivery__program=program, delivery__created_at__gte=start, delivery__created_at__lt=end
        )
        .select_related("delivery", "lead", "billed_rating")
        .order_by("delivery__created_at", "position")
    )
    replaced = dict(
        Dispute.objects.filter(replacement__in=items).values_list(
            "replacement_id", "delivery_item__lead_id"
        )
    )
    deliverables = []
    for item in items:
        recorded = getattr(item, "billed_rating", None)
        rating = recorded.rating if recorded is not None else item.lead.rating
        if not rating:
            continue  # never rated: nothing to bill it at (the delivery app delivers rated leads)
        deliverables.append(
            Deliverable(
                id=item.lead_id,
                kind=DeliverableKind.LEAD,
                delivered_at=item.delivery.created_at,
                rating=Rating(rating),
                replaces=replaced.get(item.pk),
            )
        )
    upheld = Dispute.objects.filter(
        program=program, status=DisputeStatus.UPHELD, decided_at__lt=end
    )
    if upheld_from is not None:
        upheld = upheld.filter(decided_at__gte=upheld_from)
    disputes = [
        UpheldDispute(
            deliverable_id=lead_id,
            kind=DeliverableKind.LEAD,
            upheld_at=decided_at,
            reason=reason,
        )
        for lead_id, decided_at, reason in upheld.values_list(
            "delivery_item__lead_id", "decided_at", "reason"
        ).order_by("decided_at", "pk")
        if decided_at is not None
    ]
    return SourceItems(deliverables, disputes)


def lead_urls(*, user: User, ids: Iterable[int | str]) -> dict[str, str]:
    """Each lead's page for this viewer: staff open its workspace, a client contact the
    delivery that carried it; a lead outside the viewer's scope has no link."""
    wanted = {int(i) for i in ids}
    if not wanted:
        return {}
    if user_can(user, Capability.LEADS_VIEW):
        visible = lead_scope(user=user).filter(pk__in=wanted).values_list("pk", flat=True)
        return {str(pk): reverse("workspace:detail", args=[pk]) for pk in visible}
    rows = DeliveryItem.objects.filter(
        Q(lead_id__in=wanted), delivery__in=delivery_scope(user=user)
    ).values_list("lead_id", "delivery_id")
    return {str(lead_id): reverse("delivery:detail", args=[d]) for lead_id, d in rows}
