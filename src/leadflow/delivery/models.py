"""Deliveries to an agency's client: each is a record of the leads it carried.

A lead is delivered once (``DeliveryItem.lead`` is one-to-one). Schedules, files and the
sending of a delivery belong to this app as well; disputes and the guarantee ledger refer to
``DeliveryItem`` from the guarantees app.
"""

from datetime import time, timedelta
from typing import Any

from django.conf import settings
from django.db import models

from leadflow.core.handoff import HOT_LIMIT, HOT_TARGET
from leadflow.core.schedule import Frequency

#: Hot leads: the target and the limit from capture to delivery (DESIGN.md, "Hand-off").


class DeliveryKind(models.TextChoices):
    BATCH = "batch", "Scheduled batch"
    HOT = "hot", "Hot lead (at once)"
    #: One deliverable of an app above (an appointment), at once, on its own; its lead's row is
    #: in the file for context, not delivered again (``lead_count`` 0, no item).
    DELIVERABLE = "single", "Deliverable (at once)"


class Delivery(models.Model):
    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, related_name="deliveries"
    )
    kind = models.CharField(max_length=8, choices=DeliveryKind.choices)
    number = models.PositiveIntegerField(help_text="Running number within the program")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lead_count = models.PositiveIntegerField(default=0, help_text="Leads in the file")
    # What the batch did besides the file: counts per rating, C leads sent to nurture, leads
    # held back, FYI leads listed. Written once, with the delivery.
    summary: models.JSONField[dict[str, Any]] = models.JSONField(default=dict, blank=True)
    columns: models.JSONField[list[str]] = models.JSONField(
        default=list, blank=True, help_text="The file's header row"
    )
    # A Hot delivery's clock (DESIGN.md: target within 24 hours of capture, never over 48).
    captured_at = models.DateTimeField(
        null=True, blank=True, help_text="Hot deliveries: when the lead was captured"
    )
    # Where it was sent (the outbox holds how each send went).
    email_to: models.JSONField[list[str]] = models.JSONField(default=list, blank=True)
    webhook_url = models.CharField(max_length=500, blank=True)
    # A deliverable delivery: what it delivered (its kind's name and its id in that app), once.
    deliverable_kind = models.CharField(max_length=32, blank=True)
    deliverable_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="delivery_number_unique"),
            models.UniqueConstraint(
                fields=["deliverable_kind", "deliverable_id"],
                condition=models.Q(deliverable_id__isnull=False),
                name="delivery_deliverable_once",
            ),
        ]
        indexes = [models.Index(fields=["program", "-created_at"], name="delivery_program_at")]

    def __str__(self) -> str:
        return f"{self.program} delivery {self.number}"

    @property
    def email_key(self) -> str:
        return f"delivery:{self.pk}:email"

    @property
    def webhook_key(self) -> str:
        return f"delivery:{self.pk}:webhook"

    @property
    def capture_to_delivery(self) -> timedelta | None:
        return self.created_at - self.captured_at if self.captured_at else None

    @property
    def hours_to_delivery(self) -> float | None:
        waited = self.capture_to_delivery
        return round(waited.total_seconds() / 3600, 1) if waited is not None else None

    @property
    def hot_target_met(self) -> bool | None:
        waited = self.capture_to_delivery
        return waited <= HOT_TARGET if waited is not None else None

    @property
    def hot_limit_met(self) -> bool | None:
        waited = self.capture_to_delivery
        return waited <= HOT_LIMIT if waited is not None else None


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"


MIMETYPES = {
    FileFormat.CSV: "text/csv",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class DeliveryFile(models.Model):
    """A delivery's file, its bytes kept in the database so that every web and worker process,
    on any machine, serves and sends the same file."""

    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="files")
    format = models.CharField(max_length=8, choices=FileFormat.choices)
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["delivery", "format"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "format"], name="delivery_file_unique"),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def mimetype(self) -> str:
        return MIMETYPES[FileFormat(self.format)]


class DeliveryItem(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="items")
    lead = models.OneToOneField(
        "leads.Lead", on_delete=models.PROTECT, related_name="delivery_item"
    )
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["delivery", "position"]

    def __str__(self) -> str:
        return f"{self.delivery}: lead {self.lead_id}"


class SummaryEntry(models.Model):
    """A lead listed in a batch's summary without being delivered (FYI leads by default): the
    client hears of it once; the lead stays approved and is not listed again."""

    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="summary_entries")
    lead = models.OneToOneField(
        "leads.Lead", on_delete=models.PROTECT, related_name="delivery_summary_entry"
    )
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["delivery", "position"]

    def __str__(self) -> str:
        return f"{self.delivery}: listed lead {self.lead_id}"


class CHandling(models.TextChoices):
    NURTURE = "nurture", "Send to nurture"
    INCLUDE = "include", "Deliver in the batch"
    HOLD = "hold", "Hold (stay approved)"


class FyiHandling(models.TextChoices):
    SUMMARY = "summary", "List in the batch's summary only"
    INCLUDE = "include", "Deliver in the batch"
    HOLD = "hold", "Hold (stay approved)"


def default_batch_ratings() -> list[str]:
    return ["a", "b"]


class DeliverySchedule(models.Model):
    """A program's delivery settings: when its batch runs (core.schedule), what goes in it,
    where it is sent (e-mail recipients, the client's webhook) and the file's columns."""

    program = models.OneToOneField(
        "programs.Program", on_delete=models.PROTECT, related_name="delivery_schedule"
    )
    frequency = models.CharField(
        max_length=8,
        choices=[(frequency.value, frequency.label) for frequency in Frequency],
        default=Frequency.WEEKLY.value,
    )
    weekday = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0 = Monday")
    day_of_month = models.PositiveSmallIntegerField(null=True, blank=True)
    week_of_month = models.SmallIntegerField(
        null=True, blank=True, help_text="Monthly on a weekday: 1-4, or -1 for the last"
    )
    time_of_day = models.TimeField(default=time(9, 0), help_text="In the client's timezone")
    anchor_date = models.DateField(
        null=True, blank=True, help_text="Bi-weekly: a date in a week with a run"
    )
    batch_ratings: models.JSONField[list[str]] = models.JSONField(default=default_batch_ratings)
    c_handling = models.CharField(
        max_length=8, choices=CHandling.choices, default=CHandling.NURTURE
    )
    fyi_handling = models.CharField(
        max_length=8, choices=FyiHandling.choices, default=FyiHandling.SUMMARY
    )
    recipients: models.JSONField[list[str]] = models.JSONField(default=list, blank=True)
    column_map: models.JSONField[list[dict[str, str]]] = models.JSONField(
        default=list, blank=True, help_text="Empty: Salesforce's standard Lead fields"
    )
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["is_active", "next_run_at"], name="delivery_schedule_due")]

    def __str__(self) -> str:
        return f"{self.program} delivery schedule"
