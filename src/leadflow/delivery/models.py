"""Deliveries to an agency's client: each is a record of the leads it carried.

A lead is delivered once (``DeliveryItem.lead`` is one-to-one). Schedules, files and the
sending of a delivery belong to this app as well; disputes and the guarantee ledger refer to
``DeliveryItem`` from the guarantees app.
"""

from django.conf import settings
from django.db import models


class DeliveryKind(models.TextChoices):
    BATCH = "batch", "Scheduled batch"
    HOT = "hot", "Hot lead (at once)"


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

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="delivery_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.program} delivery {self.number}"


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
