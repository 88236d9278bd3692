"""Reads of demos, assessments and sales kits, from the leads in the user's scope
(``leads.selectors.lead_scope``; none for a role without ``sales.view``); out of scope is
"does not exist" (404)."""

from collections.abc import Iterable

from django.db.models import QuerySet

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.leads.models import Lead
from leadflow.leads.selectors import lead_scope
from leadflow.programs.models import Program
from leadflow.sales.models import Assessment, Demo, KitSent, SalesKit


def _sales_leads(user: User) -> QuerySet[Lead]:
    """The leads whose sales follow-up the user may see: none without ``sales.view``."""
    if not user_can(user, Capability.SALES_VIEW):
        return Lead.objects.none()
    return lead_scope(user=user)


def demo_scope(*, user: User, program_ids: Iterable[int] | None = None) -> QuerySet[Demo]:
    leads = _sales_leads(user)
    if program_ids is not None:
        leads = leads.filter(program_id__in=list(program_ids))
    return Demo.objects.filter(lead__in=leads.values("pk")).select_related(
        "lead", "lead__program", "lead__program__client"
    )


def demo_get(*, user: User, demo_id: int, program_ids: Iterable[int] | None = None) -> Demo:
    return demo_scope(user=user, program_ids=program_ids).get(pk=demo_id)


def lead_demos(*, lead: Lead) -> QuerySet[Demo]:
    return Demo.objects.filter(lead=lead).prefetch_related("participants").order_by("starts_at")


def assessment_scope(*, user: User) -> QuerySet[Assessment]:
    return Assessment.objects.filter(lead__in=_sales_leads(user).values("pk")).select_related(
        "lead", "lead__program"
    )


def assessment_get(*, user: User, assessment_id: int) -> Assessment:
    return assessment_scope(user=user).get(pk=assessment_id)


def lead_assessments(*, lead: Lead) -> QuerySet[Assessment]:
    return Assessment.objects.filter(lead=lead).order_by("-sent_at", "-id")


# --- Sales kits ---------------------------------------------------------------------------------


def kits_for_program(*, program: Program) -> QuerySet[SalesKit]:
    return SalesKit.objects.filter(program=program).prefetch_related("documents")


def kit_for_lead(*, lead: Lead, assessment: bool = False) -> SalesKit | None:
    """The kit a flow step sends to the lead: the program's (needs-assessment) kit."""
    return (
        SalesKit.objects.filter(program_id=lead.program_id, is_assessment=assessment)
        .order_by("id")
        .first()
    )


def lead_kits_sent(*, lead: Lead) -> QuerySet[KitSent]:
    return KitSent.objects.filter(lead=lead).select_related("kit").order_by("-sent_at", "-id")
