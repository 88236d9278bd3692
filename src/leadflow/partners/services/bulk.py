"""The lead list's "Give to a partner" (issue 17, item 4): a manager hands the picked leads to
a partner of their choice, over the routing's ranking, through the one override path
(``services.handover``) that the routing queue's manual assignment uses too.

What stays refused: an agency partner (it receives no pre-qualified leads), a partner whose
lead flow is disabled, a partner of another client, and leads the routing never hands to
partners (C and FYI, delivery-only programs, leads not yet approved or already closed), which
are skipped with the reason. A lead that another partner holds leaves that partner (who loses
access, as with a reassignment) without a violation; the new partner's clocks start as with
any assignment, and its notification is queued.

Locks in the routing's order: the leads (id order), then the active partners of their
clients (``PartnerPool``), then the leads' active assignments.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.core.errors import InputError
from leadflow.core.lifecycle import PARTNER_HELD, LeadStatus
from leadflow.leads.models import Lead
from leadflow.leads.services.bulk import BulkNotAllowed, BulkResult
from leadflow.partners.models import Assignment
from leadflow.partners.services.handover import (
    Handover,
    handover_partner,
    leads_hand_over,
    set_aside,
)
from leadflow.partners.services.pool import PartnerPool
from leadflow.partners.services.queue import client_queue_drain
from leadflow.partners.services.routing import routable, routing_ready


def leads_give_to_partner(
    *, leads: QuerySet[Lead], partner_id: int, actor: User, reason: str, now: datetime
) -> BulkResult:
    """Hand every picked lead that can go to a partner to ``partner_id``; the others are
    skipped with the reason. All in one transaction, a fixed number of statements whatever
    the number of leads."""
    if not user_can(actor, Capability.PARTNERS_MANAGE):
        raise BulkNotAllowed("your role may not hand leads to partners")
    reason = reason.strip()
    if not reason:
        raise InputError("reason", "Say why these leads go to this partner.")
    with transaction.atomic():
        locked = list(
            Lead.objects.filter(pk__in=leads.values("pk"))
            .select_related("program")
            .order_by("id")
            .select_for_update(of=("self",))
        )
        clients = {lead.program.client_id for lead in locked}
        pool = PartnerPool(clients, now)
        partner = handover_partner(pool, partner_id)
        held = {
            assignment.lead_id: assignment
            for assignment in Assignment.objects.select_related("partner")
            .select_for_update(of=("self",))
            .filter(lead_id__in=[lead.pk for lead in locked], ended_at__isnull=True)
        }
        ready = routing_ready(locked)
        result = BulkResult(done_label=f"given to {partner.name}")
        given = f"given to {partner.name} by a manager: {reason}"
        handovers = []
        for lead in locked:
            current = held.get(lead.pk)
            status = LeadStatus(lead.status)
            if lead.program.client_id != partner.client_id:
                result.skipped[lead.pk] = f"{partner.name} does not work for that client"
            elif current is not None and current.partner_id == partner.pk:
                result.skipped[lead.pk] = f"already with {partner.name}"
            elif (current is None and lead.pk not in ready) or (
                current is not None and status not in PARTNER_HELD
            ):
                result.skipped[lead.pk] = (
                    f"a lead that is {status.label.lower()} cannot go to a partner"
                )
            elif why := routable(lead):
                result.skipped[lead.pk] = why
            else:
                handovers.append(
                    Handover(
                        lead=lead,
                        said=given
                        if current is None
                        else f"taken from {current.partner.name} and {given}",
                        explanation=f"given to {partner.name} by {actor.get_username()}: {reason}",
                        taken_from=current,
                    )
                )
                result.changed.append(lead.pk)
        leads_hand_over(
            handovers=handovers,
            partner=partner,
            pool=pool,
            overridden=set_aside(pool, partner, [h.lead for h in handovers]),
            user=actor,
            reason=reason,
            now=now,
        )
        # Partners that lost a lead have room again: the routing queue may fill it.
        for client_id in sorted(clients):
            client_queue_drain(client_id, pool, now, batch=100)
    return result
