"""The one way a manager gives leads to a partner of their choice, over the routing's ranking
(an override): the routing queue's "Assign to the chosen partner" and the partner page's
reassignment (``services.manual``, one lead) and the lead list's "Give to a partner"
(``services.bulk``, the picked leads) all end here.

The chosen partner must be an active, flow-enabled, non-agency partner of the leads' client;
every other routing rule (territory, capacity, "held this lead before") may be set aside, and
the assignment and the history keep which ones were. The partner's clocks start as for
automatic routing and its notification is queued in the same transaction. Set-based: one
UPDATE of the assignments the leads leave, one transition of all the leads, one DELETE of
their queue entries, one INSERT of the assignments, one notification pass.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from leadflow.accounts.models import User
from leadflow.core.lifecycle import Action
from leadflow.core.routing import AGENCY, ineligibility
from leadflow.leads.models import Lead
from leadflow.leads.services import LeadStep, leads_transition
from leadflow.lib.rows import rows_insert
from leadflow.partners.models import Assignment, EndReason, Partner, RoutingQueueEntry
from leadflow.partners.policies import program_terms
from leadflow.partners.services.notify import notifications_send
from leadflow.partners.services.pool import PartnerPool, previous_partners, routing_lead
from leadflow.partners.services.portal import PartnerInputError
from leadflow.partners.services.routing import assignment_build


@dataclass(frozen=True)
class Handover:
    """One locked lead for the chosen partner, with the words its history and its assignment
    keep; ``taken_from`` is the active assignment it leaves (ended as reassigned, no
    violation), if another partner holds it."""

    lead: Lead
    said: str
    explanation: str
    taken_from: Assignment | None = None


def handover_partner(pool: PartnerPool, partner_id: int) -> Partner:
    """The partner a manager chose, if it may receive leads at all; PartnerInputError if not
    (another client's, inactive, an agency partner, its lead flow disabled)."""
    partner = pool.partners.get(partner_id)
    if partner is None:
        raise PartnerInputError("partner", "choose an active partner of the leads' client")
    if pool.states[partner.pk].partner_type == AGENCY:
        raise PartnerInputError(
            "partner",
            f"{partner.name} is an agency partner: agency partners receive no pre-qualified leads",
        )
    if not partner.flow_enabled:
        raise PartnerInputError(
            "partner",
            f"{partner.name}: its lead flow is disabled: re-enable it on the partner's page first",
        )
    return partner


def set_aside(pool: PartnerPool, partner: Partner, leads: Sequence[Lead]) -> dict[int, list[str]]:
    """For each lead, the routing rules the manager sets aside by choosing ``partner``
    (``core.routing.ineligibility``: territory, capacity, held it before)."""
    previous = previous_partners(lead.pk for lead in leads)
    state = pool.states[partner.pk]
    return {
        lead.pk: list(ineligibility(routing_lead(lead, previous.get(lead.pk, frozenset())), state))
        for lead in leads
    }


def leads_hand_over(
    *,
    handovers: Sequence[Handover],
    partner: Partner,
    pool: PartnerPool,
    overridden: dict[int, list[str]],
    user: User,
    reason: str,
    now: datetime,
) -> list[Assignment]:
    """Give the locked leads to ``partner`` (checked by ``handover_partner``) with fresh clocks,
    in one pass; ``overridden`` is ``set_aside``'s answer for them. Returns the assignments, in
    the order of ``handovers``."""
    if not handovers:
        return []
    terms = program_terms(program_ids={h.lead.program_id for h in handovers})
    left = [h.taken_from.pk for h in handovers if h.taken_from is not None]
    if left:
        Assignment.objects.filter(pk__in=left).update(
            ended_at=now, end_reason=EndReason.REASSIGNED, next_due=None
        )
    assignments, steps = [], []
    for handover in handovers:
        lead = handover.lead
        rules = overridden.get(lead.pk, [])
        routing = {
            "partner_id": partner.pk,
            "decided_at": now.isoformat(),
            "override": True,
            "by": user.pk,
            "reason": reason,
            "overridden": rules,
            "explanation": [handover.explanation],
            "ranking": [],
            "refused": [],
            "eligible_count": 0,
            "refused_count": 0,
        }
        assignments.append(
            assignment_build(lead, partner, terms[lead.program_id], routing, now, user)
        )
        steps.append(
            LeadStep(
                lead=lead,
                action=Action.ASSIGN,
                reason=handover.said,
                details={"partner": partner.pk, "override": True, "overridden": rules},
            )
        )
        pool.take(partner.pk)
    leads_transition(steps=steps, actor=user, now=now)
    RoutingQueueEntry.objects.filter(lead_id__in=[h.lead.pk for h in handovers]).delete()
    rows_insert(assignments)
    notifications_send(
        assignment_ids=[assignment.pk for assignment in assignments], violation_ids=(), now=now
    )
    return assignments
