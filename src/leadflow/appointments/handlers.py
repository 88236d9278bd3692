"""What the appointments app does when its own events happen (``config/events.py``)."""

from datetime import datetime

from leadflow.appointments.services import appointment_deliver


def appointment_booked(*, appointment_id: int, now: datetime) -> int:
    """Deliver a booked call to an agency's client at once (1 when delivered, 0 otherwise)."""
    return 1 if appointment_deliver(appointment_id=appointment_id, now=now) else 0
