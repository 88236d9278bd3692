"""What billing does when client delivery announces something (``config/events.py``)."""

from datetime import datetime

from leadflow.billing.models import DeliveredRating
from leadflow.delivery.models import DeliveryItem


def delivery_created(*, delivery_id: int, now: datetime) -> int:
    """Inside the new delivery's transaction: remember the rating each lead is delivered at,
    so that a lead re-rated later is still billed at it. Returns how many were recorded."""
    items = DeliveryItem.objects.filter(delivery_id=delivery_id, lead__rating__isnull=False)
    rows = [
        DeliveredRating(delivery_item_id=pk, rating=rating)
        for pk, rating in items.values_list("pk", "lead__rating")
        if rating
    ]
    DeliveredRating.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
