"""The summary tables of the reports, kept current from the leads' history.

Each row is derived from a lead's ``LeadEvent`` history (and its won proposals, its nurture
touches and responses, its partner assignments, each changed only together with an entry in
that history) by ``services.refresh``; none holds a fact these do not, so all of them can be
dropped and rebuilt (``leadflow report_rebuild``). A lead whose history grew is listed in
``PendingLead`` inside the same transaction (the ``leads.history_recorded`` subscription), and
the refresh folds the listed leads in, in chunks, one read and one write per chunk, then
recomputes the daily rollups of the days those leads are in: the rollups are what the
dashboards read.
"""

from typing import Any

from django.conf import settings
from django.db import models

from leadflow.core.reports import STEP_COUNT

#: The columns of a duration histogram: ``s0`` … one count per step of
#: ``core.reports.STEP_BOUNDS``.
STEP_COLUMNS = tuple(f"s{step}" for step in range(STEP_COUNT))


# The summary rows' references have no database constraint (``db_constraint=False``): Django
# still deletes them with what they refer to, but the database does not check each of the
# millions of rows a rebuild writes against its lead, program, client and qualifier (two
# thirds of a rebuild's time on PostgreSQL); the rows are derived, the history is the truth.


def _program() -> Any:
    """A summary row's program (no index of its own: every table's index starts with it)."""
    return models.ForeignKey(
        "programs.Program",
        related_name="+",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
    )


def _lead() -> Any:
    return models.ForeignKey(
        "leads.Lead", related_name="+", on_delete=models.CASCADE, db_constraint=False
    )


def _qualifier() -> Any:
    """The qualifier a row counts for (none when the user is deleted)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )


def _touch() -> Any:
    """A nurture touch (none once removed from its sequence)."""
    return models.ForeignKey(
        "nurture.Touch",
        null=True,
        related_name="+",
        on_delete=models.SET_NULL,
        db_constraint=False,
    )


def _sequence() -> Any:
    return models.ForeignKey(
        "nurture.Sequence", related_name="+", on_delete=models.CASCADE, db_constraint=False
    )


def _partner() -> Any:
    return models.ForeignKey(
        "partners.Partner", related_name="+", on_delete=models.CASCADE, db_constraint=False
    )


def _summarised(model: str) -> Any:
    """The row a per-lead fact summarises, one fact per row: the fact's primary key."""
    return models.OneToOneField(
        model, on_delete=models.CASCADE, db_constraint=False, primary_key=True, related_name="+"
    )


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
        "leads.Lead",
        on_delete=models.CASCADE,
        db_constraint=False,
        primary_key=True,
        related_name="report_fact",
    )
    program = _program()
    client = models.ForeignKey(
        "programs.Client", related_name="+", on_delete=models.CASCADE, db_constraint=False
    )
    created_at = models.DateTimeField()
    #: The day of ``created_at`` in the client's timezone (the cohort's day).
    created_day = models.DateField()
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
    #: When the delivery that carried the lead to the client was made, and how long after
    #: capture (the Hot clock of the deliverables report).
    delivered_at = models.DateTimeField(null=True)
    delivery_seconds = models.FloatField(null=True)
    #: Seconds from capture to the first call and to the first submission (stored, so that
    #: their medians order a number).
    first_call_seconds = models.FloatField(null=True)
    submission_seconds = models.FloatField(null=True)
    #: Their steps (``core.reports.duration_step``), counted by ``DurationDay``.
    first_call_step = models.PositiveSmallIntegerField(null=True)
    submission_step = models.PositiveSmallIntegerField(null=True)
    calls = models.PositiveIntegerField(default=0)
    submissions = models.PositiveIntegerField(default=0)
    pushbacks = models.PositiveIntegerField(default=0)
    qualifier = _qualifier()
    won_amount = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    won_currency = models.CharField(max_length=3, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["program", "created_at"], name="fact_program_created"),
            models.Index(fields=["client", "created_at"], name="fact_client_created"),
            models.Index(fields=["program", "created_day"], name="fact_program_day"),
        ]

    def __str__(self) -> str:
        return f"facts of lead {self.lead_id}"


class ReviewDecision(models.Model):
    """One QA decision on a submitted lead (approve or push back), with the qualifier who
    submitted it that time."""

    event_id = models.BigIntegerField(primary_key=True)
    lead = _lead()
    program = _program()
    lead_created_at = models.DateTimeField()
    lead_created_day = models.DateField()
    qualifier = _qualifier()
    decided_at = models.DateTimeField()
    approved = models.BooleanField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["program", "lead_created_day"], name="review_program_day")]

    def __str__(self) -> str:
        return f"decision {self.event_id} on lead {self.lead_id}"


class StatusSpan(models.Model):
    """A stretch of time a lead spent in one lifecycle status (``left_at`` ``None``: still)."""

    lead = _lead()
    program = _program()
    lead_created_at = models.DateTimeField()
    lead_created_day = models.DateField()
    status = models.CharField(max_length=16)
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True)
    seconds = models.FloatField(null=True)
    step = models.PositiveSmallIntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["program", "lead_created_day"], name="span_program_day"),
        ]

    def __str__(self) -> str:
        return f"lead {self.lead_id} {self.status} from {self.entered_at:%Y-%m-%d}"


class RatingMark(models.Model):
    """The rating a lead last had under one criteria version (the rating mix per version)."""

    lead = models.ForeignKey(
        "leads.Lead",
        related_name="+",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
    )
    program = _program()
    lead_created_at = models.DateTimeField()
    lead_created_day = models.DateField()
    criteria_version = models.PositiveIntegerField()
    rating = models.CharField(max_length=8, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "criteria_version"], name="mark_lead_version")
        ]
        indexes = [models.Index(fields=["program", "lead_created_day"], name="mark_program_day")]

    def __str__(self) -> str:
        return f"lead {self.lead_id} v{self.criteria_version}: {self.rating}"


class TouchFact(models.Model):
    """A nurture touch done for a lead, as the nurture report counts it: its day (the client's
    day of ``done_at``), sent or skipped, and the lead's responses that answer it by kind
    (``core.reports.responses_attribute``)."""

    touch_sent = _summarised("nurture.TouchSent")
    lead = _lead()
    program = _program()
    day = models.DateField()
    sequence = _sequence()
    touch = _touch()
    skipped = models.BooleanField()
    responded = models.BooleanField()
    clicks = models.PositiveIntegerField()
    replies = models.PositiveIntegerField()
    phone = models.PositiveIntegerField()
    form_fills = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["program", "day"], name="touchfact_program_day")]

    def __str__(self) -> str:
        return f"touch {self.touch_sent_id} on {self.day}"


class EnrollmentFact(models.Model):
    """A lead's time in a nurture sequence, as the nurture report counts it: the client's days
    it entered and left, whether it re-qualified meanwhile, whether it left unsubscribed."""

    enrollment = _summarised("nurture.Enrollment")
    lead = _lead()
    program = _program()
    sequence = _sequence()
    entered_day = models.DateField()
    left_day = models.DateField(null=True)
    requalified = models.BooleanField()
    unsubscribed = models.BooleanField()

    class Meta:
        indexes = [
            models.Index(fields=["program", "entered_day"], name="enrolfact_entered"),
            models.Index(fields=["program", "left_day"], name="enrolfact_left"),
        ]

    def __str__(self) -> str:
        return f"enrollment {self.enrollment_id} from {self.entered_day}"


class RegistrationFact(models.Model):
    """A partner's deal registration, as the partners report counts it: its day (the client's
    day of ``registered_at``), its status, a refusal's class (never who holds the prospect),
    whether a manager approved it, and for an accepted one its lead's outcome (won, lost, or
    still open). Folded with its lead: the captured one, or for a refusal the lead it matched
    (the refusal lists that lead for the refresh)."""

    registration = _summarised("partners.Registration")
    lead = _lead()
    program = _program()
    partner = _partner()
    day = models.DateField()
    status = models.CharField(max_length=16)
    refusal = models.CharField(max_length=16, blank=True)
    approved = models.BooleanField()
    outcome = models.CharField(max_length=8, blank=True)

    class Meta:
        indexes = [models.Index(fields=["program", "day"], name="regfact_program_day")]

    def __str__(self) -> str:
        return f"registration {self.registration_id} on {self.day}"


# --- the daily rollups: what the dashboards read ------------------------------------------
#
# Each row sums one program's leads created on one day (the client's timezone), recomputed
# from the tables above for the days a refresh touched, so a year of a program is at most 365
# rows per breakdown value whatever the number of leads.


class _ProgramDay(models.Model):
    """A rollup row of one program and one day (the client's), read by program and day range
    (``<model>_read``); a rollup read another way names its own index."""

    program = _program()
    day = models.DateField()

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["program", "day"], name="%(class)s_read")]


class FunnelDay(_ProgramDay):
    """The funnel of one program's leads created on one day, for one breakdown value
    (``breakdown`` "" and ``value`` "": all the day's leads)."""

    breakdown = models.CharField(max_length=16, blank=True)
    value = models.CharField(max_length=100, blank=True)
    inquiry = models.PositiveIntegerField()
    lead = models.PositiveIntegerField()
    opportunity = models.PositiveIntegerField()
    qualified_opportunity = models.PositiveIntegerField()
    approved = models.PositiveIntegerField()
    handed_off = models.PositiveIntegerField()
    won = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["breakdown", "program", "day"], name="funnelday_read")]

    def __str__(self) -> str:
        return f"funnel of {self.program_id} on {self.day} {self.breakdown}={self.value}"


class RevenueDay(_ProgramDay):
    """The won revenue of one program's leads created on one day, per breakdown value and
    currency."""

    breakdown = models.CharField(max_length=16, blank=True)
    value = models.CharField(max_length=100, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["breakdown", "program", "day"], name="revenueday_read")]

    def __str__(self) -> str:
        return f"revenue of {self.program_id} on {self.day}: {self.amount} {self.currency}"


class QualifierDay(_ProgramDay):
    """One qualifier's figures for one program's leads created on one day: the leads whose
    qualifier they are and their calls, and the QA decisions on submissions they made."""

    qualifier = _qualifier()
    leads = models.PositiveIntegerField()
    calls = models.PositiveIntegerField()
    decisions = models.PositiveIntegerField()
    approvals = models.PositiveIntegerField()
    pushbacks = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"qualifier {self.qualifier_id} on {self.day}"


class ReasonDay(_ProgramDay):
    """How often one push-back reason was given on one qualifier's submissions of one
    program's leads created on one day."""

    qualifier = _qualifier()
    reason = models.CharField(max_length=200, blank=True)
    count = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.reason!r}: {self.count} on {self.day}"


class RatingDay(_ProgramDay):
    """How many of one program's leads created on one day last had each rating under one
    criteria version."""

    criteria_version = models.PositiveIntegerField()
    rating = models.CharField(max_length=8, blank=True)
    count = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"v{self.criteria_version} {self.rating}: {self.count} on {self.day}"


class DurationMeasure(models.TextChoices):
    FIRST_CALL = "first_call", "Capture to first call"
    SUBMISSION = "submission", "Capture to submission"
    STATUS = "status", "Time in a status"


class DurationDay(_ProgramDay):
    """A histogram of durations of one program's leads created on one day: from capture to
    the first call or to the submission (per qualifier), or the stretches in one status;
    ``count`` values in all, ``s<k>`` of them in step k (``core.reports.STEP_BOUNDS``).

    ``month`` rows add up a calendar month's day rows (``day``: the month's first day): a
    period reads whole months from them and only the days at its ends from day rows, since
    adding up the step columns costs per row read."""

    month = models.BooleanField(default=False)
    measure = models.CharField(max_length=16, choices=DurationMeasure.choices)
    qualifier = _qualifier()
    status = models.CharField(max_length=16, blank=True)
    count = models.PositiveIntegerField()
    # s0 … one count per step: added below the class.

    class Meta:
        indexes = [
            models.Index(fields=["month", "measure", "program", "day"], name="durationday_read")
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.status or self.qualifier_id} on {self.day}"


class HotDay(_ProgramDay):
    """The Hot leads QA approved among one program's leads created on one day, by the time from
    capture to the delivery that carried them (the delivery app's Hot clock)."""

    hot_leads = models.PositiveIntegerField()
    within_target = models.PositiveIntegerField()
    within_limit = models.PositiveIntegerField()
    over_limit = models.PositiveIntegerField()
    not_delivered = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"Hot leads of {self.program_id} on {self.day}"


class PartnerDay(_ProgramDay):
    """One partner's record on the assignments of one program's leads created on one day, per
    the lead's territory (country and subdivision): the partners app's assignments, regrouped
    (every change of an assignment comes with an entry in its lead's history, which lists the
    lead for the refresh)."""

    partner = _partner()
    country = models.CharField(max_length=2, blank=True)
    subdivision = models.CharField(max_length=8, blank=True)
    assignments = models.PositiveIntegerField()
    claimed = models.PositiveIntegerField()
    claimed_on_time = models.PositiveIntegerField()
    contacted = models.PositiveIntegerField()
    contact_on_time = models.PositiveIntegerField()
    followed_up = models.PositiveIntegerField()
    followup_on_time = models.PositiveIntegerField()
    violations = models.PositiveIntegerField()
    declines = models.PositiveIntegerField()
    won = models.PositiveIntegerField()
    lost = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"partner {self.partner_id} on {self.day}"


class TouchDay(_ProgramDay):
    """The nurture touches one program did on one day (the client's), per sequence and
    touch, and the responses that answer them."""

    sequence = _sequence()
    touch = _touch()
    sent = models.PositiveIntegerField()
    skipped = models.PositiveIntegerField()
    responded = models.PositiveIntegerField()
    clicks = models.PositiveIntegerField()
    replies = models.PositiveIntegerField()
    phone = models.PositiveIntegerField()
    form_fills = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"touch {self.touch_id} on {self.day}"


class SequenceDay(_ProgramDay):
    """Per nurture sequence of one program and one day (the client's): the leads that entered
    it that day and how many of them re-qualified, and the unsubscribes that day."""

    sequence = _sequence()
    enrolled = models.PositiveIntegerField()
    requalified = models.PositiveIntegerField()
    unsubscribed = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"sequence {self.sequence_id} on {self.day}"


class RegistrationDay(_ProgramDay):
    """One partner's deal registrations in one program on one day (the client's): made,
    accepted, refused (in all and per class), waiting for a manager, approved and rejected by
    one, and the accepted ones' outcomes."""

    partner = _partner()
    registered = models.PositiveIntegerField()
    accepted = models.PositiveIntegerField()
    refused = models.PositiveIntegerField()
    refused_held = models.PositiveIntegerField()
    refused_registered = models.PositiveIntegerField()
    refused_pipeline = models.PositiveIntegerField()
    refused_closed = models.PositiveIntegerField()
    refused_own = models.PositiveIntegerField()
    pending = models.PositiveIntegerField()
    approved = models.PositiveIntegerField()
    rejected = models.PositiveIntegerField()
    won = models.PositiveIntegerField()
    lost = models.PositiveIntegerField()
    open = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"registrations of partner {self.partner_id} on {self.day}"


for _column in STEP_COLUMNS:
    DurationDay.add_to_class(_column, models.PositiveIntegerField(default=0))

#: The per-lead rows, each rewritten for the leads a refresh folds.
PER_LEAD = (
    LeadFact,
    ReviewDecision,
    StatusSpan,
    RatingMark,
    TouchFact,
    EnrollmentFact,
    RegistrationFact,
)

#: The rollups, each recomputed for the days a refresh touched.
ROLLUPS = (
    FunnelDay,
    RevenueDay,
    QualifierDay,
    ReasonDay,
    RatingDay,
    DurationDay,
    HotDay,
    PartnerDay,
    TouchDay,
    SequenceDay,
    RegistrationDay,
)


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
