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

from leadflow.accounts.permissions import Capability, capability_required, request_user
from leadflow.core.sla import DEFAULT_TERMS
from leadflow.partners.forms import FlowEnableForm
from leadflow.partners.selectors import (
    lead_clocks,
    may_manage,
    partner_get,
    partner_held_leads,
    partner_record,
    partner_rows,
    routing_queue,
)
from leadflow.partners.services import PartnerInputError, partner_flow_enable
from leadflow.partners.views.display import next_clock

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
    rows = [
        (assignment, next_clock(lead_clocks(assignment=assignment, now=now)))
        for assignment in partner_held_leads(user=user, partner=partner)
    ]
    return render(
        request,
        "partners/manage/detail.html",
        {
            "partner": partner,
            "record": partner_record(partner=partner, now=now),
            "rows": rows,
            "can_enable": not partner.flow_enabled and may_manage(user=user, partner=partner),
            "form": form,
        },
        status=status,
    )


@login_required
@require_GET
@manager_required
def queue(request: HttpRequest) -> HttpResponse:
    """Approved leads that no partner could take, in the order they will be routed."""
    user = request_user(request)
    entries = routing_queue(user=user)
    return render(
        request,
        "partners/manage/queue.html",
        {"entries": Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))},
    )
