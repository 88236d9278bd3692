"""Nurturing leads that re-qualify as Hot, A or B go straight to hand-off (DESIGN.md,
"Lifecycle"): in a partner program that hand-off is routing."""

from datetime import datetime

from django.db import transaction

from leadflow.accounts.models import User
from leadflow.core.handoff import routable, routes
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.core.routing import NotRoutable
from leadflow.leads.models import Lead
from leadflow.leads.services import lead_transition
from leadflow.partners.services.routing import RouteResult, leads_route


def lead_requalified_from_nurture(
    *, lead_id: int, actor: User | None, now: datetime
) -> RouteResult:
    """Move a nurturing lead of a partner program that now rates Hot, A or B back to approved
    (``requalify_from_nurture``) and route it, in one transaction. The caller re-qualifies the
    lead first; NotRoutable when its rating or program does not allow it."""
    with transaction.atomic():
        lead = (
            Lead.objects.select_related("program").select_for_update(of=("self",)).get(pk=lead_id)
        )
        if not routes(lead.program.hand_off_mode):
            raise NotRoutable(f"program {lead.program.slug!r} does not route leads to partners")
        if not routable(lead.rating):
            raise NotRoutable(f"lead #{lead.pk} does not rate Hot, A or B")
        if lead.status != LeadStatus.NURTURING:
            raise NotRoutable(f"lead #{lead.pk} is not nurturing")
        lead_transition(
            lead=lead,
            action=Action.REQUALIFY_FROM_NURTURE,
            actor=actor,
            now=now,
            reason=f"re-qualified as {str(lead.rating).upper()}",
        )
        (result,) = leads_route(lead_ids=[lead.pk], now=now, actor=actor)
        return result
