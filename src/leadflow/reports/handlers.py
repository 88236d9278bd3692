"""The reports' subscriptions (``config/events.py``)."""

from collections.abc import Sequence

from leadflow.reports.services.refresh import leads_pending_add


def history_recorded(*, lead_ids: Sequence[int]) -> None:
    """Inside the writing transaction: list the leads for the next refresh."""
    leads_pending_add(lead_ids=lead_ids)
