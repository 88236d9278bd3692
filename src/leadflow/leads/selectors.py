"""Reads of leads, always starting from what the caller may see."""

from django.db.models import Q, QuerySet

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import Lead, LeadEvent
from leadflow.programs.selectors import program_list


def lead_scope(*, user: User) -> QuerySet[Lead]:
    """Every lead the user may see, before any filter.

    Admins see all; staff roles see the leads of the programs in their scope; a client contact
    sees only what was delivered to them. Partners see leads only while assigned to them, which
    arrives with partner routing; until then they see none.
    """
    leads = Lead.objects.select_related("program", "program__client")
    if user.sees_everything:
        return leads
    staff_roles = (Role.MARKETER, Role.QUALIFIER, Role.REVIEWER, Role.MANAGER)
    programs = program_list(user=user)
    if user.has_role(*staff_roles):
        return leads.filter(program__in=programs)
    if user.has_role(Role.CLIENT):
        return leads.filter(Q(program__in=programs) & Q(status=LeadStatus.DELIVERED))
    return leads.none()


def lead_get(*, user: User, lead_id: int) -> Lead:
    """One lead, or Lead.DoesNotExist when it is out of the user's scope (a 404, never 403)."""
    return lead_scope(user=user).get(pk=lead_id)


def lead_history(*, lead: Lead) -> QuerySet[LeadEvent]:
    return lead.events.select_related("actor").order_by("at", "id")
