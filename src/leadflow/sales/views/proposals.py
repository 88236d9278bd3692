"""Proposals: write one for a lead (with its documents), its page (amount, documents, the
approval steps with who approved and their notes, the references used and a search to give
another), a step's decision, sent, won and lost, a document's upload, download and removal.
The proposal service keeps the gate: it refuses to send before every step is approved, naming
the steps; the references service records and flags each use."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, request_user, user_can
from leadflow.core.errors import DomainRefused, InputError
from leadflow.sales.forms import (
    DecisionForm,
    LostForm,
    ProposalDocumentForm,
    ProposalForm,
    ReferenceSearchForm,
    ReferenceUseForm,
    WonForm,
)
from leadflow.sales.models import Proposal, Reference
from leadflow.sales.selectors.pages import ProposalRow, proposal_steps, sales_lead_get
from leadflow.sales.selectors.proposals import (
    proposal_document_get,
    proposal_get,
    proposal_reference_uses,
)
from leadflow.sales.selectors.references import reference_get, reference_hit, reference_search
from leadflow.sales.services.proposals import (
    proposal_create,
    proposal_decide,
    proposal_document_add,
    proposal_document_delete,
    proposal_lost,
    proposal_send,
    proposal_won,
)
from leadflow.sales.services.references import reference_use
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
    upload = ProposalDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and upload.is_valid():
        data = form.cleaned_data
        document = upload.cleaned_data.get("file")
        try:
            proposal = proposal_create(
                lead=lead,
                amount=data["amount"],
                currency=data["currency"],
                due_date=data["due_date"],
                actor=user,
                now=timezone.now(),
                uploads=[document] if document else [],
            )
        except InputError as exc:
            if exc.field == "file":
                upload.add_error("file", f"{exc}.")  # it starts with the file's own name
            else:
                form.add_error(exc.field if exc.field in form.fields else None, _sentence(exc))
        else:
            messages.success(
                request, f"Proposal #{proposal.pk} written: it now needs its approvals."
            )
            return redirect(_proposal_url(proposal.pk))
    status = 400 if form.errors or upload.errors else 200
    return render(
        request,
        "sales/proposal_form.html",
        {"form": form, "upload": upload, "lead": lead},
        status=status,
    )


@dataclass(frozen=True)
class _Confirm:
    """A reference at its limit, waiting for the seller's confirmation."""

    customer: str
    reference_id: int
    uses_this_quarter: int
    limit: int


@view_required
@require_GET
def proposal_detail(request: HttpRequest, proposal_id: int) -> HttpResponse:
    user = request_user(request)
    proposal = proposal_get(user=user, proposal_id=proposal_id)
    row = ProposalRow(proposal, proposal_steps(proposal=proposal, user=user))
    now = timezone.now()
    may_work = user_can(user, Capability.SALES_WORK)
    search = ReferenceSearchForm(request.GET or None)
    terms = search.cleaned_data if search.is_valid() else {}
    uses = [
        (use, reference_hit(reference=use.reference, program=proposal.lead.program, now=now))
        for use in proposal_reference_uses(proposal=proposal)
    ]
    used = {use.reference_id for use, _ in uses}
    hits = [
        hit
        for hit in reference_search(
            user=user,
            now=now,
            q=terms.get("q", ""),
            product=terms.get("product", ""),
            industry=terms.get("industry", ""),
            for_program=proposal.lead.program,
        )
        if hit.reference.pk not in used
    ]
    return render(
        request,
        "sales/proposal.html",
        {
            "proposal": proposal,
            "row": row,
            "steps": row.steps,
            "lead": proposal.lead,
            "lead_url": lead_url(user, proposal.lead_id),
            "may_work": may_work,
            "open": proposal.state in ("draft", "sent"),
            "here": request.get_full_path(),
            "documents": list(proposal.documents.order_by("filename", "id")),
            "upload": ProposalDocumentForm(),
            "uses": uses,
            "search": search,
            "hits": hits,
            "searched": bool(terms and any(terms.values())),
            "confirm": _confirm_of(request, user, proposal, now) if may_work else None,
        },
    )


def _confirm_of(
    request: HttpRequest, user: User, proposal: Proposal, now: datetime
) -> _Confirm | None:
    """The reference named by ``?confirm=``, when it is one the user may give."""
    wanted = request.GET.get("confirm", "")
    if not wanted.isdigit() or len(wanted) > 10:
        return None
    try:
        reference = reference_get(user=user, reference_id=int(wanted))
    except Reference.DoesNotExist:
        return None
    hit = reference_hit(reference=reference, program=proposal.lead.program, now=now)
    return _Confirm(reference.customer, reference.pk, hit.uses_this_quarter, hit.limit)


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


@dataclass(frozen=True)
class _Outcome:
    """Won or lost as the page records it: the form, what it says when the form is wrong,
    the service call, and what it says when done."""

    form: type[forms.Form]
    invalid: str
    close: Callable[[Proposal, dict[str, object], User], Proposal]
    done: str


_OUTCOMES = {
    "won": _Outcome(
        form=WonForm,
        invalid="Nothing changed: give the amount won, like 12500.00.",
        close=lambda proposal, data, user: proposal_won(
            proposal=proposal,
            amount=Decimal(str(data["won_amount"])),
            actor=user,
            now=timezone.now(),
        ),
        done="Proposal #{pk} won.",
    ),
    "lost": _Outcome(
        form=LostForm,
        invalid="Nothing changed: say why the proposal was lost.",
        close=lambda proposal, data, user: proposal_lost(
            proposal=proposal, reason=str(data["lost_reason"]), actor=user, now=timezone.now()
        ),
        done="Proposal #{pk} recorded as lost.",
    ),
}


def _closing_view(outcome: str) -> Callable[[HttpRequest, int], HttpResponse]:
    """The one path of "won" and "lost": parse the outcome's form, call its service, go back
    with the result or the refusal in plain words."""
    wanted = _OUTCOMES[outcome]

    @view_required
    @work_required
    @require_POST
    def view(request: HttpRequest, proposal_id: int) -> HttpResponse:
        user = request_user(request)
        proposal = proposal_get(user=user, proposal_id=proposal_id)
        form = wanted.form(request.POST)
        if not form.is_valid():
            messages.error(request, wanted.invalid)
            return back(request, _proposal_url(proposal.pk))
        try:
            wanted.close(proposal, form.cleaned_data, user)
        except (DomainRefused, InputError) as exc:
            messages.error(request, f"Nothing changed: {exc}.")
        else:
            messages.success(request, wanted.done.format(pk=proposal.pk))
        return back(request, _proposal_url(proposal.pk))

    view.__name__ = view.__qualname__ = f"proposal_{outcome}_view"
    return view


proposal_won_view = _closing_view("won")
proposal_lost_view = _closing_view("lost")


@view_required
@work_required
@require_POST
def proposal_document_upload(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Add a document to the proposal (checked by its content; refused once won or lost)."""
    user = request_user(request)
    proposal = proposal_get(user=user, proposal_id=proposal_id)
    form = ProposalDocumentForm(request.POST, request.FILES)
    document = form.cleaned_data.get("file") if form.is_valid() else None
    if document is None:
        messages.error(request, "Nothing added: choose a file first.")
        return back(request, _proposal_url(proposal.pk))
    try:
        added = proposal_document_add(
            proposal=proposal, upload=document, actor=user, now=timezone.now()
        )
    except (DomainRefused, InputError) as exc:
        messages.error(request, f"Nothing added: {exc}.")
    else:
        messages.success(request, f"“{added.filename}” added to proposal #{proposal.pk}.")
    return back(request, _proposal_url(proposal.pk))


@view_required
@work_required
@require_POST
def proposal_document_delete_view(request: HttpRequest, document_id: int) -> HttpResponse:
    """Remove a document from a draft proposal (refused once it is sent)."""
    user = request_user(request)
    document = proposal_document_get(user=user, document_id=document_id)
    try:
        proposal_document_delete(document=document, actor=user, now=timezone.now())
    except DomainRefused as exc:
        messages.error(request, f"Nothing removed: {exc}.")
    else:
        messages.success(request, f"“{document.filename}” removed.")
    return back(request, _proposal_url(document.proposal_id))


@view_required
@require_GET
def proposal_document_download(request: HttpRequest, document_id: int) -> FileResponse:
    """The document as it was uploaded, to whoever may see its proposal (404 otherwise),
    always as a download in the content type its content showed."""
    user = request_user(request)
    document = proposal_document_get(user=user, document_id=document_id)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.filename,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@view_required
@work_required
@require_POST
def proposal_reference_use_view(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Give a reference to the prospect of the proposal. A reference at or over the
    program's limit this quarter asks for a confirmation first (the page shows why); the use
    is then recorded and flagged."""
    user = request_user(request)
    proposal = proposal_get(user=user, proposal_id=proposal_id)
    form = ReferenceUseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing recorded: choose a reference.")
        return back(request, _proposal_url(proposal.pk))
    reference = reference_get(user=user, reference_id=form.cleaned_data["reference"])
    now = timezone.now()
    before = reference_hit(reference=reference, program=proposal.lead.program, now=now)
    if before.at_limit and not form.cleaned_data["confirm"]:
        return redirect(f"{_proposal_url(proposal.pk)}?confirm={reference.pk}#references-heading")
    try:
        used = reference_use(proposal=proposal, reference=reference, actor=user, now=now)
    except (DomainRefused, InputError) as exc:
        messages.error(request, f"Nothing recorded: {exc}.")
        return back(request, _proposal_url(proposal.pk))
    if not used.created:
        messages.info(request, f"{reference.customer} was already given for this proposal.")
    elif used.flagged:
        messages.warning(
            request,
            f"{reference.customer} given for proposal #{proposal.pk}, but asked "
            f"{used.uses_this_quarter} times this quarter, more than the limit of {used.limit}: "
            "please ask another customer next time.",
        )
    else:
        messages.success(
            request,
            f"{reference.customer} given for proposal #{proposal.pk} "
            f"(asked {used.uses_this_quarter} of {used.limit} times this quarter).",
        )
    return redirect(_proposal_url(proposal.pk) + "#references-heading")
