"""A program's billing terms, the rating each lead was delivered at, and the closed statements.

The arithmetic is ``core.billing``'s. A statement of an open period is computed when it is
read; closing a period stores its statement and every line (``Statement``, ``StatementLine``):
from then on the page, the files and the e-mail read the stored lines, and nothing that
happens later changes them (a dispute upheld later is credited on the next statement).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from leadflow.core.billing import DeliverableKind, LineKind
from leadflow.core.enums import Rating

#: The latest statement day: every month has it.
MAX_STATEMENT_DAY = 28


def _price(label: str) -> "models.DecimalField[Decimal, Decimal]":
    return models.DecimalField(
        max_digits=14,
        decimal_places=4,
        default=Decimal(0),
        help_text=f"Per {label}; 0 lists it at no charge",
    )


class BillingTerms(models.Model):
    """What the client pays per deliverable, in which currency, and when the statement goes."""

    program = models.OneToOneField(
        "programs.Program", on_delete=models.PROTECT, related_name="billing_terms"
    )
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code")
    price_hot = _price("Hot lead")
    price_a = _price("A lead")
    price_b = _price("B lead")
    price_c = _price("C lead")
    price_fyi = _price("FYI lead")
    price_appointment = _price("appointment")
    statement_day = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_STATEMENT_DAY)],
        help_text="Day of the month the last month's statement is closed and sent",
    )
    billing_contacts: models.JSONField[list[str]] = models.JSONField(
        default=list,
        blank=True,
        help_text="E-mail addresses; empty: the client's contacts of the program",
    )
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "billing terms"

    def __str__(self) -> str:
        return f"{self.program} billing terms ({self.currency})"

    def price_for(self, rating: Rating) -> Decimal:
        return Decimal(getattr(self, f"price_{rating.value}"))


class DeliveredRating(models.Model):
    """The rating a lead had when it was delivered: a lead re-rated later is still billed at
    this one. Written inside the delivery's transaction (``delivery.created``)."""

    delivery_item = models.OneToOneField(
        "delivery.DeliveryItem", on_delete=models.PROTECT, related_name="billed_rating"
    )
    rating = models.CharField(max_length=8, choices=[(r.value, r.label) for r in Rating])

    def __str__(self) -> str:
        return f"{self.delivery_item}: delivered as {self.rating}"


class Statement(models.Model):
    """A closed statement: its totals as they were when the period was closed."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, related_name="billing_statements"
    )
    period_start = models.DateField(help_text="First day of the month")
    period_end = models.DateField(help_text="First day of the next month")
    currency = models.CharField(max_length=3)
    charges = models.DecimalField(max_digits=16, decimal_places=4)
    credits = models.DecimalField(max_digits=16, decimal_places=4)
    carried_in = models.DecimalField(max_digits=16, decimal_places=4)
    total = models.DecimalField(max_digits=16, decimal_places=4)
    carried_forward = models.DecimalField(max_digits=16, decimal_places=4)
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    email_key = models.CharField(max_length=120, blank=True, help_text="The outbox message")

    class Meta:
        ordering = ["program", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "period_start"], name="billing_statement_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program} statement {self.period_start:%Y-%m}"


class StatementLine(models.Model):
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=[(k.value, k.label) for k in DeliverableKind])
    deliverable_id = models.CharField(max_length=40)
    line = models.CharField(max_length=16, choices=[(k.value, k.label) for k in LineKind])
    at = models.DateTimeField()
    amount = models.DecimalField(max_digits=16, decimal_places=4)
    rating = models.CharField(max_length=8, blank=True)
    replaces = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["statement", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "position"], name="billing_line_position_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "deliverable_id", "line"], name="billing_line_deliverable")
        ]

    def __str__(self) -> str:
        return f"{self.statement}: {self.line} {self.kind} #{self.deliverable_id}"
