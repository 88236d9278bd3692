"""The managers' partner pages: the partners in scope with open leads against capacity,
violations in the window and the state of their lead flow; one partner's SLA record with the
form to re-enable its flow; the routing queue of leads waiting for a partner.

Who sees what: admins and sales managers (``partners.manage``; 403 for other roles, partners'
users included); a partner outside the user's scope is 404 (the selector's ``DoesNotExist``,
answered by the error middleware). Re-enabling needs a note and a user who may manage
the partner (``partner_flow_enable``: 403 otherwise). Times of a partner are shown in its
timezone.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, capability_required, request_user
from leadflow.core.sla import DEFAULT_TERMS
from leadflow.partners.forms import FlowEnableForm, ReassignForm
from leadflow.partners.models import Partner
from leadflow.partners.selectors import (
    lead_clocks,
    lead_partner_fits,
    may_manage,
    partner_closed_leads,
    partner_get,
    partner_open_leads,
    partner_record,
    partner_registrations,
    partner_rows,
    routing_queue,
)
from leadflow.partners.services import PartnerInputError, partner_flow_enable
from leadflow.partners.views.display import fit_choices, next_clock

PAGE_SIZE = 50

manager_required = capability_required(
    Capability.PARTNERS_MANAGE, "The partners' pages are for admins and sales managers."
)


@login_required
@require_GET
@manager_required
def partner_index(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    now = timezone.now()
    page = Paginator(partner_rows(user=user, now=now), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/manage/index.html",
        {
            "partners": page,
            "window_days": DEFAULT_TERMS.violation_window_days,
            "waiting": routing_queue(user=user).count(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@manager_required
def partner_detail(request: HttpRequest, partner_id: int) -> HttpResponse:
    """One partner's record, the leads it holds now (those the user may see), and for a user
    who may manage it, the form to re-enable a disabled lead flow (POST)."""
    user = request_user(request)
    partner = partner_get(user=user, partner_id=partner_id)
    now = timezone.now()
    form = FlowEnableForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                partner = partner_flow_enable(
                    partner_id=partner.pk, user=user, note=form.cleaned_data["note"], now=now
                )
            except PartnerInputError as exc:
                form.add_service_error(exc.field, str(exc))
            else:
                messages.success(request, f"Lead flow of {partner.name} re-enabled.")
                return redirect("partners:manage_detail", partner_id=partner.pk)
        status = 400
    return partner_detail_page(request, user, partner, form=form, status=status)


def partner_detail_page(
    request: HttpRequest,
    user: User,
    partner: Partner,
    *,
    form: FlowEnableForm | None = None,
    bound: ReassignForm | None = None,
    bound_lead: int = 0,
    status: int = 200,
) -> HttpResponse:
    """The partner's page: its record, the open leads it holds (each with the form to take it
    away), and the closed ones it keeps under their own heading."""
    now = timezone.now()
    open_leads = list(partner_open_leads(user=user, partner=partner))
    fits = lead_partner_fits(leads=[a.lead for a in open_leads], now=now)
    rows = []
    for assignment in open_leads:
        reassign = bound if bound is not None and bound_lead == assignment.lead_id else None
        if reassign is None:
            reassign = ReassignForm(
                prefix=f"reassign-{assignment.lead_id}",
                partners=fit_choices(fits.get(assignment.lead_id, []), exclude=partner.pk),
            )
        rows.append((assignment, next_clock(lead_clocks(assignment=assignment, now=now)), reassign))
    return render(
        request,
        "partners/manage/detail.html",
        {
            "partner": partner,
            "record": partner_record(partner=partner, now=now),
            "rows": rows,
            "closed": partner_closed_leads(user=user, partner=partner),
            "can_enable": not partner.flow_enabled and may_manage(user=user, partner=partner),
            "form": form or FlowEnableForm(),
            "registrations": partner_registrations(partner=partner)[:100],
            "now": now,
        },
        status=status,
    )
