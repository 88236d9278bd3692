"""Proposals: write one for a lead, its page (amount, the approval steps with who approved and
their notes, the references used), a step's decision, sent, won and lost. The proposal
service keeps the gate: it refuses to send before every step is approved, naming the steps."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.accounts.permissions import Capability, request_user, user_can
from leadflow.core.errors import DomainRefused, InputError
from leadflow.sales.forms import DecisionForm, LostForm, ProposalForm, WonForm
from leadflow.sales.selectors.pages import ProposalRow, proposal_steps, sales_lead_get
from leadflow.sales.selectors.proposals import proposal_get
from leadflow.sales.services.proposals import (
    proposal_create,
    proposal_decide,
    proposal_lost,
    proposal_send,
    proposal_won,
)
from leadflow.sales.views.leads import back, lead_url, view_required, work_required


def _proposal_url(proposal_id: int) -> str:
    return reverse("sales:proposal", args=[proposal_id])


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:]


@view_required
@work_required
@require_http_methods(["GET", "POST"])
def proposal_new(request: HttpRequest, lead_id: int) -> HttpResponse:
    user = request_user(request)
    lead = sales_lead_get(user=user, lead_id=lead_id)
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = proposal_create(
                lead=lead,
                amount=data["amount"],
                currency=data["currency"],
                due_date=data["due_date"],
                actor=user,
                now=timezone.now(),
            )
        except InputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, _sentence(exc))
        else:
            messages.success(
                request, f"Proposal #{proposal.pk} written: it now needs its approvals."
            )
            return redirect(_proposal_url(proposal.pk))
    status = 400 if form.errors else 200
    return render(request, "sales/proposal_form.html", {"form": form, "lead": lead}, status=status)


@view_required
@require_GET
def proposal_detail(request: HttpRequest, proposal_id: int) -> HttpResponse:
    user = request_user(request)
    proposal = proposal_get(user=user, proposal_id=proposal_id)
    row = ProposalRow(proposal, proposal_steps(proposal=proposal, user=user))
    return render(
        request,
        "sales/proposal.html",
        {
            "proposal": proposal,
            "row": row,
            "steps": row.steps,
            "lead": proposal.lead,
            "lead_url": lead_url(user, proposal.lead_id),
            "may_work": user_can(user, Capability.SALES_WORK),
            "here": request.get_full_path(),
        },
    )


@view_required
@require_POST
def proposal_decide_view(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Approve or reject a step: given by whoever the program's step names (the service
    refuses anyone else: 403)."""
    user = request_user(request)
    proposal = proposal_get(user=user, proposal_id=proposal_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing changed: choose approve or reject.")
        return back(request, _proposal_url(proposal.pk))
    data = form.cleaned_data
    try:
        proposal_decide(
            proposal=proposal,
            step=data["step"],
            decision=data["decision"],
            note=data["note"],
            actor=user,
            now=timezone.now(),
        )
    except PermissionDenied as exc:
        messages.error(request, f"Nothing changed: {exc}")
    except (DomainRefused, InputError) as exc:
        messages.error(request, f"Nothing changed: {exc}.")
    else:
        verb = "approved" if data["decision"] == "approved" else "rejected"
        messages.success(request, f"“{data['step']}” {verb} for proposal #{proposal.pk}.")
    return back(request, _proposal_url(proposal.pk))


@view_required
@work_required
@require_POST
def proposal_send_view(request: HttpRequest, proposal_id: int) -> HttpResponse:
    user = request_user(request)
    proposal = proposal_get(user=user, proposal_id=proposal_id)
    try:
        proposal_send(proposal=proposal, actor=user, now=timezone.now())
    except DomainRefused as exc:
        messages.error(request, f"Not sent: {exc}.")
    else:
        messages.success(
            request, f"Proposal #{proposal.pk} marked sent; a follow-up call is on your tasks."
        )
    return back(request, _proposal_url(proposal.pk))


@view_required
@work_required
@require_POST
def proposal_won_view(request: HttpRequest, proposal_id: int) -> HttpResponse:
    user = request_user(request)
    proposal = proposal_get(user=user, proposal_id=proposal_id)
    form = WonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing changed: give the amount won, like 12500.00.")
        return back(request, _proposal_url(proposal.pk))
    try:
        proposal_won(
            proposal=proposal,
            amount=form.cleaned_data["won_amount"],
            actor=user,
            now=timezone.now(),
        )
    except (DomainRefused, InputError) as exc:
        messages.error(request, f"Nothing changed: {exc}.")
    else:
        messages.success(request, f"Proposal #{proposal.pk} won.")
    return back(request, _proposal_url(proposal.pk))


@view_required
@work_required
@require_POST
def proposal_lost_view(request: HttpRequest, proposal_id: int) -> HttpResponse:
    user = request_user(request)
    proposal = proposal_get(user=user, proposal_id=proposal_id)
    form = LostForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing changed: say why the proposal was lost.")
        return back(request, _proposal_url(proposal.pk))
    try:
        proposal_lost(
            proposal=proposal,
            reason=form.cleaned_data["lost_reason"],
            actor=user,
            now=timezone.now(),
        )
    except (DomainRefused, InputError) as exc:
        messages.error(request, f"Nothing changed: {exc}.")
    else:
        messages.success(request, f"Proposal #{proposal.pk} recorded as lost.")
    return back(request, _proposal_url(proposal.pk))
