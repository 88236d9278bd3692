"""Clients, their programs, and the versioned qualifying criteria of each program."""

from typing import Any

from django.conf import settings
from django.db import models


class Client(models.Model):
    """The company whose leads these are: one for a vendor, many for an agency."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    timezone = models.CharField(max_length=64, default="UTC")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HandOffMode(models.TextChoices):
    DELIVERY = "delivery", "Client delivery batches"
    PARTNERS = "partners", "Partner routing"
    BOTH = "both", "Client delivery and partner routing"


def default_dedupe_match_on() -> list[str]:
    return ["email", "phone", "company_and_name"]


def default_push_back_reasons() -> list[str]:
    return [
        "Answers incomplete",
        "BANT not confirmed on the call",
        "Wrong contact",
        "Contact details wrong",
        "Does not meet the program's criteria",
        "Duplicate of an existing lead",
    ]


class Program(models.Model):
    """A client's campaign or lead program: it owns the criteria and the hand-off rules."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="programs")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    hand_off_mode = models.CharField(
        max_length=16, choices=HandOffMode.choices, default=HandOffMode.DELIVERY
    )
    default_region = models.CharField(
        max_length=2,
        default="US",
        help_text="Region for phone numbers given without +code, and the country of a state "
        "or province sent without one",
    )
    is_active = models.BooleanField(default=True)
    dedupe_match_on: models.JSONField[list[str]] = models.JSONField(
        default=default_dedupe_match_on,
        blank=True,
        help_text="What makes an incoming lead the same as an existing one: any of "
        '"email", "phone", "company_and_name"; empty turns de-duplication off',
    )
    dedupe_name_similarity = models.PositiveSmallIntegerField(
        default=90,
        help_text="Least similarity (0-100) of two names at the same company to be one person",
    )
    web_form_enabled = models.BooleanField(default=True)
    web_form_allowed_hosts: models.JSONField[list[str]] = models.JSONField(
        default=list,
        blank=True,
        help_text="Hosts a web-to-lead form may redirect to after a submission (retURL)",
    )
    source_channel_rules: models.JSONField[dict[str, str]] = models.JSONField(
        default=dict,
        blank=True,
        help_text="The program's own lead-source values and the channel each names (value → "
        "channel), applied before the shared alias table by the web form and imports",
    )
    push_back_reasons: models.JSONField[list[str]] = models.JSONField(
        default=default_push_back_reasons,
        blank=True,
        help_text="Reasons a QA reviewer may give when pushing a lead back to its qualifier",
    )
    closure_days: models.JSONField[list[str]] = models.JSONField(
        default=list,
        blank=True,
        help_text="The program's own closure days (ISO dates, YYYY-MM-DD): not working days "
        "for any SLA clock",
    )
    queue_by_probability = models.BooleanField(
        default=False,
        help_text="Within a rating, the qualification queue gives first the leads with the "
        "higher predicted chance of converting (issue 19); off, it goes by score and age",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client__name", "name"]

    def __str__(self) -> str:
        return self.name


class CriteriaStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class CriteriaVersion(models.Model):
    """One version of a program's QualifyingCriteria (core.criteria), kept for ever.

    Publishing makes a new version; earlier versions stay so that every lead can say which
    version produced its qualification.
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="criteria_versions")
    number = models.PositiveIntegerField()
    spec: models.JSONField[dict[str, Any]] = models.JSONField()
    status = models.CharField(
        max_length=16, choices=CriteriaStatus.choices, default=CriteriaStatus.DRAFT
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["program", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="criteria_version_unique"),
        ]
        indexes = [models.Index(fields=["program", "status", "-number"])]

    def __str__(self) -> str:
        return f"{self.program.slug} v{self.number} ({self.status})"
