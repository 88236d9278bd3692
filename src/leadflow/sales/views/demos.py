"""Demos: schedule one for a lead (remote or on-site, in the participants' timezone, with
its participants and, optionally, the completed questionnaire), reschedule or cancel it,
attach the questionnaire to a demo already scheduled, record how it went and the next step,
and download its current invitation (.ics) and its questionnaire. The demo service sends the
invitations, checks the questionnaire by its content and refuses an on-site demo inside the
program's minimum lead time; the form shows that refusal beside the field it concerns."""

from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.accounts.permissions import request_user
from leadflow.core.errors import DomainRefused, InputError
from leadflow.sales.forms import (
    DemoOutcomeForm,
    DemoScheduleForm,
    QuestionnaireForm,
    RescheduleForm,
)
from leadflow.sales.models import DemoState
from leadflow.sales.selectors.demos import demo_get
from leadflow.sales.selectors.pages import demo_min_days, sales_lead_get
from leadflow.sales.services.demos import (
    demo_cancel,
    demo_invite_ics,
    demo_outcome_record,
    demo_questionnaire_attach,
    demo_reschedule,
    demo_schedule,
)
from leadflow.sales.views.assessments import document_download, refused
from leadflow.sales.views.leads import back, lead_url, view_required, work_required


def _refused(form: forms.Form, exc: DomainRefused | InputError) -> None:
    """The service's refusal beside the field it names (the questionnaire's ``file``
    beside the upload)."""
    refused(form, exc, upload="questionnaire")


@view_required
@work_required
@require_http_methods(["GET", "POST"])
def demo_new(request: HttpRequest, lead_id: int) -> HttpResponse:
    user = request_user(request)
    lead = sales_lead_get(user=user, lead_id=lead_id)
    zone = lead.program.client.timezone or "UTC"
    if request.method == "POST":
        form = DemoScheduleForm(request.POST, request.FILES, default_timezone=zone)
        if form.is_valid():
            data = form.cleaned_data
            try:
                demo = demo_schedule(
                    lead=lead,
                    kind=data["kind"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    timezone=data["timezone"],
                    participants=data["participants"],
                    objectives=data["objectives"],
                    location=data["location"],
                    meeting_url=data["meeting_url"],
                    questionnaire=data["questionnaire"],
                    actor=user,
                    now=timezone.now(),
                )
            except (DomainRefused, InputError) as exc:
                _refused(form, exc)
            else:
                count = demo.participants.count()
                messages.success(
                    request,
                    f"{demo.get_kind_display()} demo scheduled; the invitation went to "
                    f"{count} participant{'s' if count != 1 else ''}.",
                )
                return redirect(lead_url(user, lead.pk))
    else:
        participants = "\n".join(email for email in (lead.email, user.email) if email)
        form = DemoScheduleForm(
            initial={"participants": participants, "timezone": zone}, default_timezone=zone
        )
    status = 400 if form.errors else 200
    context = {"form": form, "lead": lead, "demo": None, "min_days": demo_min_days(lead=lead)}
    return render(request, "sales/demo_form.html", context, status=status)


@view_required
@work_required
@require_http_methods(["GET", "POST"])
def demo_reschedule_view(request: HttpRequest, demo_id: int) -> HttpResponse:
    user = request_user(request)
    demo = demo_get(user=user, demo_id=demo_id)
    if request.method == "POST":
        form = RescheduleForm(request.POST, default_timezone=demo.timezone)
        if form.is_valid():
            try:
                demo_reschedule(
                    demo=demo,
                    starts_at=form.cleaned_data["starts_at"],
                    ends_at=form.cleaned_data["ends_at"],
                    actor=user,
                    now=timezone.now(),
                )
            except (DomainRefused, InputError) as exc:
                _refused(form, exc)
            else:
                messages.success(request, "Demo moved; every participant got the new time.")
                return redirect(lead_url(user, demo.lead_id))
    else:
        zone = ZoneInfo(demo.timezone)
        form = RescheduleForm(
            initial={
                "timezone": demo.timezone,
                "starts_at": timezone.localtime(demo.starts_at, zone).replace(tzinfo=None),
                "ends_at": timezone.localtime(demo.ends_at, zone).replace(tzinfo=None),
            },
            default_timezone=demo.timezone,
        )
    status = 400 if form.errors else 200
    return render(
        request,
        "sales/demo_form.html",
        {"form": form, "lead": demo.lead, "demo": demo},
        status=status,
    )


@view_required
@work_required
@require_POST
def demo_cancel_view(request: HttpRequest, demo_id: int) -> HttpResponse:
    user = request_user(request)
    demo = demo_get(user=user, demo_id=demo_id)
    if demo.state != DemoState.SCHEDULED:
        messages.error(request, f"Nothing changed: the demo is {demo.get_state_display().lower()}.")
    else:
        try:
            demo_cancel(demo=demo, actor=user, now=timezone.now())
        except DomainRefused as exc:
            messages.error(request, f"Nothing changed: {exc}")
        else:
            messages.success(request, "Demo cancelled; every participant was told.")
    return back(request, lead_url(user, demo.lead_id))


@view_required
@require_GET
def demo_ics(request: HttpRequest, demo_id: int) -> HttpResponse:
    """The demo's current invitation, for a calendar app (a cancellation once cancelled)."""
    user = request_user(request)
    demo = demo_get(user=user, demo_id=demo_id)
    response = HttpResponse(demo_invite_ics(demo=demo), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="demo-{demo.pk}.ics"'
    return response


@view_required
@work_required
@require_POST
def demo_questionnaire_view(request: HttpRequest, demo_id: int) -> HttpResponse:
    """Attach the completed questionnaire to a scheduled demo (from the lead's panel)."""
    user = request_user(request)
    demo = demo_get(user=user, demo_id=demo_id)
    form = QuestionnaireForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Nothing attached: choose the completed questionnaire's file.")
        return back(request, lead_url(user, demo.lead_id))
    try:
        demo = demo_questionnaire_attach(
            demo=demo, upload=form.cleaned_data["questionnaire"], actor=user, now=timezone.now()
        )
    except (DomainRefused, InputError) as exc:
        messages.error(request, f"Nothing attached: {exc}.")
    else:
        messages.success(
            request,
            f"Questionnaire {demo.questionnaire_name} attached; it goes with the demo's next "
            "invitation to your colleagues and the partner's people.",
        )
    return back(request, lead_url(user, demo.lead_id))


@view_required
@require_GET
def demo_questionnaire(request: HttpRequest, demo_id: int) -> FileResponse:
    """The demo's completed questionnaire, for the people who see the lead's sales follow-up."""
    user = request_user(request)
    demo = demo_get(user=user, demo_id=demo_id)
    return document_download(demo.questionnaire, demo.questionnaire_name, demo.questionnaire_type)


@view_required
@work_required
@require_http_methods(["GET", "POST"])
def demo_outcome_view(request: HttpRequest, demo_id: int) -> HttpResponse:
    """How the demo went and the next step (proposal, hands-on demo, references, lost)."""
    user = request_user(request)
    demo = demo_get(user=user, demo_id=demo_id)
    form = DemoOutcomeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            demo_outcome_record(
                demo=demo,
                outcome=form.cleaned_data["outcome"],
                next_step=form.cleaned_data["next_step"],
                actor=user,
                now=timezone.now(),
            )
        except (DomainRefused, InputError) as exc:
            _refused(form, exc)
        else:
            messages.success(request, "Demo outcome recorded.")
            return redirect(lead_url(user, demo.lead_id))
    context = {
        "form": form,
        "demo": demo,
        "lead": demo.lead,
        "back": lead_url(user, demo.lead_id),
        "early": demo.starts_at > timezone.now(),
        "scheduled": demo.state == DemoState.SCHEDULED,
    }
    return render(request, "sales/demo_outcome.html", context, status=400 if form.errors else 200)
