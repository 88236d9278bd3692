"""The appointments' pages, mounted at ``/appointments/`` (namespace ``appointments``)."""

from django.urls import URLPattern, URLResolver, path

from leadflow.appointments.views import availability, booking, disputes

app_name = "appointments"

urlpatterns: list[URLPattern | URLResolver] = [
    path("availability/", availability.availability_index, name="availability"),
    path(
        "availability/<int:attendee_id>/",
        availability.availability_edit,
        name="availability_edit",
    ),
    path(
        "leads/<int:lead_id>/book/<int:attendee_id>/",
        booking.appointment_new,
        name="book",
    ),
    path("<int:appointment_id>/", booking.appointment_detail, name="detail"),
    path(
        "<int:appointment_id>/reschedule/",
        booking.appointment_reschedule_view,
        name="reschedule",
    ),
    path("<int:appointment_id>/step/", booking.appointment_step, name="step"),
    path("<int:appointment_id>/invite.ics", booking.appointment_ics_view, name="ics"),
    path("<int:appointment_id>/dispute", disputes.dispute_new, name="dispute_new"),
    path("disputes/", disputes.dispute_index, name="disputes"),
    path("disputes/<int:dispute_id>/", disputes.dispute_detail, name="dispute"),
    path("disputes/<int:dispute_id>/decide", disputes.dispute_decide_view, name="dispute_decide"),
    path("programs/<slug:program_slug>/terms", disputes.terms_edit, name="terms"),
]
