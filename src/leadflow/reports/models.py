"""The summary tables of the reports, kept current from the leads' history.

Each row is derived from a lead's ``LeadEvent`` history (and, for won amounts, its proposals)
by ``services.refresh``; none holds a fact the history does not, so all of them can be
dropped and rebuilt (``leadflow report_rebuild``). A lead whose history grew is listed in
``PendingLead`` inside the same transaction (the ``leads.history_recorded`` subscription), and
the refresh folds the listed leads in, in chunks, one read and one write per chunk.
"""

from django.conf import settings
from django.db import models


class PendingLead(models.Model):
    """A lead whose history grew since its summary rows were last computed: one row per
    write (never merged with another), so a row is seen only once its write has committed."""

    lead_id = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return f"lead {self.lead_id} pending"


class RefreshLock(models.Model):
    """The one row a refresh locks: refreshes run one at a time."""

    name = models.CharField(max_length=20, primary_key=True)

    def __str__(self) -> str:
        return self.name


class LeadFact(models.Model):
    """One lead as the reports see it: its cohort, its source, and when it first reached each
    step of the funnel (``None``: never)."""

    lead = models.OneToOneField(
        "leads.Lead", on_delete=models.CASCADE, primary_key=True, related_name="report_fact"
    )
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("programs.Client", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    channel = models.CharField(max_length=24)
    campaign = models.CharField(max_length=100, blank=True)
    inquiry_type = models.CharField(max_length=40, blank=True)
    rating = models.CharField(max_length=8, blank=True)
    criteria_version = models.PositiveIntegerField(null=True)
    status = models.CharField(max_length=16)
    status_since = models.DateTimeField()
    lead_at = models.DateTimeField(null=True)
    opportunity_at = models.DateTimeField(null=True)
    qualified_at = models.DateTimeField(null=True)
    approved_at = models.DateTimeField(null=True)
    handed_off_at = models.DateTimeField(null=True)
    won_at = models.DateTimeField(null=True)
    lost_at = models.DateTimeField(null=True)
    nurtured_at = models.DateTimeField(null=True)
    submitted_at = models.DateTimeField(null=True)
    first_call_at = models.DateTimeField(null=True)
    #: Seconds from capture to the first call and to the first submission (stored, so that
    #: their medians order a number).
    first_call_seconds = models.FloatField(null=True)
    submission_seconds = models.FloatField(null=True)
    calls = models.PositiveIntegerField(default=0)
    submissions = models.PositiveIntegerField(default=0)
    pushbacks = models.PositiveIntegerField(default=0)
    qualifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    won_amount = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    won_currency = models.CharField(max_length=3, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["program", "created_at"], name="fact_program_created"),
            models.Index(fields=["client", "created_at"], name="fact_client_created"),
        ]

    def __str__(self) -> str:
        return f"facts of lead {self.lead_id}"


class ReviewDecision(models.Model):
    """One QA decision on a submitted lead (approve or push back), with the qualifier who
    submitted it that time."""

    event_id = models.BigIntegerField(primary_key=True)
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    lead_created_at = models.DateTimeField()
    qualifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField()
    approved = models.BooleanField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["program", "lead_created_at"], name="review_program_created")
        ]

    def __str__(self) -> str:
        return f"decision {self.event_id} on lead {self.lead_id}"


class StatusSpan(models.Model):
    """A stretch of time a lead spent in one lifecycle status (``left_at`` ``None``: still)."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    lead_created_at = models.DateTimeField()
    status = models.CharField(max_length=16)
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True)
    seconds = models.FloatField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["program", "lead_created_at"], name="span_program_created"),
            models.Index(fields=["lead"], name="span_lead"),
        ]

    def __str__(self) -> str:
        return f"lead {self.lead_id} {self.status} from {self.entered_at:%Y-%m-%d}"


class RatingMark(models.Model):
    """The rating a lead last had under one criteria version (the rating mix per version)."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    lead_created_at = models.DateTimeField()
    criteria_version = models.PositiveIntegerField()
    rating = models.CharField(max_length=8, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "criteria_version"], name="mark_lead_version")
        ]
        indexes = [models.Index(fields=["program", "lead_created_at"], name="mark_program_created")]

    def __str__(self) -> str:
        return f"lead {self.lead_id} v{self.criteria_version}: {self.rating}"


class MailKind(models.TextChoices):
    WEEKLY = "weekly", "Weekly summary (programs you manage)"
    MONTHLY = "monthly", "Monthly deliverables statement (your programs)"


class MailOptOut(models.Model):
    """A recipient who turned one scheduled report e-mail off."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_opt_outs"
    )
    kind = models.CharField(max_length=16, choices=MailKind.choices)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="report_opt_out_once")]

    def __str__(self) -> str:
        return f"{self.user_id} off {self.kind}"


class MailSent(models.Model):
    """One scheduled report e-mail queued in the outbox: one per recipient, kind and period."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=MailKind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    at = models.DateTimeField()
    outbox_key = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "period_start"], name="report_mail_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period_start} to {self.user_id}"
