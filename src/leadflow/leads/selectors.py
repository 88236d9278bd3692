"""Reads of leads, always starting from what the caller may see."""

from django.db.models import Exists, OuterRef, QuerySet

from leadflow.accounts.models import Role, User
from leadflow.leads.models import Lead, LeadEvent
from leadflow.partners.models import Assignment
from leadflow.programs.selectors import program_list


def lead_scope(*, user: User) -> QuerySet[Lead]:
    """Every lead the user may see, before any filter.

    Admins see all; staff roles see the leads of the programs in their scope; a client contact
    sees only what was delivered to them; a partner's user sees exactly the leads with an
    active assignment to its partner (a lead taken away is gone for it).
    """
    leads = Lead.objects.select_related("program", "program__client")
    if user.sees_everything:
        return leads
    staff_roles = (Role.MARKETER, Role.QUALIFIER, Role.REVIEWER, Role.MANAGER)
    programs = program_list(user=user)
    if user.has_role(*staff_roles):
        return leads.filter(program__in=programs)
    if user.has_role(Role.CLIENT):
        # What was delivered to them, whatever happened next (programs with both hand-offs
        # route delivered leads on to partners).
        return leads.filter(program__in=programs, delivery_item__isnull=False)
    if user.has_role(Role.PARTNER):
        return leads.filter(
            Exists(
                Assignment.objects.filter(
                    lead=OuterRef("pk"),
                    ended_at__isnull=True,
                    partner__is_active=True,
                    partner__members__user=user,
                )
            )
        )
    return leads.none()


def lead_get(*, user: User, lead_id: int) -> Lead:
    """One lead, or Lead.DoesNotExist when it is out of the user's scope (a 404, never 403)."""
    return lead_scope(user=user).get(pk=lead_id)


def lead_history(*, lead: Lead) -> QuerySet[LeadEvent]:
    return lead.events.select_related("actor").order_by("at", "id")
