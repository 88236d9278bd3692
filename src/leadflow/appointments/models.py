"""An attendee's availability and the appointments booked with them (docs/APPOINTMENTS.md)."""

import uuid

from django.conf import settings
from django.db import models

from leadflow.core.appointments import AppointmentKind, AppointmentState

DEFAULT_HOURS = "Mon-Fri 09:00-17:00"


def new_appointment_uid() -> str:
    return f"appointment-{uuid.uuid4()}@leadflow"


class AttendeeCalendar(models.Model):
    """When a person who takes sales calls (a client's sales person, a partner's or field sales
    executive) can be booked: working hours as typed ("Mon-Fri 09:00-17:00", read by
    ``core.appointments.weekly_hours_parse``) in their timezone, on the public holidays of their
    country and subdivision; and the busy times of an imported iCalendar free/busy feed. The row
    is also what a booking locks, so two bookings with one attendee take turns."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendee_calendar"
    )
    timezone = models.CharField(max_length=64, default="UTC")
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166-1 alpha-2")
    subdivision = models.CharField(max_length=8, blank=True)
    working_hours = models.TextField(default=DEFAULT_HOURS)
    feed_url = models.URLField(max_length=500, blank=True)
    #: The feed's busy intervals as [start, end] ISO pairs (UTC), as last imported.
    feed_busy: models.JSONField[list[list[str]]] = models.JSONField(default=list, blank=True)
    feed_imported_at = models.DateTimeField(null=True, blank=True)
    feed_error = models.TextField(blank=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"calendar of {self.user}"


class Appointment(models.Model):
    """A sales call booked for a lead with an attendee. ``starts_at``/``ends_at`` are instants
    (UTC in the database), ``timezone`` the attendee's zone the invitation is written in.
    ``uid`` is the invitation's RFC 5545 UID, shared by an appointment and the successors it
    was rescheduled to; ``sequence`` is one higher on each successor and on the cancellation."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="appointments")
    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, related_name="appointments"
    )
    attendee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments_attending"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=[(k.value, k.label) for k in AppointmentKind])
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    timezone = models.CharField(max_length=64, default="UTC")
    agenda = models.TextField(blank=True)
    location = models.CharField(max_length=300, blank=True)
    prospect_confirmed = models.BooleanField(default=False)
    confirmation = models.TextField(blank=True, help_text="How and when the prospect confirmed")
    state = models.CharField(
        max_length=16,
        choices=[(s.value, s.label) for s in AppointmentState],
        default=AppointmentState.BOOKED,
    )
    uid = models.CharField(max_length=100, default=new_appointment_uid)
    sequence = models.PositiveIntegerField(default=0)
    rescheduled_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="rescheduled_to"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["uid", "sequence"], name="appointment_uid_sequence"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="appointment_ends"
            ),
        ]
        indexes = [
            models.Index(fields=["attendee", "state", "starts_at"], name="appointment_busy"),
            models.Index(fields=["lead", "starts_at"], name="appointment_lead"),
            models.Index(fields=["program", "created_at"], name="appointment_program"),
        ]

    def __str__(self) -> str:
        return f"appointment {self.pk} of lead {self.lead_id}"

    @property
    def kind_label(self) -> str:
        return AppointmentKind(self.kind).label

    @property
    def state_label(self) -> str:
        return AppointmentState(self.state).label
