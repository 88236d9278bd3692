"""Approved leads a registration protects go to the registering partner, not to routing
(issue 20, item 4). The partners' event handlers call ``registered_split`` before routing."""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from leadflow.leads.models import Lead
from leadflow.partners.models import Registration, RegistrationStatus
from leadflow.partners.services.handover import (
    Handover,
    handover_partner,
    leads_hand_over,
    set_aside,
)
from leadflow.partners.services.pool import PartnerPool
from leadflow.partners.services.portal import PartnerInputError


def registered_split(lead_ids: Sequence[int], now: datetime) -> tuple[list[int], set[int]]:
    """Of ``lead_ids`` about to be routed: the ones a registration protects, handed to their
    partner now (returned first), and the ones waiting for a manager's decision on their
    registration (not routed yet)."""
    rows = Registration.objects.filter(
        lead_id__in=list(lead_ids),
        status__in=[RegistrationStatus.ACCEPTED, RegistrationStatus.PENDING],
    ).values_list("lead_id", "status", "protected_until")
    pending = {lead for lead, status, _ in rows if status == RegistrationStatus.PENDING}
    protected = [
        lead
        for lead, status, until in rows
        if status == RegistrationStatus.ACCEPTED and until and until > now
    ]
    return registered_hand_over(lead_ids=protected, now=now), pending


def registered_hand_over(*, lead_ids: Sequence[int], now: datetime) -> list[int]:
    """Hand each lead to the partner whose accepted registration protects it, with the usual
    clocks (territory and capacity do not apply: the partner found the prospect). A partner
    that can no longer receive leads (inactive, flow disabled) loses the lead to routing.
    Returns the leads handed over."""
    registrations = list(
        Registration.objects.filter(
            lead_id__in=list(lead_ids), status=RegistrationStatus.ACCEPTED
        ).select_related("partner", "registered_by")
    )
    handed: list[int] = []
    for registration in registrations:
        # Event handlers run after the commit, in autocommit: each hand-over is its own
        # transaction, holding the lead's row until it is written.
        with transaction.atomic():
            if _registered_hand_over_one(registration, now):
                handed.append(int(registration.lead_id or 0))
    return handed


def _registered_hand_over_one(registration: Registration, now: datetime) -> bool:
    lead = (
        Lead.objects.select_related("program")
        .select_for_update(of=("self",))
        .get(pk=int(registration.lead_id or 0))
    )
    pool = PartnerPool([lead.program.client_id], now)
    try:
        partner = handover_partner(pool, registration.partner_id)
    except PartnerInputError:
        return False
    overridden = set_aside(pool, partner, [lead])
    until = registration.protected_until
    assert until is not None
    said = (
        f"assigned to {partner.name}, which registered this prospect "
        f"(protected until {until:%Y-%m-%d})"
    )
    leads_hand_over(
        handovers=[Handover(lead=lead, said=said, explanation=said)],
        partner=partner,
        pool=pool,
        overridden=overridden,
        user=registration.registered_by,
        reason="deal registration",
        now=now,
    )
    return True
