"""The appointments in the guarantee: the disputes of delivered calls (a client contact's
disputes and the calls they may still dispute, QA's open ones), the dispute form, a dispute
with QA's decision, and the appointments a program promises per period.

Who may do what is the lead disputes' (``accounts.permissions``): client contacts raise
(``disputes.raise``; the form is 404 for everyone else and for calls not delivered to their
client), QA reviewers and admins decide (``disputes.decide``, else 403), sales managers and
admins change what is promised (``guarantees.edit_terms``, else 403); the disputes are read by
client contacts, reviewers, managers and admins of the program (``disputes.view``). Another
scope's dispute or program is 404. A refused step is shown on the page with the reason, and
nothing was written: 409 for a rule that says no, 400 for a form that cannot be read.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, capability_required, request_user, user_can
from leadflow.appointments.forms import (
    AppointmentDecisionForm,
    AppointmentDisputeForm,
    AppointmentTermsForm,
)
from leadflow.appointments.models import AppointmentDispute, AppointmentDisputeStatus
from leadflow.appointments.selectors import (
    appointment_dispute_get,
    appointment_dispute_list,
    appointment_dispute_of,
    appointment_dispute_queue,
    appointment_dispute_window,
    appointment_terms_for,
    delivered_appointment_get,
    disputable_appointments,
)
from leadflow.appointments.services import (
    AppointmentDecisionRefused,
    appointment_dispute_decide,
    appointment_dispute_raise,
    appointment_terms_save,
)
from leadflow.core.appointments import AppointmentDisputeRefused
from leadflow.core.errors import InputError
from leadflow.guarantees.selectors import ledger_program_get

PAGE_SIZE = 50

view_required = capability_required(
    Capability.DISPUTES_VIEW, "Disputes are for client contacts, QA and managers."
)
decider_required = capability_required(
    Capability.DISPUTES_DECIDE, "Only QA reviewers and admins decide disputes."
)


@view_required
@require_GET
def dispute_index(request: HttpRequest) -> HttpResponse:
    """The user's appointment disputes (a status may be chosen), QA's open ones first for those
    who decide, and the calls a client contact may still dispute."""
    user = request_user(request)
    status = request.GET.get("status", "")
    chosen = AppointmentDisputeStatus(status) if status in AppointmentDisputeStatus.values else None
    now = timezone.now()
    disputes = Paginator(appointment_dispute_list(user=user, status=chosen), PAGE_SIZE)
    return render(
        request,
        "appointments/disputes.html",
        {
            "disputes": disputes.get_page(request.GET.get("page")),
            "status": chosen.value if chosen else "",
            "statuses": AppointmentDisputeStatus.choices,
            "to_decide": list(appointment_dispute_queue(user=user)[:PAGE_SIZE]),
            "disputable": disputable_appointments(user=user, now=now),
            "is_client": user_can(user, Capability.DISPUTES_RAISE),
            "can_decide": user_can(user, Capability.DISPUTES_DECIDE),
        },
    )


@view_required
@require_http_methods(["GET", "POST"])
def dispute_new(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """The client contact's dispute form for one delivered call."""
    user = request_user(request)
    appointment = delivered_appointment_get(user=user, appointment_id=appointment_id)
    existing = appointment_dispute_of(appointment=appointment)
    if existing is not None:
        messages.info(
            request, f"This call was already disputed: {existing.get_status_display().lower()}."
        )
        return redirect("appointments:dispute", dispute_id=existing.pk)
    window = appointment_dispute_window(appointment=appointment)
    now = timezone.now()
    form = AppointmentDisputeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                dispute = appointment_dispute_raise(
                    appointment_id=appointment.pk,
                    user=user,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    now=now,
                )
            except AppointmentDisputeRefused as exc:
                form.add_error(None, str(exc))
                status = 409
            else:
                messages.success(
                    request, "Call disputed. QA will decide; the decision appears here."
                )
                return redirect("appointments:dispute", dispute_id=dispute.pk)
    return render(
        request,
        "appointments/dispute_new.html",
        {
            "appointment": appointment,
            "lead": appointment.lead,
            "window": window,
            "due": appointment.starts_at <= now,
            "window_open": now <= window.closes_at and window.terms.is_active,
            "form": form,
        },
        status=status,
    )


def _render_dispute(
    request: HttpRequest,
    user: User,
    dispute: AppointmentDispute,
    form: AppointmentDecisionForm | None = None,
    status: int = 200,
    refusal: str = "",
) -> HttpResponse:
    can_decide = (
        user_can(user, Capability.DISPUTES_DECIDE)
        and dispute.status == AppointmentDisputeStatus.OPEN
    )
    return render(
        request,
        "appointments/dispute_detail.html",
        {
            "dispute": dispute,
            "appointment": dispute.appointment,
            "lead": dispute.appointment.lead,
            "staff": user_can(user, Capability.LEADS_VIEW),
            "can_decide": can_decide,
            "form": form or (AppointmentDecisionForm() if can_decide else None),
            "refusal": refusal,
        },
        status=status,
    )


@view_required
@require_GET
def dispute_detail(request: HttpRequest, dispute_id: int) -> HttpResponse:
    user = request_user(request)
    return _render_dispute(request, user, appointment_dispute_get(user=user, dispute_id=dispute_id))


@decider_required
@require_POST
def dispute_decide_view(request: HttpRequest, dispute_id: int) -> HttpResponse:
    user = request_user(request)
    dispute = appointment_dispute_get(user=user, dispute_id=dispute_id)
    form = AppointmentDecisionForm(request.POST)
    if not form.is_valid():
        return _render_dispute(request, user, dispute, form=form, status=400)
    try:
        dispute = appointment_dispute_decide(
            dispute_id=dispute.pk,
            user=user,
            uphold=form.uphold,
            note=form.cleaned_data["note"],
            now=timezone.now(),
        )
    except AppointmentDecisionRefused as exc:
        dispute = appointment_dispute_get(user=user, dispute_id=dispute_id)
        return _render_dispute(
            request, user, dispute, form=form, status=409, refusal=f"Nothing changed: {exc}"
        )
    if dispute.status == AppointmentDisputeStatus.UPHELD:
        messages.success(
            request, f"Dispute #{dispute.pk} upheld: the next call delivered replaces it."
        )
    else:
        messages.success(request, f"Dispute #{dispute.pk} rejected: the call stands.")
    return redirect("appointments:disputes")


@capability_required(
    Capability.GUARANTEES_EDIT_TERMS, "Only sales managers and admins change the terms."
)
@require_http_methods(["GET", "POST"])
def terms_edit(request: HttpRequest, program_slug: str) -> HttpResponse:
    """A sales manager's form for the appointments the program promises per period."""
    user = request_user(request)
    program = ledger_program_get(user=user, slug=program_slug)
    terms = appointment_terms_for(program=program)
    form = AppointmentTermsForm(
        request.POST if request.method == "POST" else None,
        initial={"appointments_per_period": terms.appointments_per_period},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                appointment_terms_save(
                    program=program,
                    user=user,
                    appointments_per_period=form.cleaned_data["appointments_per_period"],
                    now=timezone.now(),
                )
            except InputError as exc:
                form.add_error("appointments_per_period", str(exc))
            else:
                messages.success(request, f"Appointments owed by {program.name} saved.")
                return redirect("guarantees:ledger", program_slug=program.slug)
    return render(
        request, "appointments/terms.html", {"program": program, "form": form}, status=status
    )
