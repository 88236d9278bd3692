"""The lead workspace: one lead's contact, call script, call log, live qualification panel,
history, and the ways out of qualification (QA review, nurture, dead file, disqualification).

Who may do what: the staff roles (``Capability.LEADS_VIEW``: admins, qualifiers, sales managers,
QA reviewers and marketing) may open a workspace of a lead in their scope; only those who
qualify (``Capability.LEADS_QUALIFY``: admins, qualifiers and sales managers) change it (the
others get the page without forms, and 403 on a write). Client contacts and partners get 404:
the workspace is not theirs to know about, and neither is a lead outside the user's scope (the
selector does not find it; the error middleware answers 404). Opening or changing a lead holds
it for the user (``lead_hold``); while someone else holds it the page is read-only. Every write
is a service; domain errors become messages on the workspace, never a 500.
"""

from collections.abc import Callable
from datetime import datetime
from functools import wraps

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, capability_required, request_user, user_can
from leadflow.core.answers import answers_changed, answers_check
from leadflow.core.enums import DisqualificationReason, Rating
from leadflow.core.errors import CriteriaError, DomainError, InvalidTransition
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.leads.forms import CallForm, DeadFileForm, DisqualifyForm
from leadflow.leads.models import CallOutcome, Lead
from leadflow.leads.selectors import lead_get
from leadflow.leads.services import lead_disqualify, lead_update_answers
from leadflow.leads.services.calls import call_record
from leadflow.leads.services.queue import (
    LeadHeld,
    lead_finish,
    lead_hold,
    lead_release,
    lead_submit_for_review,
)
from leadflow.leads.views.extensions import lead_panels, timeline_entries
from leadflow.leads.workspace.panels import preview_panel
from leadflow.leads.workspace.script import field_name, posted_answers
from leadflow.leads.workspace.selectors import is_workable, lead_workspace
from leadflow.leads.workspace.text import label
from leadflow.programs.selectors import program_published_criteria


def _render(
    request: HttpRequest,
    user: User,
    lead: Lead,
    *,
    editable: bool,
    holder: Lead | None = None,
    answers: dict[str, object] | None = None,
    errors: dict[str, str] | None = None,
    call_form: CallForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "ws": lead_workspace(
            lead=lead,
            answers=answers,
            errors=errors,
            kind=request.GET.get("history", ""),
            extra_entries=timeline_entries(lead=lead),
        ),
        "lead": lead,
        "editable": editable,
        "holder": holder,
        "may_edit": user_can(user, Capability.LEADS_QUALIFY),
        "call_form": call_form or CallForm(now=timezone.now()),
        "disqualify_form": DisqualifyForm(),
        "dead_file_form": DeadFileForm(),
        "extra_panels": lead_panels(request=request, lead=lead),
    }
    return render(request, "leads/workspace.html", context, status=status)


@capability_required(Capability.LEADS_VIEW, hidden=True)
@require_GET
def workspace_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Show the lead; for an editor, hold it (a lead in the queue is worked by one person)."""
    user = request_user(request)
    lead = lead_get(user=user, lead_id=lead_id)
    holder = None
    editable = False
    if user_can(user, Capability.LEADS_QUALIFY) and is_workable(lead):
        try:
            lead_hold(lead=lead, user=user, now=timezone.now())
        except LeadHeld as held:
            holder = held.lead
        else:
            editable = True
            lead = lead_get(user=user, lead_id=lead_id)  # the hold may have started qualifying
    return _render(request, user, lead, editable=editable, holder=holder)


@capability_required(Capability.LEADS_VIEW, hidden=True)
@capability_required(
    Capability.LEADS_QUALIFY, "Only qualifiers, sales managers and admins answer the script."
)
@require_POST
def workspace_preview(request: HttpRequest, lead_id: int) -> HttpResponse:
    """The qualification panel for the answers on the page, computed and not saved (HTMX)."""
    user = request_user(request)
    lead = lead_get(user=user, lead_id=lead_id)
    criteria = program_published_criteria(program=lead.program).criteria
    panel = preview_panel(
        criteria,
        saved=lead.answers,
        raw=posted_answers(criteria, request.POST),
        profile=lead.profile,
        disqualification=lead.disqualification,
        now=timezone.now(),
    )
    return render(request, "leads/_qualification.html", {"panel": panel})


EditView = Callable[[HttpRequest, User, Lead], HttpResponse]


def _editing(view: EditView) -> Callable[[HttpRequest, int], HttpResponse]:
    """A write of the workspace: an editor's POST on a lead in qualification that the user
    holds (or now takes). A lead held by someone else, or a domain error, is a message on the
    workspace, with nothing changed: the qualifier stays on the lead they are working."""

    @capability_required(Capability.LEADS_VIEW, hidden=True)
    @capability_required(
        Capability.LEADS_QUALIFY, "Only qualifiers, sales managers and admins change leads."
    )
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, lead_id: int) -> HttpResponse:
        user = request_user(request)
        lead = lead_get(user=user, lead_id=lead_id)
        try:
            if not is_workable(lead):
                raise InvalidTransition(
                    f"This lead is {LeadStatus(lead.status).label.lower()}: "
                    "it is no longer being qualified."
                )
            lead_hold(lead=lead, user=user, now=timezone.now())
            return view(request, user, lead_get(user=user, lead_id=lead_id))
        except LeadHeld as held:
            holder = held.lead
            until = timezone.localtime(holder.held_until) if holder.held_until else None
            messages.error(
                request,
                f"Nothing changed: {holder.held_by} is working this lead"
                + (f" until {until:%H:%M}." if until else "."),
            )
        except DomainError as exc:
            messages.error(request, f"Nothing changed: {exc}")
        return redirect("workspace:detail", lead_id=lead.pk)

    return wrapper


def _done(user: User, lead: Lead) -> HttpResponseRedirect:
    """Back to the queue after a lead leaves qualification (to the lead for non-queue roles)."""
    if user_can(user, Capability.QUEUE_WORK):
        return redirect("queue:index")
    return redirect("workspace:detail", lead_id=lead.pk)


def _rating(lead: Lead) -> str:
    return Rating(lead.rating).label if lead.rating else "none"


@_editing
def workspace_answers(request: HttpRequest, user: User, lead: Lead) -> HttpResponse:
    """Save the script's answers; invalid answers are shown beside their questions, unsaved."""
    criteria = program_published_criteria(program=lead.program).criteria
    raw = posted_answers(criteria, request.POST)
    _, errors = answers_check(criteria, raw)
    if errors:
        typed: dict[str, object] = {
            question.key: request.POST.get(field_name(question.key), "")
            for question in criteria.questions
        }
        return _render(request, user, lead, editable=True, answers=typed, errors=errors, status=400)
    if not answers_changed(criteria, lead.answers, raw):
        messages.info(request, "Nothing to save: the answers are as they were.")
    else:
        lead = lead_update_answers(lead=lead, answers=raw, actor=user, now=timezone.now())
        messages.success(request, f"Answers saved: rating {_rating(lead)}, score {lead.score:g}.")
    return redirect("workspace:detail", lead_id=lead.pk)


@_editing
def workspace_call(request: HttpRequest, user: User, lead: Lead) -> HttpResponse:
    """Log a call; with a next call time the lead goes back to the queue until then."""
    now = timezone.now()
    form = CallForm(request.POST, now=now)
    if not form.is_valid():
        return _render(request, user, lead, editable=True, call_form=form, status=400)
    next_call_at: datetime | None = form.cleaned_data["next_call_at"]
    call_record(
        lead=lead,
        caller=user,
        outcome=CallOutcome(form.cleaned_data["outcome"]),
        note=form.cleaned_data["note"],
        for_sales=form.cleaned_data["for_sales"],
        next_call_at=next_call_at,
        now=now,
    )
    if next_call_at is None:
        messages.success(request, "Call logged.")
        return redirect("workspace:detail", lead_id=lead.pk)
    lead_release(lead=lead, user=user, now=now)
    messages.success(
        request,
        f"Call logged. Lead #{lead.pk} comes back to the queue at "
        f"{timezone.localtime(next_call_at):%Y-%m-%d %H:%M}.",
    )
    return _done(user, lead)


@_editing
def workspace_submit(request: HttpRequest, user: User, lead: Lead) -> HttpResponse:
    """Send the lead to QA review (required questions answered) and give up the hold."""
    try:
        lead = lead_submit_for_review(lead=lead, user=user, now=timezone.now())
    except CriteriaError as exc:
        messages.error(request, f"Not submitted: save the answers first ({exc}).")
        return redirect("workspace:detail", lead_id=lead.pk)
    messages.success(request, f"Lead #{lead.pk} submitted for QA review (rating {_rating(lead)}).")
    return _done(user, lead)


@_editing
def workspace_nurture(request: HttpRequest, user: User, lead: Lead) -> HttpResponse:
    lead = lead_finish(lead=lead, user=user, action=Action.NURTURE, now=timezone.now())
    messages.success(request, f"Lead #{lead.pk} sent to nurture.")
    return _done(user, lead)


@_editing
def workspace_dead_file(request: HttpRequest, user: User, lead: Lead) -> HttpResponse:
    if not DeadFileForm(request.POST).is_valid():
        messages.error(request, "Not moved: tick the box to confirm the dead file.")
        return redirect("workspace:detail", lead_id=lead.pk)
    lead = lead_finish(lead=lead, user=user, action=Action.DEAD_FILE, now=timezone.now())
    messages.success(request, f"Lead #{lead.pk} moved to the dead file.")
    return _done(user, lead)


@_editing
def workspace_disqualify(request: HttpRequest, user: User, lead: Lead) -> HttpResponse:
    form = DisqualifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not disqualified: choose a reason and tick the box to confirm.")
        return redirect("workspace:detail", lead_id=lead.pk)
    now = timezone.now()
    with transaction.atomic():
        lead = lead_disqualify(
            lead=lead,
            reason=DisqualificationReason(form.cleaned_data["reason"]),
            note=form.cleaned_data["note"],
            actor=user,
            now=now,
        )
        lead_release(lead=lead, user=user, now=now)
    messages.success(request, f"Lead #{lead.pk} disqualified ({label(lead.disqualification)}).")
    return _done(user, lead)


@_editing
def workspace_release(request: HttpRequest, user: User, lead: Lead) -> HttpResponse:
    """Step away: the lead goes back to the queue for the next qualifier."""
    lead_release(lead=lead, user=user, now=timezone.now())
    messages.success(request, f"Lead #{lead.pk} is back in the queue.")
    return _done(user, lead)
