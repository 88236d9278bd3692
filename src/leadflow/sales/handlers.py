"""What sales does about the leads app's events (subscribed in ``config/events.py``)."""

from collections.abc import Sequence
from datetime import datetime

from leadflow.sales.services.tasks import leads_flow_start


def leads_status_changed(*, lead_ids: Sequence[int], action: str, now: datetime) -> int:
    """Leads a qualifier started qualifying get their inquiry flow's tasks (after the change
    committed: a failure here never undoes the qualifier's hold)."""
    return leads_flow_start(lead_ids=lead_ids, action=action, now=now)
