"""The dispute pages: a client contact's disputes and the form to raise one, QA's queue of open
disputes and the decision, and a program's guarantee ledger with its terms.

Who may do what (``accounts.permissions``): client contacts raise disputes
(``disputes.raise``; the form is 404 for everyone else and for leads not delivered to their
client); QA reviewers and admins decide (``disputes.decide``; the queue and the decision are
403 for other roles); sales managers and admins change the terms (``guarantees.edit_terms``;
403 for others). Disputes and ledgers are read by client contacts, reviewers, managers and
admins of the program (``disputes.view``); another scope's dispute or program, and every page
for the other roles, is 404 (the selectors' ``DoesNotExist``, answered by the error
middleware). Every write is a service; a refused write is a message on the page, with nothing
changed.
"""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.accounts.models import User
from leadflow.accounts.permissions import (
    Capability,
    capability_required,
    request_user,
    user_can,
)
from leadflow.config.guarantees import DISPUTE_LINKS
from leadflow.core.guarantee import PeriodKind, dispute_deadline
from leadflow.guarantees.forms import DecisionForm, DisputeForm, TermsForm
from leadflow.guarantees.models import Dispute, DisputeStatus
from leadflow.guarantees.selectors import (
    delivered_lead_get,
    disputable_lead_search,
    dispute_get,
    dispute_list,
    dispute_review_queue,
    guarantee_terms_for,
    ledger_program_get,
    ledger_programs,
    program_ledger,
)
from leadflow.guarantees.services import (
    DecisionRefused,
    DisputeRefused,
    TermsInvalid,
    dispute_decide,
    dispute_raise,
    guarantee_terms_save,
)
from leadflow.leads.models import LeadEvent
from leadflow.leads.selectors import lead_history
from leadflow.leads.workspace.history import history_row
from leadflow.programs.models import Program

PAGE_SIZE = 50
#: Delivered leads a client contact may dispute, per page (issue 17: the list is paginated).
DISPUTABLE_PAGE_SIZE = 25


decider_required = capability_required(
    Capability.DISPUTES_DECIDE, "Only QA reviewers and admins decide disputes."
)


def _page(request: HttpRequest, disputes: QuerySet[Dispute]) -> Page[Dispute]:
    return Paginator(disputes, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
@require_GET
@capability_required(Capability.DISPUTES_VIEW, "Disputes are for client contacts, QA and managers.")
def dispute_index(request: HttpRequest) -> HttpResponse:
    """The user's disputes (a client contact's: those of their client) with their status, the
    leads a client contact may still dispute, and the ledgers the user may read."""
    user = request_user(request)
    status = request.GET.get("status", "")
    chosen = DisputeStatus(status) if status in DisputeStatus.values else None
    search = request.GET.get("q", "").strip()[:200]
    now = timezone.now()
    found = disputable_lead_search(user=user, now=now, search=search)
    leads_page = Paginator(found.leads, DISPUTABLE_PAGE_SIZE).get_page(
        request.GET.get("leads_page")
    )
    keep = request.GET.copy()
    keep.pop("page", None)
    keep.pop("leads_page", None)
    return render(
        request,
        "guarantees/index.html",
        {
            "disputes": _page(request, dispute_list(user=user, status=chosen)),
            "status": chosen.value if chosen else "",
            "statuses": DisputeStatus.choices,
            "search": search,
            "disputable_page": leads_page,
            "disputable": found.with_windows(leads_page.object_list),
            "keep": keep.urlencode(),
            "is_client": user_can(user, Capability.DISPUTES_RAISE),
            "can_decide": user_can(user, Capability.DISPUTES_DECIDE),
            "programs": ledger_programs(user=user).order_by("client__name", "name"),
            "other_disputes": [(link.label, reverse(link.url_name)) for link in DISPUTE_LINKS],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def dispute_new(request: HttpRequest, lead_id: int) -> HttpResponse:
    """The client contact's dispute form for one delivered lead."""
    user = request_user(request)
    lead = delivered_lead_get(user=user, lead_id=lead_id)
    existing: Dispute | None = getattr(lead.delivery_item, "dispute", None)
    if existing is not None:
        messages.info(
            request,
            f"Lead #{lead.pk} was already disputed on "
            f"{timezone.localtime(existing.raised_at, _zone(lead.program)):%Y-%m-%d}: "
            f"{existing.get_status_display().lower()}.",
        )
        return redirect("guarantees:index")
    terms = guarantee_terms_for(program=lead.program)
    closes_at = dispute_deadline(
        lead.delivery_item.delivery.created_at,
        days=terms.dispute_window_days,
        timezone=lead.program.client.timezone,
    )
    now = timezone.now()
    form = DisputeForm(
        request.POST if request.method == "POST" else None, reasons=terms.dispute_reasons
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                dispute = dispute_raise(
                    lead_id=lead.pk,
                    user=user,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    now=now,
                )
            except DisputeRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    f"Lead #{lead.pk} disputed ({dispute.reason}). QA will decide; "
                    "the decision appears here.",
                )
                return redirect("guarantees:index")
        status = 400
    return render(
        request,
        "guarantees/new.html",
        {
            "lead": lead,
            "delivery": lead.delivery_item.delivery,
            "terms": terms,
            "closes_at": closes_at,
            "window_open": now <= closes_at and terms.is_active,
            "form": form,
        },
        status=status,
    )


def _zone(program: Program) -> ZoneInfo:
    return ZoneInfo(program.client.timezone)


@login_required
@require_GET
@decider_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """QA's open disputes, oldest first."""
    user = request_user(request)
    return render(
        request,
        "guarantees/review.html",
        {"disputes": _page(request, dispute_review_queue(user=user))},
    )


def _render_dispute(
    request: HttpRequest,
    user: User,
    dispute: Dispute,
    form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_decide = user_can(user, Capability.DISPUTES_DECIDE) and dispute.status == DisputeStatus.OPEN
    staff = not user_can(user, Capability.DISPUTES_RAISE) or user.sees_everything
    history = []
    if staff:
        history = [
            history_row(event, _actor(event))
            for event in lead_history(lead=dispute.delivery_item.lead)
        ]
    return render(
        request,
        "guarantees/detail.html",
        {
            "dispute": dispute,
            "lead": dispute.delivery_item.lead,
            "delivery": dispute.delivery_item.delivery,
            "history": history,
            "history_ws": {"history": history},
            "can_decide": can_decide,
            "form": form or (DecisionForm() if can_decide else None),
        },
        status=status,
    )


def _actor(event: LeadEvent) -> str:
    actor = event.actor
    if actor is None:
        return ""
    return actor.get_full_name() or actor.get_username()


@login_required
@require_GET
def dispute_detail(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """One dispute: the lead, its delivery, the reason and note, the decision or (for QA) the
    form to decide, and (for staff) the lead's history."""
    user = request_user(request)
    return _render_dispute(request, user, dispute_get(user=user, dispute_id=dispute_id))


@login_required
@require_POST
@decider_required
def dispute_decide_view(request: HttpRequest, dispute_id: int) -> HttpResponse:
    user = request_user(request)
    dispute = dispute_get(user=user, dispute_id=dispute_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            dispute = dispute_decide(
                dispute_id=dispute.pk,
                user=user,
                uphold=form.uphold,
                note=form.cleaned_data["note"],
                now=timezone.now(),
            )
        except DecisionRefused as exc:
            messages.error(request, f"Nothing changed: {exc}")
            return redirect("guarantees:detail", dispute_id=dispute.pk)
        lead_id = dispute.delivery_item.lead_id
        if dispute.status == DisputeStatus.UPHELD:
            messages.success(
                request,
                f"Dispute #{dispute.pk} upheld: lead #{lead_id} is invalid and the next "
                "delivery replaces it.",
            )
        else:
            messages.success(request, f"Dispute #{dispute.pk} rejected: lead #{lead_id} stands.")
        return redirect("guarantees:review")
    return _render_dispute(request, user, dispute, form=form, status=400)


@login_required
@require_GET
def ledger(request: HttpRequest, program_slug: str) -> HttpResponse:
    """The program's guarantee ledger, newest period first, with its terms."""
    user = request_user(request)
    program = ledger_program_get(user=user, slug=program_slug)
    result = program_ledger(program=program, now=timezone.now())
    return render(
        request,
        "guarantees/ledger.html",
        {
            "program": program,
            "result": result,
            "terms": result.terms,
            "lines": result.lines,
            "total_line": result.total_line,
            "sections": result.sections,
            "section_links": [
                link
                for section in result.sections
                for link in section.links
                if not link.capability or user_can(user, Capability(link.capability))
            ],
            "period_label": PeriodKind(result.terms.period).label,
            "can_edit": user_can(user, Capability.GUARANTEES_EDIT_TERMS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@capability_required(
    Capability.GUARANTEES_EDIT_TERMS, "Only sales managers and admins change the terms."
)
def terms_edit(request: HttpRequest, program_slug: str) -> HttpResponse:
    """A sales manager's form for the program's guarantee terms."""
    user = request_user(request)
    program = ledger_program_get(user=user, slug=program_slug)
    terms = guarantee_terms_for(program=program)
    now = timezone.now()
    today = timezone.localtime(now, _zone(program)).date()
    if request.method == "POST":
        form = TermsForm(request.POST, today=today)
        if form.is_valid():
            data = form.cleaned_data
            try:
                guarantee_terms_save(
                    program=program,
                    user=user,
                    leads_per_period=data["leads_per_period"],
                    period=PeriodKind(data["period"]),
                    starts_on=data["starts_on"],
                    dispute_window_days=data["dispute_window_days"],
                    dispute_reasons=data["dispute_reasons"],
                    is_active=data["is_active"],
                    now=now,
                )
            except TermsInvalid as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Guarantee terms of {program.name} saved.")
                return redirect("guarantees:ledger", program_slug=program.slug)
        status = 400
    else:
        form = TermsForm(initial=TermsForm.initial_from(terms), today=today)
        status = 200
    return render(
        request,
        "guarantees/terms.html",
        {"program": program, "form": form, "terms_saved": terms.pk is not None},
        status=status,
    )
