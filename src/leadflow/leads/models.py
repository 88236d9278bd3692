"""Leads and their append-only history."""

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q

from leadflow.core import enums
from leadflow.core.lifecycle import LeadStatus


def _choices(enum: type[enums.StrEnum]) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ").capitalize()) for member in enum]


STATUS_CHOICES = [(status.value, status.label) for status in LeadStatus]
STAGE_CHOICES = _choices(enums.Stage)
RATING_CHOICES = [(rating.value, rating.label) for rating in enums.Rating]
CHANNEL_CHOICES = _choices(enums.Channel)
INQUIRY_TYPE_CHOICES = _choices(enums.InquiryType)
DISQUALIFICATION_CHOICES = _choices(enums.DisqualificationReason)


class Lead(models.Model):
    """One inquiry with its contact, company, source, answers and derived qualification.

    The qualification columns (BANT flags, stage, rating, score, explanation) are what the core
    computed with ``criteria_version``; they change only through the lead services.
    """

    # The foreign keys' own single-column indexes are left out (``db_index=False``) where a
    # composite index below starts with the column, or no query reads by it: see
    # docs/PERFORMANCE.md, "Indexes" (every index on this table has a line there).
    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, related_name="leads", db_index=False
    )
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=LeadStatus.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_leads",
        db_index=False,
        help_text="The qualifier working this lead",
    )
    # The qualification queue's hold: one qualifier at a time calls a prospect.
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="held_leads",
        db_index=False,
    )
    held_until = models.DateTimeField(null=True, blank=True)
    next_call_at = models.DateTimeField(null=True, blank=True)
    # QA review: who submitted the lead (a reviewer never reviews their own), and the flag a
    # push-back leaves for the qualifier's queue until the lead is submitted again.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submitted_leads",
        db_index=False,
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    pushed_back_at = models.DateTimeField(null=True, blank=True)
    push_back_reason = models.CharField(max_length=200, blank=True)

    # Contact
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=32, blank=True)

    # Company
    company = models.CharField(max_length=200, blank=True)
    website = models.CharField(max_length=200, blank=True)
    company_size = models.CharField(max_length=32, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    subdivision = models.CharField(max_length=8, blank=True, help_text="ISO 3166-2 code part")
    postal_code = models.CharField(max_length=16, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)

    # Matching keys for de-duplication (core.normalise), kept beside the values they come from
    domain = models.CharField(max_length=200, blank=True)
    company_key = models.CharField(max_length=200, blank=True)
    person_key = models.CharField(max_length=200, blank=True)

    # Source
    channel = models.CharField(max_length=24, choices=CHANNEL_CHOICES, default=enums.Channel.WEB)
    campaign = models.CharField(max_length=100, blank=True)
    inquiry_type = models.CharField(
        max_length=32,
        choices=INQUIRY_TYPE_CHOICES,
        default=enums.InquiryType.INFORMATION_REQUEST,
    )
    # NULL, not "", so that the per-program uniqueness ignores leads without one.
    external_id = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    #: The system the external id belongs to (a CRM, a list vendor, the web form): the same id
    #: from two systems names two records.
    external_source = models.CharField(max_length=40, blank=True)

    # Prospect profile and questionnaire
    profile: models.JSONField[dict[str, Any]] = models.JSONField(default=dict, blank=True)
    answers: models.JSONField[dict[str, Any]] = models.JSONField(default=dict, blank=True)
    #: What intake could not use ({"field", "value", "reason"} each): a bad optional value is
    #: dropped from its field, kept verbatim in the profile and listed here.
    warnings: models.JSONField[list[dict[str, str]]] = models.JSONField(default=list, blank=True)
    disqualification = models.CharField(max_length=16, choices=DISQUALIFICATION_CHOICES, blank=True)

    # Derived qualification
    bant_budget = models.BooleanField(default=False)
    bant_authority = models.BooleanField(default=False)
    bant_need = models.BooleanField(default=False)
    bant_timeframe = models.BooleanField(default=False)
    stage = models.CharField(max_length=24, choices=STAGE_CHOICES, default=enums.Stage.INQUIRY)
    # NULL means "no rating" (disqualified), which is not the same as an empty rating.
    rating = models.CharField(  # noqa: DJ001
        max_length=4, choices=RATING_CHOICES, null=True, blank=True
    )
    score = models.FloatField(default=0)
    explanation: models.JSONField[list[str]] = models.JSONField(default=list, blank=True)
    criteria_version = models.ForeignKey(
        "programs.CriteriaVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    qualified_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "external_source", "external_id"],
                name="lead_external_id_unique_per_source",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status", "-created_at"], name="lead_program_status"),
            models.Index(fields=["program", "stage"], name="lead_program_stage"),
            models.Index(fields=["status", "rating", "-score"], name="lead_status_rating"),
            models.Index(fields=["channel", "-created_at"], name="lead_channel"),
            models.Index(fields=["campaign"], name="lead_campaign"),
            models.Index(fields=["owner", "status"], name="lead_owner_status"),
            models.Index(fields=["held_by", "held_until"], name="lead_held"),
            # The lead list's sorts, with the id that breaks ties, so a sorted first page reads
            # one page of index entries instead of sorting the whole scope.
            models.Index(fields=["score", "id"], name="lead_list_score"),
            models.Index(fields=["company", "id"], name="lead_list_company"),
            models.Index(fields=["status", "id"], name="lead_list_status"),
            models.Index(fields=["program", "email"], name="lead_program_email"),
            models.Index(fields=["program", "phone"], name="lead_program_phone"),
            models.Index(fields=["program", "company_key"], name="lead_program_company_key"),
        ]

    def __str__(self) -> str:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return f"#{self.pk} {name or self.email or 'unnamed'} ({self.company or 'no company'})"

    @property
    def bant(self) -> dict[str, bool]:
        return {
            "budget": self.bant_budget,
            "authority": self.bant_authority,
            "need": self.bant_need,
            "timeframe": self.bant_timeframe,
        }


class AppendOnlyError(Exception):
    """LeadEvent rows are history: they are written once and never changed or removed."""


class LeadEventQuerySet(models.QuerySet["LeadEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("lead events cannot be updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("lead events cannot be deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("lead events cannot be updated")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("lead events cannot be updated")


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    STATUS_CHANGED = "status_changed", "Status changed"
    QUALIFIED = "qualified", "Qualified"
    UPDATED = "updated", "Updated"
    MERGED = "merged", "Merged"
    NOTE = "note", "Note"
    HELD = "held", "Held for a call"
    RELEASED = "released", "Released"
    CALL = "call", "Call logged"
    OWNER_CHANGED = "owner_changed", "Owner changed"
    RECORDING_PLAYED = "recording_played", "Call recording played"
    DISPUTED = "disputed", "Disputed"
    DISPUTE_DECIDED = "dispute_decided", "Dispute decided"
    REPLACEMENT = "replacement", "Delivered as a replacement"
    NOTIFIED = "notified", "Notified"
    DECLINED = "declined", "Declined by a partner"
    FOLLOW_UP = "follow_up", "Follow-up recorded"
    VIOLATION = "violation", "SLA violation"
    ALERT = "alert", "Alert raised"
    EXPORTED = "exported", "Exported"


class LeadEvent(models.Model):
    """Append-only history of a lead: who, when, what, before and after.

    Enforced three ways: the model refuses to save an existing row or delete one, the queryset
    refuses update and delete, and on PostgreSQL a trigger refuses UPDATE and DELETE.
    """

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="events", db_index=False)
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    action = models.CharField(max_length=32, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    at = models.DateTimeField()
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    before: models.JSONField[dict[str, Any]] = models.JSONField(default=dict, blank=True)
    after: models.JSONField[dict[str, Any]] = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)

    objects = LeadEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["lead", "at"], name="lead_event_lead_at"),
            # The alerts' "already alerted?" anti-joins (hot leads, routing queue) read the few
            # alert events only; a partial index keeps every other event out of it.
            models.Index(
                fields=["lead", "at"], name="lead_event_alert", condition=Q(kind=EventKind.ALERT)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} lead #{self.lead_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("lead events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("lead events cannot be deleted")


class CallOutcome(models.TextChoices):
    CONNECTED = "connected", "Connected"
    NO_ANSWER = "no_answer", "No answer"
    VOICEMAIL = "voicemail", "Left voicemail"
    BUSY = "busy", "Busy"
    CALLBACK = "callback", "Call back later"
    WRONG_NUMBER = "wrong_number", "Wrong number"


class CallLog(models.Model):
    """One call attempt by a qualifier: outcome, note (marked for sales or not) and when to
    call next."""

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="calls")
    caller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=CallOutcome.choices)
    note = models.TextField(blank=True)
    #: The qualifier marked the note as one sales should read: the partner who gets the lead
    #: sees it on its lead page (the other notes stay inside qualification).
    for_sales = models.BooleanField(default=False)
    next_call_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["lead", "-at"], name="call_lead_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.outcome} lead #{self.lead_id}"


class SavedFilter(models.Model):
    """A user's named lead-list filter (the list page's query string)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_filter_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ConsentChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"


class ConsentStatus(models.TextChoices):
    SUBSCRIBED = "subscribed", "Subscribed"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    BOUNCED = "bounced", "Bounced"


class ContactConsent(models.Model):
    """Consent kept per contact address per client (DESIGN.md, Intake rules): an e-mail address
    subscribed, unsubscribed or bounced; a phone number callable (subscribed) or not to be
    called (unsubscribed). Every marketing touch of the client honours it; operational
    messages (partner notifications, deliveries) are not marketing."""

    client = models.ForeignKey("programs.Client", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=8, choices=ConsentChannel.choices)
    #: The normalised e-mail address, or the phone number in E.164.
    address = models.CharField(max_length=254)
    status = models.CharField(max_length=16, choices=ConsentStatus.choices)
    changed_at = models.DateTimeField()
    #: Where the current status came from ("import 12: Do Not Email", "unsubscribe link").
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "channel", "address"], name="consent_unique_per_address"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address}: {self.get_status_display()}"


class ListPreference(models.Model):
    """How a user wants the lead list drawn: the columns they chose (keys of
    ``leads.selectors.preferences.LIST_COLUMNS``, in the list's order) and the page size. Kept
    on the server so the list looks the same on every browser the user signs in from."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    columns: models.JSONField[list[str]] = models.JSONField(default=list)
    per_page = models.PositiveSmallIntegerField(default=50)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"lead list of {self.user_id}"
