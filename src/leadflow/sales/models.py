"""The sales follow-up: tasks, sales kits, assessments, demos, proposals and references
(DESIGN.md, "Nurture and follow-up"; issue 15).

Once an inquiry is in hand, inside and field sales work it through ``Task`` rows (a call, the
sales kit, a follow-up …, each with an owner, a due time and a reminder), created by the
program's inquiry flow (``SalesSettings.task_flow``) or by hand. A ``SalesKit`` is a program's
e-mail with attached documents; an ``Assessment`` tracks a needs assessment sent to the
prospect; a ``Demo`` (remote or on site) has participants who receive RFC 5545 invitations
(``uid`` stable, ``sequence`` raised on every reschedule); a ``Proposal`` goes out only once
every approval step of the program is approved; a client's ``Reference`` customers are used on
proposals, each use recorded. Files live in the default storage under ``sales/`` with names
nobody can guess and are served only through the app's views, after a scope check.
"""

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


def _random_name(prefix: str, filename: str) -> str:
    extension = filename[filename.rfind(".") :].lower() if "." in filename else ""
    return f"sales/{prefix}/{secrets.token_hex(12)}{extension[:10]}"


def kit_document_path(instance: "SalesKitDocument", filename: str) -> str:
    return _random_name(f"kits/{instance.kit_id}", filename)


def assessment_document_path(instance: "Assessment", filename: str) -> str:
    return _random_name(f"assessments/{instance.lead_id}", filename)


def questionnaire_path(instance: "Demo", filename: str) -> str:
    return _random_name(f"demos/{instance.lead_id}", filename)


def proposal_document_path(instance: "ProposalDocument", filename: str) -> str:
    return _random_name(f"proposals/{instance.proposal_id}", filename)


def new_demo_uid() -> str:
    return f"{uuid.uuid4()}@leadflow"


# --- Settings ---------------------------------------------------------------------------------


class TaskKind(models.TextChoices):
    PREQUALIFY_CALL = "prequalify_call", "Pre-qualify call"
    SEND_SALES_KIT = "send_sales_kit", "Send the sales kit"
    FOLLOW_UP_CALL = "follow_up_call", "Follow-up call"
    ASSESSMENT_FOLLOW_UP = "assessment_follow_up", "Assessment follow-up"
    DEMO_PREPARATION = "demo_preparation", "Demo preparation"
    PROPOSAL_FOLLOW_UP = "proposal_follow_up", "Proposal follow-up"
    OTHER = "other", "Other"


def default_task_flow() -> dict[str, list[dict[str, Any]]]:
    """The inquiry flow of the lead-management program, by inquiry type: which tasks a lead
    gets when sales take it up, each ``after_working_days`` after the previous one (the first
    after the start). An assessment request's follow-ups come from the prospect's own
    completion date (the assessment), a demo's preparation from the demo."""
    return {
        "information_request": [
            {"kind": "prequalify_call", "after_working_days": 0},
            {"kind": "send_sales_kit", "after_working_days": 0},
            {"kind": "follow_up_call", "after_working_days": 3},
        ],
        "needs_assessment_request": [
            {"kind": "prequalify_call", "after_working_days": 0},
            {"kind": "send_sales_kit", "after_working_days": 0},
        ],
        "demo_request": [
            {"kind": "demo_preparation", "after_working_days": 0},
        ],
        "demo_and_proposal_request": [
            {"kind": "demo_preparation", "after_working_days": 0},
            {"kind": "proposal_follow_up", "after_working_days": 5},
        ],
    }


def default_approval_steps() -> list[dict[str, Any]]:
    """Who signs a proposal off before it goes out: each step names the users (ids) or the
    role that may give it."""
    return [
        {"name": "VP Sales and Marketing", "role": "manager", "users": []},
        {"name": "Finance", "role": "manager", "users": []},
        {"name": "Technical", "role": "manager", "users": []},
    ]


class SalesSettings(models.Model):
    """A program's sales settings; a program without a row uses the defaults."""

    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    task_flow: models.JSONField[dict[str, list[dict[str, Any]]]] = models.JSONField(
        default=default_task_flow,
        blank=True,
        help_text="Inquiry type → the tasks a lead gets, in order: "
        '[{"kind": "prequalify_call", "after_working_days": 0}, …]',
    )
    demo_min_lead_days = models.PositiveIntegerField(
        default=14, help_text="Days an on-site demo must be booked ahead at least"
    )
    reference_uses_per_quarter = models.PositiveIntegerField(
        default=2,
        help_text="Uses of one reference customer per calendar quarter before it "
        "is flagged as over-asked",
    )
    approval_steps: models.JSONField[list[dict[str, Any]]] = models.JSONField(
        default=default_approval_steps,
        blank=True,
        help_text='The proposal approval steps: [{"name": "Finance", "users": [ids], '
        '"role": "manager"}, …]; a step names its users, or a role, or both',
    )
    remind_minutes_before = models.PositiveIntegerField(
        default=30, help_text="How long before a task's due time its owner is reminded"
    )
    task_hour = models.PositiveSmallIntegerField(
        default=10, help_text="Hour of the working day (program's timezone) a flow task is due"
    )
    subdivision = models.CharField(
        max_length=8,
        blank=True,
        help_text="State or province whose public holidays the due dates skip",
    )

    class Meta:
        verbose_name_plural = "sales settings"

    def __str__(self) -> str:
        return f"sales settings of program #{self.program_id}"


# --- Tasks ------------------------------------------------------------------------------------


class TaskState(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Task(models.Model):
    """Something a salesperson does for a lead by a due time. ``flow_step``: the inquiry
    flow's key of the step that created it ("" for a task made by hand), unique per lead so
    that the flow never creates a step twice. ``remind_at``: when the owner is e-mailed
    (``reminded_at`` once done)."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="sales_tasks")
    kind = models.CharField(max_length=24, choices=TaskKind.choices)
    title = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sales_tasks"
    )
    due_at = models.DateTimeField()
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=TaskState.choices, default=TaskState.OPEN)
    outcome = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    flow_step = models.CharField(max_length=40, blank=True)
    demo = models.ForeignKey(
        "Demo", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    proposal = models.ForeignKey(
        "Proposal", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    assessment = models.ForeignKey(
        "Assessment", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "flow_step"],
                condition=~Q(flow_step=""),
                name="sales_task_flow_step_once",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "state", "due_at"], name="sales_task_owner_due"),
            models.Index(fields=["lead", "state"], name="sales_task_lead"),
            models.Index(
                fields=["remind_at"],
                condition=Q(state="open", reminded_at__isnull=True),
                name="sales_task_remind_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for lead #{self.lead_id} ({self.state})"


class CalendarFeed(models.Model):
    """A user's private iCalendar feed of their open tasks: ``/sales/feed/<token>.ics``.
    Revoking sets ``revoked_at``; a new feed replaces the token (old URLs stop working)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sales_calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"calendar feed of user #{self.user_id}"


# --- Sales kits -------------------------------------------------------------------------------


class SalesKit(models.Model):
    """A program's sales kit: an e-mail (subject and body are templates with the lead's merge
    fields) with documents attached. ``is_marketing``: sent only to a contact whose e-mail
    consent allows marketing."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, related_name="sales_kits"
    )
    name = models.CharField(max_length=200)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    is_marketing = models.BooleanField(default=True)
    is_assessment = models.BooleanField(
        default=False, help_text="The needs-assessment kit (sent for an assessment request)"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["program", "name", "id"]

    def __str__(self) -> str:
        return self.name


class SalesKitDocument(models.Model):
    """A document attached to a kit; ``content_type`` is read from the file's content."""

    kit = models.ForeignKey(SalesKit, on_delete=models.CASCADE, related_name="documents")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    file = models.FileField(upload_to=kit_document_path, max_length=200)
    size = models.PositiveBigIntegerField(help_text="Bytes")
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["kit", "filename", "id"]

    def __str__(self) -> str:
        return self.filename


class KitSent(models.Model):
    """A kit sent to a lead (or skipped, with why): what went out and its outbox key."""

    kit = models.ForeignKey(SalesKit, on_delete=models.PROTECT, related_name="sent")
    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="sales_kits_sent")
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_address = models.CharField(max_length=254, blank=True)
    outbox_key = models.CharField(max_length=200, blank=True)
    skipped = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["lead", "sent_at"], name="sales_kitsent_lead")]

    def __str__(self) -> str:
        return f"kit #{self.kit_id} to lead #{self.lead_id}"


# --- Assessments ------------------------------------------------------------------------------


class AssessmentState(models.TextChoices):
    SENT = "sent", "Sent"
    IN_PROGRESS = "in_progress", "In progress"
    RETURNED = "returned", "Returned"
    NOT_COMPLETED = "not_completed", "Not completed"


class AssessmentOutcome(models.TextChoices):
    REMOTE_DEMO = "remote_demo", "Meets 2 of BANT: offer a remote demo"
    FIELD_SALES = "field_sales", "Meets 3 or 4 of BANT: hand to field sales or a partner"
    DEAD_FILE = "dead_file", "No interest: dead file"


class Assessment(models.Model):
    """A needs assessment sent to the prospect. ``completion_date``: the prospect's own date
    for returning it (follow-up calls are due then); ``document``: the returned assessment."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="assessments")
    state = models.CharField(
        max_length=16, choices=AssessmentState.choices, default=AssessmentState.SENT
    )
    sent_at = models.DateTimeField()
    completion_date = models.DateField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    document = models.FileField(
        upload_to=assessment_document_path, max_length=200, null=True, blank=True
    )
    document_name = models.CharField(max_length=200, blank=True)
    document_type = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=16, choices=AssessmentOutcome.choices, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"assessment of lead #{self.lead_id} ({self.state})"


# --- Demos ------------------------------------------------------------------------------------


class DemoKind(models.TextChoices):
    REMOTE = "remote", "Remote"
    ON_SITE = "on_site", "On site"


class DemoState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class DemoNextStep(models.TextChoices):
    PROPOSAL = "proposal", "Proposal"
    HANDS_ON_DEMO = "hands_on_demo", "Hands-on demo"
    REFERENCES = "references", "References"
    LOST = "lost", "Lost"


class Demo(models.Model):
    """A remote or on-site demo. ``starts_at``/``ends_at`` are instants (UTC in the database);
    ``timezone`` the IANA zone they were given in and the invitation shows. ``uid`` is the
    invitation's stable RFC 5545 UID; ``sequence`` grows by one on every reschedule (and on
    the cancellation)."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="demos")
    kind = models.CharField(max_length=16, choices=DemoKind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    timezone = models.CharField(max_length=64, default="UTC")
    location = models.CharField(max_length=300, blank=True)
    meeting_url = models.URLField(max_length=500, blank=True)
    objectives = models.TextField(blank=True)
    questionnaire = models.FileField(
        upload_to=questionnaire_path, max_length=200, null=True, blank=True
    )
    questionnaire_name = models.CharField(max_length=200, blank=True)
    questionnaire_type = models.CharField(max_length=100, blank=True)
    uid = models.CharField(max_length=100, unique=True, default=new_demo_uid)
    sequence = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=16, choices=DemoState.choices, default=DemoState.SCHEDULED)
    outcome = models.TextField(blank=True)
    next_step = models.CharField(max_length=16, choices=DemoNextStep.choices, blank=True)
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["lead", "starts_at"], name="sales_demo_lead"),
            models.Index(fields=["state", "starts_at"], name="sales_demo_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} demo for lead #{self.lead_id}"


class ParticipantRole(models.TextChoices):
    INTERNAL = "internal", "Our team"
    PARTNER = "partner", "Partner"
    PROSPECT = "prospect", "Prospect"


class DemoParticipant(models.Model):
    demo = models.ForeignKey(Demo, on_delete=models.CASCADE, related_name="participants")
    email = models.CharField(max_length=254)
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField(
        max_length=16, choices=ParticipantRole.choices, default=ParticipantRole.PROSPECT
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["demo", "id"]
        constraints = [
            models.UniqueConstraint(fields=["demo", "email"], name="sales_demo_participant_once"),
        ]

    def __str__(self) -> str:
        return self.email


# --- Proposals --------------------------------------------------------------------------------


class ProposalState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Proposal(models.Model):
    """A proposal to a prospect: it may be marked sent only once every approval step of the
    program (``SalesSettings.approval_steps``) has a standing ``approved`` decision."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(max_length=200, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217")
    due_date = models.DateField(null=True, blank=True)
    state = models.CharField(
        max_length=16, choices=ProposalState.choices, default=ProposalState.DRAFT
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    won_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    lost_reason = models.CharField(max_length=300, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "state"], name="sales_proposal_lead"),
            models.Index(fields=["state", "closed_at"], name="sales_proposal_closed"),
        ]

    def __str__(self) -> str:
        return f"proposal #{self.pk} for lead #{self.lead_id} ({self.state})"


class ProposalDocument(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="documents")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    file = models.FileField(upload_to=proposal_document_path, max_length=200)
    size = models.PositiveBigIntegerField(help_text="Bytes")
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["proposal", "filename", "id"]

    def __str__(self) -> str:
        return self.filename


class ProposalApproval(models.Model):
    """The standing decision of one approval step on a proposal (one row per step; a later
    decision replaces it, the lead's history keeps every decision)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="approvals")
    step = models.CharField(max_length=100)
    decision = models.CharField(max_length=16, choices=ApprovalDecision.choices)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["proposal", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "step"], name="sales_approval_step_once"),
        ]

    def __str__(self) -> str:
        return f"{self.step}: {self.decision}"


# --- References -------------------------------------------------------------------------------


class Reference(models.Model):
    """A client's reference customer, willing to be called by prospects until
    ``willing_until``. ``products``: comma-separated product names (searched by contains)."""

    client = models.ForeignKey(
        "programs.Client", on_delete=models.PROTECT, related_name="sales_references"
    )
    customer = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.CharField(max_length=254, blank=True)
    contact_phone = models.CharField(max_length=32, blank=True)
    products = models.CharField(max_length=500, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    willing_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["client", "customer", "id"]
        indexes = [
            models.Index(fields=["client", "industry"], name="sales_reference_industry"),
        ]

    def __str__(self) -> str:
        return self.customer


class ReferenceUse(models.Model):
    reference = models.ForeignKey(Reference, on_delete=models.PROTECT, related_name="uses")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="reference_uses")
    used_at = models.DateTimeField()
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-used_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "proposal"], name="sales_reference_use_once"
            ),
        ]
        indexes = [models.Index(fields=["reference", "used_at"], name="sales_reference_use_at")]

    def __str__(self) -> str:
        return f"reference #{self.reference_id} on proposal #{self.proposal_id}"
