"""Nurture: sequences of touches that keep not-yet-ready leads warm until they re-qualify
(DESIGN.md, "Nurture and follow-up").

A program's ``Sequence`` is an ordered list of ``Touch`` rows (an e-mail, a direct-mail touch or
a telesales call), each after a wait in the program's working days. A nurturing lead is in at
most one sequence at a time (its active ``Enrollment``); every touch that fell due for it is a
``TouchSent`` row holding a copy of what went out, unique per enrollment and touch, so a touch
is never done twice. Direct-mail touches put the lead on the program's mailing list
(``MailingListEntry``), call touches give the qualifiers a ``CallTask``. Responses (a reply, a
phone response, a click, a form fill) are ``Engagement`` rows the qualification scores with the
program's point rules and half-life.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class OnEnd(models.TextChoices):
    DEAD_FILE = "dead_file", "Move the lead to the dead file"
    LONG_TERM = "long_term", "Continue with a long-term sequence"


class TouchKind(models.TextChoices):
    EMAIL = "email", "E-mail"
    DIRECT_MAIL = "direct_mail", "Direct mail"
    CALL = "call", "Telesales call"


class EnrollmentState(models.TextChoices):
    ACTIVE = "active", "Active"
    FINISHED = "finished", "Finished"
    LEFT = "left", "Left"


class LeaveReason(models.TextChoices):
    RESPONDED = "responded", "Responded"
    REQUALIFIED = "requalified", "Re-qualified"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    BOUNCED = "bounced", "Bounced or complained"
    BY_HAND = "by_hand", "Taken out by hand"
    STATUS_CHANGED = "status_changed", "No longer nurturing"
    MOVED = "moved", "Moved to another sequence"
    ENDED = "ended", "Sequence ended"


class NurtureSettings(models.Model):
    """A program's nurture settings; a program without a row uses the defaults below."""

    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    per_minute = models.PositiveIntegerField(
        default=60, help_text="Marketing e-mails of this program queued per minute at most"
    )
    subdivision = models.CharField(
        max_length=8,
        blank=True,
        help_text="State or province whose public holidays the waits skip (the client's "
        "country and timezone, and the program's closure days, are used too)",
    )

    class Meta:
        verbose_name_plural = "nurture settings"

    def __str__(self) -> str:
        return f"nurture settings of program #{self.program_id}"


class Sequence(models.Model):
    """An ordered list of touches of one program. ``is_default``: the sequence a lead of the
    program enters when it becomes nurturing (at most one per program)."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, related_name="nurture_sequences"
    )
    slug = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False)
    on_end = models.CharField(max_length=16, choices=OnEnd.choices, default=OnEnd.DEAD_FILE)
    long_term_sequence = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Where a lead goes at the end when the sequence continues long-term",
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["program", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "slug"], name="nurture_sequence_slug"),
            models.UniqueConstraint(
                fields=["program"],
                condition=Q(is_default=True),
                name="nurture_sequence_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Touch(models.Model):
    """One step of a sequence. ``wait_days``: working days after the previous touch's due day
    (after entry for the first touch); 0 means the same moment. ``subject`` and ``body_text``
    are templates with merge fields (``{{ first_name|default:"there" }}``); ``call_script`` is
    what a call task shows the qualifier."""

    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="touches")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=TouchKind.choices)
    wait_days = models.PositiveIntegerField(default=0)
    subject = models.CharField(max_length=200, blank=True)
    body_text = models.TextField(blank=True)
    call_script = models.TextField(blank=True)

    class Meta:
        ordering = ["sequence", "position", "id"]
        indexes = [models.Index(fields=["sequence", "position"], name="nurture_touch_order")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} after {self.wait_days} working days"


class Enrollment(models.Model):
    """A lead's way through one sequence. ``step`` is the index (in the sequence's order) of
    the next touch; ``next_touch_at`` when it is due (None once there is none)."""

    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.PROTECT, related_name="nurture_enrollments"
    )
    sequence = models.ForeignKey(Sequence, on_delete=models.PROTECT, related_name="enrollments")
    state = models.CharField(
        max_length=16, choices=EnrollmentState.choices, default=EnrollmentState.ACTIVE
    )
    step = models.PositiveIntegerField(default=0)
    next_touch_at = models.DateTimeField(null=True, blank=True)
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    left_reason = models.CharField(max_length=16, choices=LeaveReason.choices, blank=True)
    #: When the lead last responded while in this sequence (the queue's "responded" mark).
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-entered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"],
                condition=Q(state="active"),
                name="nurture_one_active_enrollment",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_touch_at"],
                condition=Q(state="active"),
                name="nurture_enrollment_due",
            ),
            models.Index(fields=["sequence", "state"], name="nurture_enrollment_sequence"),
        ]

    def __str__(self) -> str:
        return f"lead #{self.lead_id} in sequence #{self.sequence_id} ({self.state})"


class TouchSent(models.Model):
    """A touch done for an enrollment, with a copy of what went out (edits of the sequence
    change only touches not yet done). ``skipped`` says why nothing went out (no consent, no
    address); ``links`` are the original URLs of the tracked links, in order."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="sent")
    touch = models.ForeignKey(
        Touch, null=True, blank=True, on_delete=models.SET_NULL, related_name="sent"
    )
    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=TouchKind.choices)
    position = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField()
    done_at = models.DateTimeField()
    outbox_key = models.CharField(max_length=200, blank=True)
    to_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    links: models.JSONField[list[str]] = models.JSONField(default=list, blank=True)
    skipped = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["done_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "touch"], name="nurture_touch_once"),
        ]
        indexes = [
            models.Index(fields=["lead", "done_at"], name="nurture_sent_lead"),
            models.Index(fields=["to_address", "done_at"], name="nurture_sent_address"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for lead #{self.lead_id} at {self.done_at:%Y-%m-%d %H:%M}"


class MailingListEntry(models.Model):
    """A lead on its program's mailing list for a direct-mail touch, with the postal address
    as it was when the touch fell due; ``exported_at`` once marketing exported it for the mail
    house."""

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="+")
    sent = models.OneToOneField(TouchSent, on_delete=models.PROTECT, related_name="mailing")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=200, blank=True)
    company = models.CharField(max_length=200, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=16, blank=True)
    subdivision = models.CharField(max_length=8, blank=True)
    country = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField()
    exported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "mailing list entries"
        indexes = [
            models.Index(fields=["program", "exported_at"], name="nurture_mailing_export"),
        ]

    def __str__(self) -> str:
        return f"mailing entry for lead #{self.lead_id}"


class CallTask(models.Model):
    """A telesales call a sequence asks for: in the qualifiers' queue from ``due_at`` until
    someone records it done."""

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="+")
    sent = models.OneToOneField(TouchSent, on_delete=models.PROTECT, related_name="call_task")
    due_at = models.DateTimeField()
    script = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["program", "due_at"],
                condition=Q(done_at__isnull=True),
                name="nurture_call_open",
            ),
        ]

    def __str__(self) -> str:
        return f"call lead #{self.lead_id} from {self.due_at:%Y-%m-%d}"


class EngagementKind(models.TextChoices):
    """The kinds of engagement event the criteria's point rules name (``source: engagement``,
    ``key``): the defaults score ``email_click``, ``form_fill`` and ``reply``."""

    EMAIL_CLICK = "email_click", "Clicked a link"
    REPLY = "reply", "Replied"
    PHONE = "phone", "Responded by phone"
    FORM_FILL = "form_fill", "Filled in a form"


class Engagement(models.Model):
    """One response of a lead; the qualification adds the program's points for its kind,
    decayed with the program's half-life from ``at``."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=EngagementKind.choices)
    at = models.DateTimeField()
    sent = models.ForeignKey(
        TouchSent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    details: models.JSONField[dict[str, Any]] = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["lead", "at"], name="nurture_engagement_lead")]

    def __str__(self) -> str:
        return f"{self.kind} by lead #{self.lead_id} at {self.at:%Y-%m-%d %H:%M}"
