"""What the guarantees do when client delivery announces something (``config/events.py``)."""

from datetime import datetime

from leadflow.delivery.models import Delivery
from leadflow.guarantees.services import delivery_replacements_fill


def delivery_created(*, delivery_id: int, now: datetime) -> int:
    """Inside the new delivery's transaction: the program's upheld disputes waiting for a
    replacement take the delivery's first leads. Returns how many were filled."""
    delivery = Delivery.objects.get(pk=delivery_id)
    return delivery_replacements_fill(delivery=delivery, now=now)
