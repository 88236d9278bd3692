"""Needs assessments (issue 15, item 3) in the web app: send one to the prospect (with the
program's needs-assessment kit when it has one), follow it (in progress, the prospect's
completion date, which the follow-up call moves with, or not completed), record it returned
with the returned document, and record its outcome, which routes the lead (the assessment
service decides and writes; the dead file asks for a confirmation here). The returned
document is downloaded through a scoped view, as every sales document is (``document_download``).
"""

from django import forms
from django.contrib import messages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, request_user, user_can
from leadflow.core.errors import DomainRefused, InputError
from leadflow.core.lifecycle import LeadStatus
from leadflow.sales.forms import (
    AssessmentOutcomeForm,
    AssessmentReturnForm,
    AssessmentSendForm,
    AssessmentUpdateForm,
)
from leadflow.sales.models import Assessment, AssessmentOutcome, AssessmentState
from leadflow.sales.selectors.demos import assessment_get, kit_for_lead, lead_kits_sent
from leadflow.sales.selectors.pages import sales_lead_get
from leadflow.sales.services.assessments import (
    ROUTES,
    assessment_outcome_record,
    assessment_return,
    assessment_send,
    assessment_update,
)
from leadflow.sales.views.leads import lead_url, view_required, work_required


def refused(form: forms.Form, exc: DomainRefused | InputError, upload: str = "") -> None:
    """The service's refusal beside the field it names (a document's ``file`` beside the
    form's ``upload`` field), in its own plain words."""
    name = getattr(exc, "field", "")
    message = str(exc)
    if name == "file":  # the message may start with the file's own name: kept as it is
        name = upload
    else:
        message = message[:1].upper() + message[1:]
    if not message.endswith("."):
        message += "."
    form.add_error(name if name in form.fields else None, message)


def document_download(file: FieldFile | None, filename: str, content_type: str) -> FileResponse:
    """A stored sales document as a download: the content type its content showed when it
    was checked, never sniffed by the browser. The caller has checked the scope."""
    if not file:
        raise Http404("No document is attached.")
    response = FileResponse(
        file.open("rb"),
        as_attachment=True,
        filename=filename or "document",
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@view_required
@work_required
@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest, lead_id: int) -> HttpResponse:
    user = request_user(request)
    lead = sales_lead_get(user=user, lead_id=lead_id)
    kit = kit_for_lead(lead=lead, assessment=True)
    form = AssessmentSendForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            assessment_send(
                lead=lead,
                completion_date=form.cleaned_data["completion_date"],
                actor=user,
                now=timezone.now(),
            )
        except (DomainRefused, InputError) as exc:
            refused(form, exc)
        else:
            said = "Needs assessment recorded as sent."
            sent = lead_kits_sent(lead=lead).first() if kit is not None else None
            if sent is None:
                messages.success(request, said)
            elif sent.skipped:
                messages.warning(request, f"{said} The kit was not e-mailed: {sent.skipped}")
            else:
                messages.success(request, f"{said} “{sent.kit.name}” went to {sent.to_address}.")
            return redirect(lead_url(user, lead.pk))
    status = 400 if form.errors else 200
    context = {"form": form, "lead": lead, "kit": kit, "back": lead_url(user, lead.pk)}
    return render(request, "sales/assessment_form.html", context, status=status)


def _page(
    request: HttpRequest,
    user: User,
    assessment: Assessment,
    *,
    progress: AssessmentUpdateForm | None = None,
    returned: AssessmentReturnForm | None = None,
    outcome: AssessmentOutcomeForm | None = None,
) -> HttpResponse:
    """The assessment's page with the forms of the steps still open to it; a form given is
    the one just posted, shown with its problems (400)."""
    pending = assessment.state in (AssessmentState.SENT, AssessmentState.IN_PROGRESS)
    may_work = user_can(user, Capability.SALES_WORK)
    posted = next((form for form in (progress, returned, outcome) if form is not None), None)
    if may_work and pending:
        progress = progress or AssessmentUpdateForm(initial={"notes": assessment.notes})
        returned = returned or AssessmentReturnForm()
    if may_work and not assessment.outcome:
        outcome = outcome or AssessmentOutcomeForm()
    context = {
        "assessment": assessment,
        "lead": assessment.lead,
        "back": lead_url(user, assessment.lead_id),
        "progress": progress if may_work else None,
        "returned": returned if may_work else None,
        "outcome": outcome if may_work else None,
    }
    status = 400 if posted is not None and posted.errors else 200
    return render(request, "sales/assessment.html", context, status=status)


@view_required
@require_GET
def assessment_detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    user = request_user(request)
    return _page(request, user, assessment_get(user=user, assessment_id=assessment_id))


@view_required
@work_required
@require_POST
def assessment_progress_view(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """In progress, a new completion date (the follow-up call moves), notes, or not
    completed (its follow-up cancelled)."""
    user = request_user(request)
    assessment = assessment_get(user=user, assessment_id=assessment_id)
    form = AssessmentUpdateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        notes = data["notes"] if data["notes"] != assessment.notes else None
        try:
            updated = assessment_update(
                assessment=assessment,
                state=data["state"] or None,
                completion_date=data["completion_date"],
                notes=notes,
                actor=user,
                now=timezone.now(),
            )
        except (DomainRefused, InputError) as exc:
            refused(form, exc)
        else:
            before = (assessment.state, assessment.completion_date, assessment.notes)
            if (updated.state, updated.completion_date, updated.notes) == before:
                messages.info(request, "Nothing to change.")
            elif updated.state == AssessmentState.NOT_COMPLETED:
                messages.success(
                    request, "The assessment is marked not completed; its follow-up is cancelled."
                )
            else:
                messages.success(request, "Needs assessment updated.")
            return redirect("sales:assessment", assessment_id=assessment.pk)
    return _page(request, user, assessment, progress=form)


@view_required
@work_required
@require_POST
def assessment_return_view(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The prospect returned it, with the returned document (checked by its content)."""
    user = request_user(request)
    assessment = assessment_get(user=user, assessment_id=assessment_id)
    form = AssessmentReturnForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            assessment_return(
                assessment=assessment,
                document=form.cleaned_data["document"],
                actor=user,
                now=timezone.now(),
            )
        except (DomainRefused, InputError) as exc:
            refused(form, exc, upload="document")
        else:
            messages.success(request, "Needs assessment recorded as returned.")
            return redirect("sales:assessment", assessment_id=assessment.pk)
    return _page(request, user, assessment, returned=form)


@view_required
@work_required
@require_POST
def assessment_outcome_view(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """What the assessment showed; the service routes the lead (a remote demo offered, QA
    review on the way to field sales or a partner, or the dead file once confirmed)."""
    user = request_user(request)
    assessment = assessment_get(user=user, assessment_id=assessment_id)
    form = AssessmentOutcomeForm(request.POST)
    if form.is_valid():
        outcome = form.cleaned_data["outcome"]
        try:
            assessment_outcome_record(
                assessment=assessment, outcome=outcome, actor=user, now=timezone.now()
            )
        except (DomainRefused, InputError) as exc:
            refused(form, exc)
        else:
            messages.success(request, _outcome_said(user, assessment, outcome))
            return redirect(lead_url(user, assessment.lead_id))
    return _page(request, user, assessment, outcome=form)


def _outcome_said(user: User, assessment: Assessment, outcome: str) -> str:
    if outcome == AssessmentOutcome.DEAD_FILE:
        return "Lead moved to the dead file; its open tasks are cancelled."
    title = ROUTES[AssessmentOutcome(outcome)][1]
    if outcome == AssessmentOutcome.FIELD_SALES:
        lead = sales_lead_get(user=user, lead_id=assessment.lead_id)
        if lead.status == LeadStatus.IN_REVIEW:
            return (
                "Outcome recorded; the lead is in QA review. Once approved, it is handed to "
                "field sales or a partner."
            )
        return f"Outcome recorded; task “{title}” added (the history says why)."
    return f"Outcome recorded; task “{title}” added."


@view_required
@require_GET
def assessment_document(request: HttpRequest, assessment_id: int) -> FileResponse:
    """The returned assessment, for the people who see the lead's sales follow-up."""
    user = request_user(request)
    assessment = assessment_get(user=user, assessment_id=assessment_id)
    return document_download(
        assessment.document, assessment.document_name, assessment.document_type
    )
