"""An attendee's availability and the appointments booked with them (docs/APPOINTMENTS.md)."""

import uuid

from django.conf import settings
from django.db import models

from leadflow.core.appointments import AppointmentDisputeReason, AppointmentKind, AppointmentState

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


class AppointmentTerms(models.Model):
    """What a program promises in appointments besides leads: held-worthy calls per guarantee
    period (the period, the dispute window and whether the guarantee is on are the program's
    guarantee terms, ``guarantees.GuaranteeTerms``). A program without a row promises none."""

    program = models.OneToOneField(
        "programs.Program", on_delete=models.PROTECT, related_name="appointment_terms"
    )
    appointments_per_period = models.PositiveIntegerField(
        default=0, help_text="Valid appointments owed per guarantee period; 0 promises no number"
    )
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "appointment terms"

    def __str__(self) -> str:
        return f"{self.program}: {self.appointments_per_period} appointments per period"


class AppointmentDisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld"
    REJECTED = "rejected", "Rejected"


class AppointmentDispute(models.Model):
    """A client contact's dispute of a delivered appointment, and QA's decision on it.

    One per invitation (``uid``: a moved call is the same appointment). Upheld, the program owes
    a replacement: a later call of the program, another invitation, linked here when it is
    delivered and listed at no charge. ``ledger_at`` is the first delivery of the disputed
    invitation, or, when that call was itself a replacement, the ``ledger_at`` of the dispute it
    replaced: the period whose promise it counts in.
    """

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="disputes")
    uid = models.CharField(max_length=100, unique=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    reason = models.CharField(
        max_length=20, choices=[(r.value, r.label) for r in AppointmentDisputeReason]
    )
    note = models.TextField(blank=True)
    status = models.CharField(
        max_length=8,
        choices=AppointmentDisputeStatus.choices,
        default=AppointmentDisputeStatus.OPEN,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    replacement = models.OneToOneField(
        Appointment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_dispute",
        help_text="The delivered call that replaced the disputed one",
    )
    replaced_at = models.DateTimeField(null=True, blank=True)
    ledger_at = models.DateTimeField()

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status="open", decided_at__isnull=True, decided_by__isnull=True)
                    | (
                        models.Q(status__in=["upheld", "rejected"])
                        & models.Q(decided_at__isnull=False, decided_by__isnull=False)
                    )
                ),
                name="appointment_dispute_decided_when_not_open",
            ),
            models.CheckConstraint(
                condition=models.Q(replacement__isnull=True, replaced_at__isnull=True)
                | models.Q(status="upheld", replacement__isnull=False, replaced_at__isnull=False),
                name="appointment_dispute_replaced_only_when_upheld",
            ),
        ]
        indexes = [
            models.Index(
                fields=["program", "status", "decided_at"], name="appt_dispute_program_status"
            ),
            models.Index(fields=["program", "ledger_at"], name="appt_dispute_program_ledger"),
        ]

    def __str__(self) -> str:
        return f"dispute #{self.pk} ({self.status}) of appointment {self.appointment_id}"

    @property
    def reason_label(self) -> str:
        return AppointmentDisputeReason(self.reason).label
