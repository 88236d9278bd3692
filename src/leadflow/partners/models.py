"""Partners, their territories and members, the programs' SLA policies, and the record of every
assignment of a lead to a partner with its clocks, declines and violations (DESIGN.md,
"Partner routing" and "Follow-up SLA")."""

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from leadflow.core.routing import DEFAULT_CAPACITY
from leadflow.core.sla import (
    DEFAULT_TERMS,
    QUEUE_LIMIT_MAX_HOT_HOURS,
    QUEUE_LIMIT_MAX_WORKING_DAYS,
    ClockName,
)

# --- the lists a partner's user picks from -----------------------------------------------------

DECLINE_REASONS: list[tuple[str, str]] = [
    ("outside_territory", "Outside our territory"),
    ("no_capacity", "No capacity right now"),
    ("not_our_market", "Not our market or product line"),
    ("existing_customer", "Already a customer of another partner"),
    ("conflict_of_interest", "Conflict of interest"),
    ("bad_data", "Contact details wrong or incomplete"),
    ("other", "Other (see note)"),
]
CONTACT_CHANNELS: list[tuple[str, str]] = [
    ("phone", "Phone"),
    ("email", "E-mail"),
    ("meeting", "Meeting"),
    ("video", "Video call"),
    ("other", "Other"),
]
OUTCOMES: list[tuple[str, str]] = [
    ("won", "Won"),
    ("lost", "Lost"),
    ("not_reached", "Not reached"),
    ("nurture", "Not ready: back to nurture"),
]
LOST_REASONS: list[tuple[str, str]] = [
    ("price", "Price"),
    ("competitor", "Chose a competitor"),
    ("no_budget", "No budget"),
    ("no_decision", "No decision / project cancelled"),
    ("timing", "Timing"),
    ("product_fit", "Product does not fit"),
    ("other", "Other (see note)"),
]


class PartnerType(models.TextChoices):
    RESELLER = "reseller", "Reseller"
    SOLUTION_PROVIDER = "solution_provider", "Solution provider"
    FIELD_SALES_EXECUTIVE = "field_sales_executive", "Field sales executive"
    AGENCY = "agency", "Agency"


class NotifyFormat(models.TextChoices):
    CSV = "csv", "E-mail with the lead as CSV"
    PDF = "pdf", "E-mail with the lead as PDF"
    LINK = "link", "E-mail with a link to the portal"


class Outcome(models.TextChoices):
    WON = "won", "Won"
    LOST = "lost", "Lost"
    NOT_REACHED = "not_reached", "Not reached"
    NURTURE = "nurture", "Not ready: back to nurture"


class EndReason(models.TextChoices):
    DECLINED = "declined", "Declined"
    VIOLATION = "violation", "Clock missed"
    REASSIGNED = "reassigned", "Reassigned by a manager"
    OUTCOME = "outcome", "Outcome recorded"


def default_program_levels() -> list[str]:
    return ["platinum", "gold", "silver", "registered"]


def default_certification_levels() -> list[str]:
    return ["expert", "professional", "associate", "none"]


class PartnerLevels(models.Model):
    """A client's ordered program and certification levels, best first. Routing ranks partners
    by their position in these lists; a client without a row uses the defaults."""

    client = models.OneToOneField(
        "programs.Client", on_delete=models.CASCADE, related_name="partner_levels"
    )
    program_levels: models.JSONField[list[str]] = models.JSONField(
        default=default_program_levels, help_text="Partner program levels, best first"
    )
    certification_levels: models.JSONField[list[str]] = models.JSONField(
        default=default_certification_levels, help_text="Certification levels, best first"
    )

    class Meta:
        verbose_name_plural = "partner levels"

    def __str__(self) -> str:
        return f"levels of {self.client}"


class Partner(models.Model):
    """A reseller, solution provider, field sales executive or agency that receives leads of
    its client's partner programs."""

    client = models.ForeignKey("programs.Client", on_delete=models.PROTECT, related_name="partners")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    type = models.CharField(
        max_length=24, choices=PartnerType.choices, default=PartnerType.RESELLER
    )
    program_level = models.CharField(max_length=40, blank=True)
    certification_level = models.CharField(max_length=40, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, for holidays")
    subdivision = models.CharField(
        max_length=8, blank=True, help_text="ISO 3166-2 code part, for regional holidays"
    )
    capacity = models.PositiveSmallIntegerField(
        default=DEFAULT_CAPACITY, help_text="Most open leads (assigned, no outcome) at a time"
    )
    flow_enabled = models.BooleanField(
        default=True, help_text="Off after too many SLA violations until a manager re-enables it"
    )
    is_active = models.BooleanField(default=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_partners",
        help_text="The partner manager, warned of violations",
    )
    notify_format = models.CharField(
        max_length=8, choices=NotifyFormat.choices, default=NotifyFormat.CSV
    )
    email = models.CharField(
        max_length=254, blank=True, help_text="Shared inbox, copied on notifications"
    )
    flow_enabled_at = models.DateTimeField(
        null=True, blank=True, help_text="Last re-enabled by a manager: violations count from it"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "slug"], name="partner_slug_unique_per_client"
            )
        ]
        indexes = [
            models.Index(fields=["client", "is_active", "flow_enabled"], name="partner_client_flow")
        ]

    def __str__(self) -> str:
        return self.name


class PartnerMember(models.Model):
    """A user who works the partner's leads in the portal (one partner per user)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="members")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_membership"
    )

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner}"


class Territory(models.Model):
    """Where a partner sells: a country, optionally a subdivision, optionally a postal prefix."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="territories")
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    subdivision = models.CharField(max_length=8, blank=True)
    postal_prefix = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name_plural = "territories"
        indexes = [models.Index(fields=["country", "subdivision"], name="territory_place")]

    def __str__(self) -> str:
        place = self.country + (f"-{self.subdivision}" if self.subdivision else "")
        return place + (f" {self.postal_prefix}*" if self.postal_prefix else "")


class SlaPolicy(models.Model):
    """A program's follow-up SLA; a program without one uses DESIGN.md's defaults."""

    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, related_name="sla_policy"
    )
    claim_days = models.PositiveSmallIntegerField(default=DEFAULT_TERMS.claim_days)
    contact_days_hot = models.PositiveSmallIntegerField(default=DEFAULT_TERMS.contact_days_hot)
    contact_days_a = models.PositiveSmallIntegerField(default=DEFAULT_TERMS.contact_days_a)
    contact_days_b = models.PositiveSmallIntegerField(default=DEFAULT_TERMS.contact_days_b)
    followup_days = models.PositiveSmallIntegerField(default=DEFAULT_TERMS.followup_days)
    violation_threshold = models.PositiveSmallIntegerField(
        default=DEFAULT_TERMS.violation_threshold
    )
    violation_window_days = models.PositiveSmallIntegerField(
        default=DEFAULT_TERMS.violation_window_days
    )
    queue_limit_hot_hours = models.PositiveSmallIntegerField(
        default=DEFAULT_TERMS.queue_limit_hot_hours,
        validators=[MinValueValidator(1), MaxValueValidator(QUEUE_LIMIT_MAX_HOT_HOURS)],
        help_text="Hours a Hot lead may wait in the routing queue before managers are alerted.",
    )
    queue_limit_working_days = models.PositiveSmallIntegerField(
        default=DEFAULT_TERMS.queue_limit_working_days,
        validators=[MinValueValidator(1), MaxValueValidator(QUEUE_LIMIT_MAX_WORKING_DAYS)],
        help_text="Working days other leads may wait in the routing queue before managers are "
        "alerted (1: until the end of the next working day).",
    )

    class Meta:
        verbose_name_plural = "SLA policies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    queue_limit_hot_hours__gte=1,
                    queue_limit_hot_hours__lte=QUEUE_LIMIT_MAX_HOT_HOURS,
                    queue_limit_working_days__gte=1,
                    queue_limit_working_days__lte=QUEUE_LIMIT_MAX_WORKING_DAYS,
                ),
                name="partners_sla_queue_limits_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"SLA of {self.program}"


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def active(self) -> "AssignmentQuerySet":
        """The partner holds the lead now (and sees it)."""
        return self.filter(ended_at__isnull=True)

    def open(self) -> "AssignmentQuerySet":
        """Held and no outcome recorded: what counts against capacity."""
        return self.filter(ended_at__isnull=True, outcome="")


class Assignment(models.Model):
    """One hand-off of a lead to a partner, with its clocks.

    Active while ``ended_at`` is null: the partner sees the lead only then. A lead has at most
    one active assignment (a partial unique constraint). ``next_due`` is the earliest clock
    still running (null when none is): the sweep reads only the rows whose ``next_due`` has
    passed, through a partial index, so its cost follows the overdue leads, not all leads.
    """

    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="assignments")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="assignments")
    rating = models.CharField(max_length=4, help_text="The lead's rating when assigned")
    assigned_at = models.DateTimeField()
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claim_due = models.DateTimeField()
    contact_due = models.DateTimeField()
    followup_due = models.DateTimeField(null=True, blank=True)
    next_due = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_at = models.DateTimeField(
        null=True, blank=True, help_text="When the first contact took place, as recorded"
    )
    contacted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the first contact was recorded in LeadFlow"
    )
    contact_channel = models.CharField(max_length=16, choices=CONTACT_CHANNELS, blank=True)
    contact_note = models.TextField(blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    outcome_reason = models.CharField(max_length=32, blank=True)
    outcome_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the outcome was recorded"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)
    routing: models.JSONField[dict[str, Any]] = models.JSONField(
        default=dict, blank=True, help_text="Why this partner was chosen (core.routing)"
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"],
                condition=models.Q(ended_at__isnull=True),
                name="assignment_one_active_per_lead",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_due"],
                condition=models.Q(next_due__isnull=False),
                name="assignment_due",
            ),
            models.Index(
                fields=["partner", "outcome"],
                condition=models.Q(ended_at__isnull=True),
                name="assignment_partner_active",
            ),
            models.Index(fields=["partner", "assigned_at"], name="assignment_partner_received"),
            models.Index(fields=["lead", "partner"], name="assignment_lead_partner"),
        ]

    def __str__(self) -> str:
        return f"lead #{self.lead_id} → partner #{self.partner_id} ({self.assigned_at:%Y-%m-%d})"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class Violation(models.Model):
    """A missed clock: the lead was taken from the partner."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="violations")
    assignment = models.OneToOneField(
        Assignment, on_delete=models.PROTECT, related_name="violation"
    )
    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="+")
    clock = models.CharField(max_length=16, choices=[(c.value, c.label) for c in ClockName])
    due = models.DateTimeField()
    detected_at = models.DateTimeField()
    consequence = models.CharField(
        max_length=16,
        choices=[
            ("warning", "Warning"),
            ("recorded", "Recorded"),
            ("flow_disabled", "Lead flow disabled"),
        ],
    )

    class Meta:
        ordering = ["-detected_at", "-id"]
        indexes = [models.Index(fields=["partner", "detected_at"], name="violation_partner_at")]

    def __str__(self) -> str:
        return f"{self.clock} missed on lead #{self.lead_id} by partner #{self.partner_id}"


class Decline(models.Model):
    """A partner declined a lead (no violation; counted in its record)."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="declines")
    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="decline")
    reason = models.CharField(max_length=32, choices=DECLINE_REASONS)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["partner", "at"], name="decline_partner_at")]

    def __str__(self) -> str:
        return f"partner #{self.partner_id} declined assignment #{self.assignment_id}"


class FlowChange(models.Model):
    """The partner's lead flow was disabled (by the sweep, at the threshold) or re-enabled
    (by a manager, with a note)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="flow_changes")
    enabled = models.BooleanField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"partner #{self.partner_id} flow {'enabled' if self.enabled else 'disabled'}"


class RoutingQueueEntry(models.Model):
    """An approved lead of a partner program that no partner could take: it waits here and is
    routed as soon as a partner frees up, Hot before A before B, oldest first within each."""

    lead = models.OneToOneField(
        "leads.Lead", on_delete=models.CASCADE, related_name="routing_queue_entry"
    )
    client = models.ForeignKey("programs.Client", on_delete=models.CASCADE, related_name="+")
    rating_rank = models.PositiveSmallIntegerField(help_text="0 Hot, 1 A, 2 B")
    queued_at = models.DateTimeField()
    reason = models.TextField(blank=True, help_text="Why no partner could take it")

    class Meta:
        ordering = ["rating_rank", "queued_at", "id"]
        verbose_name_plural = "routing queue"
        indexes = [
            models.Index(fields=["client", "rating_rank", "queued_at", "id"], name="routing_queue")
        ]

    def __str__(self) -> str:
        return f"lead #{self.lead_id} waiting since {self.queued_at:%Y-%m-%d %H:%M}"


# --- deal registration (issue 20, item 4) -------------------------------------------------------

#: How long an accepted registration keeps the prospect for the registering partner.
DEFAULT_PROTECTION_DAYS = 90


class RegistrationTerms(models.Model):
    """A partner program's deal-registration terms; a program without a row has the defaults
    (90 days of protection, no manager approval)."""

    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, related_name="registration_terms"
    )
    protection_days = models.PositiveSmallIntegerField(
        default=DEFAULT_PROTECTION_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="Days an accepted registration keeps the prospect for its partner",
    )
    approval_required = models.BooleanField(
        default=False, help_text="A manager approves or rejects each registration first"
    )

    def __str__(self) -> str:
        return f"Registration terms of {self.program}"


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a manager's decision"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected by a manager"
    REFUSED = "refused", "Refused: the prospect is already known"


class Registration(models.Model):
    """A prospect a partner (or field sales executive) found itself and registered. A refused
    one keeps the lead it matched for the managers (``lead``), never shown to the partner."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="registrations")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField()
    company = models.CharField(max_length=200, blank=True)
    contact = models.CharField(max_length=300, blank=True, help_text="The person, as registered")
    note = models.TextField(blank=True, help_text="The partner's words about the opportunity")
    status = models.CharField(max_length=16, choices=RegistrationStatus.choices)
    reason = models.TextField(blank=True, help_text="Why refused, or the manager's words")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    protected_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["partner", "-registered_at"], name="partners_reg_partner"),
            models.Index(fields=["program", "status"], name="partners_reg_status"),
            models.Index(fields=["lead"], name="partners_reg_lead"),
        ]

    def __str__(self) -> str:
        return f"Registration of {self.company or self.contact} by {self.partner}"

    def protected(self, now: Any) -> bool:
        return (
            self.status == RegistrationStatus.ACCEPTED
            and self.protected_until is not None
            and self.protected_until > now
        )


# --- the weekly status e-mail (issue 20, item 5) ------------------------------------------------


class StatusMail(models.Model):
    """One holder's weekly status e-mail: which open leads it listed, and whether it was
    answered (a step recorded from one of its links)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="status_mails")
    week = models.DateField(help_text="The Monday of the week, in the partner's timezone")
    sent_at = models.DateTimeField()
    lead_ids: models.JSONField[list[int]] = models.JSONField(default=list)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="partners_status_mail_weekly")
        ]

    def __str__(self) -> str:
        return f"Status e-mail of {self.week} to {self.user}"


class StatusAnswer(models.Model):
    """A step recorded from a status link."""

    mail = models.ForeignKey(
        StatusMail, null=True, blank=True, on_delete=models.SET_NULL, related_name="answers"
    )
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    step = models.CharField(max_length=16)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.step} for lead #{self.lead_id}"
