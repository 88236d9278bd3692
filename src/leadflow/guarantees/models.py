"""A program's guarantee terms and the disputes of delivered leads (DESIGN.md, "Hand-off": a
client may dispute a delivered lead; QA decides; an upheld dispute owes a replacement lead under
the program's guarantee).

An upheld dispute is what makes a lead invalid: the lead keeps its ``delivered`` status (the
client still has it and still sees it), and the ledger and the pages read validity from here.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from leadflow.core.guarantee import PeriodKind

#: Calendar days a client has to dispute a delivered lead, unless the terms say otherwise.
DEFAULT_DISPUTE_WINDOW_DAYS = 10
MAX_DISPUTE_WINDOW_DAYS = 90


def default_dispute_reasons() -> list[str]:
    return [
        "Contact unreachable",
        "Wrong contact or company",
        "Does not meet the program's criteria",
        "Duplicate of a lead already delivered",
        "Contact denies interest",
    ]


class GuaranteePeriod(models.TextChoices):
    WEEK = PeriodKind.WEEK.value, "Week"
    MONTH = PeriodKind.MONTH.value, "Month"
    QUARTER = PeriodKind.QUARTER.value, "Quarter"


class GuaranteeTerms(models.Model):
    """What a program promises its client: valid leads per period, and how leads are disputed.

    A program without a row has the default terms (no number promised, a 10-day window, the
    default reasons); managers save a row from the ledger page.
    """

    program = models.OneToOneField(
        "programs.Program", on_delete=models.PROTECT, related_name="guarantee_terms"
    )
    leads_per_period = models.PositiveIntegerField(
        default=0, help_text="Valid leads owed per period; 0 promises no number"
    )
    period = models.CharField(
        max_length=8, choices=GuaranteePeriod.choices, default=GuaranteePeriod.MONTH
    )
    starts_on = models.DateField(
        null=True,
        blank=True,
        help_text="First day the guarantee applies; earlier periods owe nothing. "
        "Empty: from the first delivery",
    )
    dispute_window_days = models.PositiveSmallIntegerField(
        default=DEFAULT_DISPUTE_WINDOW_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DISPUTE_WINDOW_DAYS)],
        help_text="Calendar days after the day of delivery, in the client's timezone",
    )
    dispute_reasons: models.JSONField[list[str]] = models.JSONField(
        default=default_dispute_reasons,
        help_text="The reasons a client contact chooses from when disputing a lead",
    )
    is_active = models.BooleanField(
        default=True, help_text="Off: no new disputes; replacements already owed are still filled"
    )
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "guarantee terms"

    def __str__(self) -> str:
        return f"{self.program}: {self.leads_per_period} valid leads per {self.period}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld"
    REJECTED = "rejected", "Rejected"


class Dispute(models.Model):
    """A client contact's dispute of one delivered lead, and QA's decision on it.

    One per delivered lead. ``ledger_at`` is the delivery time whose period the dispute counts
    in: the disputed lead's delivery, or, when that lead was itself a replacement, the period of
    the dispute it replaced (a replacement makes good the period of the lead it replaces).
    """

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    delivery_item = models.OneToOneField(
        "delivery.DeliveryItem", on_delete=models.PROTECT, related_name="dispute"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    reason = models.CharField(max_length=200)
    note = models.TextField(blank=True)
    status = models.CharField(
        max_length=8, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    replacement = models.OneToOneField(
        "delivery.DeliveryItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_dispute",
        help_text="The delivered lead that replaced the disputed one",
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
                name="dispute_decided_when_not_open",
            ),
            models.CheckConstraint(
                condition=models.Q(replacement__isnull=True, replaced_at__isnull=True)
                | models.Q(status="upheld", replacement__isnull=False, replaced_at__isnull=False),
                name="dispute_replaced_only_when_upheld",
            ),
            models.CheckConstraint(
                condition=models.Q(replacement__isnull=True)
                | ~models.Q(replacement=models.F("delivery_item")),
                name="dispute_not_replaced_by_itself",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status", "decided_at"], name="dispute_program_status"),
            models.Index(fields=["program", "ledger_at"], name="dispute_program_ledger"),
        ]

    def __str__(self) -> str:
        return f"dispute #{self.pk} ({self.status}) of {self.delivery_item}"

    @property
    def lead_is_valid(self) -> bool:
        return self.status != DisputeStatus.UPHELD
