"""The routing queue without dead ends, and a manager's reassignment of a partner's lead.

The queue shows, for each waiting lead, every partner of its program's client with the reasons
routing cannot give it the lead, and the manager's three ways out: assign to a chosen partner
(an override, with a reason), send back to review, move to nurture. A lead outside the user's
scope is 404 (the selectors' ``DoesNotExist``); other roles get 403 (``partners.manage``).
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from leadflow.accounts.models import User
from leadflow.accounts.permissions import request_user
from leadflow.core.sla import DEFAULT_TERMS, queue_limit_text
from leadflow.partners.forms import QueueDecisionForm, ReassignForm
from leadflow.partners.selectors import (
    lead_partner_fits,
    partner_get,
    partner_open_leads,
    routing_queue,
    routing_queue_waits,
)
from leadflow.partners.services.manual import (
    lead_queue_nurture,
    lead_reassign_to,
    lead_review_return,
    lead_route_manual,
)
from leadflow.partners.services.portal import PartnerInputError
from leadflow.partners.views.display import fit_choices
from leadflow.partners.views.manage import PAGE_SIZE, manager_required, partner_detail_page

DONE = {
    "assign": "Lead #{lead} assigned to {partner}.",
    "review": "Lead #{lead} sent back to review.",
    "nurture": "Lead #{lead} moved to nurture.",
}


def _queue_page(
    request: HttpRequest, user: User, bound: QueueDecisionForm | None = None, bound_lead: int = 0
) -> dict[str, Any]:
    now = timezone.now()
    page = Paginator(routing_queue(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    entries = list(page.object_list)
    fits = lead_partner_fits(leads=[entry.lead for entry in entries], now=now)
    waits = routing_queue_waits(entries=entries)
    rows = []
    for entry in entries:
        lead_fits = fits.get(entry.lead_id, [])
        form = bound if bound is not None and bound_lead == entry.lead_id else None
        if form is None:
            form = QueueDecisionForm(
                prefix=f"lead-{entry.lead_id}", partners=fit_choices(lead_fits)
            )
        wait = waits[entry.lead_id]
        rows.append(
            {
                "entry": entry,
                "lead": entry.lead,
                "fits": lead_fits,
                "form": form,
                "wait": wait,
                "too_long": now > wait.until,
            }
        )
    return {"entries": page, "rows": rows, "now": now, "limits": _limits(entries, waits)}


def _limits(entries: list[Any], waits: dict[int, Any]) -> list[tuple[str, str]]:
    """The waiting limits in words: one sentence when every program on the page has the same
    (the defaults on an empty page), else one per program, by name."""
    by_program = {
        entry.lead.program.name: queue_limit_text(waits[entry.lead_id].terms) for entry in entries
    }
    texts = set(by_program.values()) or {queue_limit_text(DEFAULT_TERMS)}
    if len(texts) == 1:
        return [("", texts.pop())]
    return sorted(by_program.items())


@login_required
@require_GET
@manager_required
def queue(request: HttpRequest) -> HttpResponse:
    """Approved leads that no partner could take, in the order they will be routed, each with
    every partner and why it cannot take the lead, and what a manager may do instead."""
    user = request_user(request)
    return render(request, "partners/manage/queue.html", _queue_page(request, user))


@login_required
@require_POST
@manager_required
def queue_decide(request: HttpRequest, lead_id: int) -> HttpResponse:
    user = request_user(request)
    entry = routing_queue(user=user).get(lead_id=lead_id)
    now = timezone.now()
    fits = lead_partner_fits(leads=[entry.lead], now=now).get(entry.lead_id, [])
    form = QueueDecisionForm(request.POST, prefix=f"lead-{lead_id}", partners=fit_choices(fits))
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        reason = form.cleaned_data["reason"]
        try:
            if decision == "assign":
                assignment = lead_route_manual(
                    lead=entry.lead,
                    partner_id=form.cleaned_data["partner"],
                    user=user,
                    reason=reason,
                    now=now,
                )
                name = assignment.partner.name
            elif decision == "review":
                lead_review_return(lead=entry.lead, user=user, reason=reason, now=now)
                name = ""
            else:
                lead_queue_nurture(lead=entry.lead, user=user, reason=reason, now=now)
                name = ""
        except PartnerInputError as exc:
            form.add_service_error(exc.field, str(exc))
        else:
            messages.success(request, DONE[decision].format(lead=lead_id, partner=name))
            return redirect("partners:manage_queue")
    context = _queue_page(request, user, bound=form, bound_lead=lead_id)
    return render(request, "partners/manage/queue.html", context, status=400)


@login_required
@require_POST
@manager_required
def lead_reassign_view(request: HttpRequest, partner_id: int, lead_id: int) -> HttpResponse:
    """Take one of the partner's open leads away: to another chosen partner or back to the
    routing queue, with a reason. Errors are shown on the partner's page, beside the lead."""
    user = request_user(request)
    partner = partner_get(user=user, partner_id=partner_id)
    assignment = partner_open_leads(user=user, partner=partner).get(lead_id=lead_id)
    now = timezone.now()
    fits = lead_partner_fits(leads=[assignment.lead], now=now).get(lead_id, [])
    form = ReassignForm(
        request.POST,
        prefix=f"reassign-{lead_id}",
        partners=fit_choices(fits, exclude=partner.pk),
    )
    if form.is_valid():
        target = form.cleaned_data["partner"]
        try:
            given = lead_reassign_to(
                lead=assignment.lead,
                user=user,
                reason=form.cleaned_data["reason"],
                now=now,
                partner_id=target,
            )
        except PartnerInputError as exc:
            form.add_service_error(exc.field, str(exc))
        else:
            where = given.partner.name if given is not None else "the routing queue"
            messages.success(
                request, f"Lead #{lead_id} taken from {partner.name}: it went to {where}."
            )
            return redirect("partners:manage_detail", partner_id=partner.pk)
    return partner_detail_page(request, user, partner, bound=form, bound_lead=lead_id, status=400)
