"""Reads of leads, always starting from what the caller may see."""

import operator
from collections.abc import Callable
from functools import cache, reduce

from django.db.models import Q, QuerySet
from django.utils.module_loading import import_string

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.config.scopes import LEAD_SCOPE_PROVIDERS
from leadflow.leads.models import CallLog, Lead, LeadEvent
from leadflow.programs.selectors import program_list

ScopeProvider = Callable[..., Q]


def lead_scope(*, user: User) -> QuerySet[Lead]:
    """Every lead the user may see, before any filter.

    Admins see all; staff roles see the leads of the programs in their scope. For the other
    roles the app that owns the relation says what they see (``config/scopes.py``): a client
    contact what was delivered to them, a partner's user exactly the leads actively assigned to
    its partner (a lead taken away is gone for it).
    """
    leads = Lead.objects.select_related("program", "program__client")
    if user.sees_everything:
        return leads
    if user_can(user, Capability.LEADS_VIEW):
        return leads.filter(program__in=program_list(user=user))
    seen = [
        _provider(path)(user=user)
        for role, paths in LEAD_SCOPE_PROVIDERS.items()
        if user.has_role(role)
        for path in paths
    ]
    return leads.filter(reduce(operator.or_, seen)) if seen else leads.none()


@cache
def _provider(path: str) -> ScopeProvider:
    provider: ScopeProvider = import_string(path)
    return provider


def lead_get(*, user: User, lead_id: int) -> Lead:
    """One lead, or Lead.DoesNotExist when it is out of the user's scope (a 404, never 403)."""
    return lead_scope(user=user).get(pk=lead_id)


def lead_history(*, lead: Lead) -> QuerySet[LeadEvent]:
    return lead.events.select_related("actor").order_by("at", "id")


def lead_sales_notes(*, lead: Lead) -> QuerySet[CallLog]:
    """The qualifier's call notes marked "for sales", newest first: what a partner who gets
    the lead reads (the lead was found through ``lead_get``, so in the caller's scope)."""
    return (
        CallLog.objects.filter(lead=lead, for_sales=True)
        .exclude(note="")
        .select_related("caller")
        .order_by("-at", "-id")
    )
