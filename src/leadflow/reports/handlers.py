"""The reports' subscriptions (``config/events.py``)."""

from collections.abc import Sequence

from django.db import connection

from leadflow.reports.models import PendingLead
from leadflow.reports.services.refresh import leads_pending_add


def history_recorded(*, lead_ids: Sequence[int]) -> None:
    """Inside the writing transaction: list the leads for the next refresh."""
    leads_pending_add(lead_ids=lead_ids)


def registration_refused(*, lead_ids: Sequence[int]) -> None:
    """Inside the registering transaction: list the leads a refused deal registration matched,
    so that the refresh counts the refusal (it folds each lead's registrations)."""
    leads_pending_add(lead_ids=lead_ids)


def history_recorded_statement(source: str) -> str:
    """``history_recorded`` as SQL over ``source``, the new history rows (a ``lead_id``
    column): joined to the statement that writes one lead and its event (an API capture on
    PostgreSQL), so that listing the lead costs no statement of its own."""
    quote = connection.ops.quote_name
    table, column = quote(PendingLead._meta.db_table), quote("lead_id")
    return f"INSERT INTO {table} ({column}) SELECT {column} FROM {source}"
