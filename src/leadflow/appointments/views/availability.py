"""The Availability page (navigation "Availability", for those who manage programs): the
attendees of their programs with their hours, and per attendee the working hours, timezone and
holidays' country, and an imported iCalendar free/busy feed."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from leadflow.accounts.permissions import Capability, capability_required, request_user
from leadflow.appointments.forms import CalendarForm, FeedForm
from leadflow.appointments.selectors import (
    attendee_calendar,
    attendee_managed_get,
    attendees_managed,
)
from leadflow.appointments.services import attendee_calendar_save, attendee_feed_import
from leadflow.core.errors import InputError

availability_required = capability_required(
    Capability.APPOINTMENTS_AVAILABILITY, "Your role does not set the attendees' availability."
)


def _refused(form: forms.Form, exc: InputError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


@availability_required
@require_GET
def availability_index(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    rows = [(a, attendee_calendar(user=a)) for a in attendees_managed(user=user)]
    return render(request, "appointments/availability.html", {"rows": rows})


@availability_required
@require_http_methods(["GET", "POST"])
def availability_edit(request: HttpRequest, attendee_id: int) -> HttpResponse:
    user = request_user(request)
    attendee = attendee_managed_get(user=user, attendee_id=attendee_id)
    calendar = attendee_calendar(user=attendee)
    initial = {
        "timezone": calendar.timezone,
        "country": calendar.country,
        "subdivision": calendar.subdivision,
        "working_hours": calendar.working_hours,
    }
    form = CalendarForm(initial=initial)
    feed = FeedForm(initial={"feed_url": calendar.feed_url})
    status = 200
    if request.method == "POST":
        now = timezone.now()
        if request.POST.get("form") == "feed":
            feed = FeedForm(request.POST)
            if feed.is_valid():
                try:
                    row = attendee_feed_import(
                        attendee=attendee, url=feed.cleaned_data["feed_url"], actor=user, now=now
                    )
                except InputError as exc:
                    _refused(feed, exc)
                else:
                    messages.success(
                        request, f"Feed imported: {len(row.feed_busy)} busy time(s) ahead."
                    )
                    return redirect(reverse("appointments:availability_edit", args=[attendee.pk]))
        else:
            form = CalendarForm(request.POST)
            if form.is_valid():
                try:
                    attendee_calendar_save(
                        attendee=attendee, actor=user, now=now, **form.cleaned_data
                    )
                except InputError as exc:
                    _refused(form, exc)
                else:
                    messages.success(request, "Availability saved.")
                    return redirect(reverse("appointments:availability"))
        status = 400
    context = {"attendee": attendee, "calendar": calendar, "form": form, "feed": feed}
    return render(request, "appointments/availability_edit.html", context, status=status)
