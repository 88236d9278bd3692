"""Booking a sales call from a lead's workspace (``config/leads.py`` ``LEAD_PANELS``): the
panel lists the lead's calls; the booking page offers the attendee's free slots on both
clocks, the attendee's and the viewer's; an appointment's page lets the attendee record it
held or not attended, and the booker move or cancel it."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, capability_required, request_user, user_can
from leadflow.accounts.selectors import viewer_timezone
from leadflow.appointments.forms import BookForm, SlotForm
from leadflow.appointments.models import Appointment
from leadflow.appointments.selectors import (
    appointment_dispute_of,
    appointment_get,
    appointment_view,
    attendee_calendar,
    attendee_slots,
    lead_appointments,
    lead_attendees,
    lead_bookable,
)
from leadflow.appointments.services import (
    appointment_book,
    appointment_cancel,
    appointment_ics,
    appointment_outcome_record,
    appointment_reschedule,
)
from leadflow.core.errors import DomainRefused, InputError
from leadflow.leads.models import Lead
from leadflow.leads.selectors import lead_scope

book_required = capability_required(Capability.APPOINTMENTS_BOOK, hidden=True)


def _lead(user: User, lead_id: int) -> Lead:
    return lead_scope(user=user).select_related("program", "program__client").get(pk=lead_id)


def _back(user: User, appointment: Appointment) -> str:
    if user_can(user, Capability.LEADS_VIEW):
        return reverse("workspace:detail", args=[appointment.lead_id]) + "#appointments-heading"
    return reverse("appointments:detail", args=[appointment.pk])


def lead_appointments_panel(*, request: HttpRequest, lead: Lead) -> str:
    """The panel on a lead's page: its calls, and "book a call" with each attendee while the
    lead is qualified, for those who book calls."""
    user = request_user(request)
    if not user_can(user, Capability.APPOINTMENTS_BOOK):
        return ""
    appointments = list(lead_appointments(lead=lead))
    bookable = lead_bookable(lead)
    if not appointments and not bookable:
        return ""
    return render_to_string(
        "appointments/_lead_panel.html",
        {
            "lead": lead,
            "appointments": appointments,
            "attendees": lead_attendees(lead=lead) if bookable else [],
            "bookable": bookable,
        },
        request=request,
    )


def _refused(form: forms.Form, exc: Exception) -> None:
    field = getattr(exc, "field", None)
    if isinstance(exc, InputError) and field in form.fields:
        form.add_error(field, str(exc))
    else:
        form.add_error(None, str(exc))


@book_required
@require_http_methods(["GET", "POST"])
def appointment_new(request: HttpRequest, lead_id: int, attendee_id: int) -> HttpResponse:
    user = request_user(request)
    lead = _lead(user, lead_id)
    attendee = next((a for a in lead_attendees(lead=lead) if a.pk == attendee_id), None)
    if attendee is None or not lead_bookable(lead):
        raise Lead.DoesNotExist
    now = timezone.now()
    zone = viewer_timezone(user=user).name
    slots = attendee_slots(attendee=attendee, lead=lead, viewer_timezone=zone, now=now)
    form = BookForm(request.POST or None, slots=slots)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                appointment_book(
                    lead=lead,
                    attendee=attendee,
                    kind=data["kind"],
                    starts_at=data["starts_at"],
                    agenda=data["agenda"],
                    location=data["location"],
                    prospect_confirmed=data["prospect_confirmed"],
                    confirmation=data["confirmation"],
                    actor=user,
                    now=now,
                )
            except (DomainRefused, InputError) as exc:
                _refused(form, exc)
                status = 409 if isinstance(exc, DomainRefused) else 400
            else:
                messages.success(request, "Call booked; the invitation is on its way.")
                return redirect(reverse("workspace:detail", args=[lead.pk]))
        else:
            status = 400
    context = {
        "lead": lead,
        "attendee": attendee,
        "calendar": attendee_calendar(user=attendee, program=lead.program),
        "viewer_zone": zone,
        "form": form,
        "appointment": None,
        "slots": slots,
    }
    return render(request, "appointments/book.html", context, status=status)


@capability_required(Capability.HOME_VIEW)
@require_GET
def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    user = request_user(request)
    appointment = appointment_get(user=user, appointment_id=appointment_id)
    view = appointment_view(appointment=appointment, user=user, now=timezone.now())
    return render(
        request,
        "appointments/detail.html",
        {
            "view": view,
            "appointment": appointment,
            "lead": appointment.lead,
            "may_move": user_can(user, Capability.APPOINTMENTS_BOOK),
            "may_dispute": user_can(user, Capability.DISPUTES_RAISE),
            "dispute": appointment_dispute_of(appointment=appointment),
        },
    )


@book_required
@require_http_methods(["GET", "POST"])
def appointment_reschedule_view(request: HttpRequest, appointment_id: int) -> HttpResponse:
    user = request_user(request)
    appointment = appointment_get(user=user, appointment_id=appointment_id)
    now = timezone.now()
    zone = viewer_timezone(user=user).name
    slots = attendee_slots(
        attendee=appointment.attendee,
        lead=appointment.lead,
        viewer_timezone=zone,
        now=now,
        exclude_id=appointment.pk,
    )
    form = SlotForm(request.POST or None, slots=slots)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                appointment_reschedule(
                    appointment=appointment,
                    starts_at=form.cleaned_data["starts_at"],
                    actor=user,
                    now=now,
                )
            except (DomainRefused, InputError) as exc:
                _refused(form, exc)
                status = 409 if isinstance(exc, DomainRefused) else 400
            else:
                messages.success(request, "Call moved; everyone got the new time.")
                return redirect(_back(user, appointment))
        else:
            status = 400
    context = {
        "lead": appointment.lead,
        "attendee": appointment.attendee,
        "calendar": attendee_calendar(user=appointment.attendee, program=appointment.program),
        "viewer_zone": zone,
        "form": form,
        "appointment": appointment,
        "slots": slots,
    }
    return render(request, "appointments/book.html", context, status=status)


@capability_required(Capability.HOME_VIEW)
@require_POST
def appointment_step(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Cancel, or record held / not attended: the core says who may and when (409 if not)."""
    user = request_user(request)
    appointment = appointment_get(user=user, appointment_id=appointment_id)
    now = timezone.now()
    step = request.POST.get("step", "")
    note = request.POST.get("note", "")
    if step == "cancel":
        appointment_cancel(appointment=appointment, actor=user, now=now, reason=note)
        messages.success(request, "Call cancelled; everyone was told.")
    elif step in ("record_held", "record_no_show"):
        appointment_outcome_record(
            appointment=appointment, held=step == "record_held", actor=user, now=now, note=note
        )
        messages.success(request, "Recorded.")
    else:
        raise InputError("step", "unknown step")
    return redirect(_back(user, appointment))


@capability_required(Capability.HOME_VIEW)
@require_GET
def appointment_ics_view(request: HttpRequest, appointment_id: int) -> HttpResponse:
    user = request_user(request)
    appointment = appointment_get(user=user, appointment_id=appointment_id)
    response = HttpResponse(appointment_ics(appointment=appointment), content_type="text/calendar")
    response["Content-Disposition"] = 'attachment; filename="invite.ics"'
    return response
