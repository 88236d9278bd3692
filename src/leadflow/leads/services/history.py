"""The lead's history: the one constructor of ``LeadEvent`` rows and their writers.

Every service that changes a lead records what happened here, in its own transaction; no module
outside the leads services builds a ``LeadEvent`` (``tests/test_architecture.py`` checks it).
Other apps pass what they want recorded (kind, reason, details) to the leads services.

Each write announces ``leads.history_recorded`` with the leads whose history grew, inside the
writing transaction (the reports keep their summary tables from it)."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from leadflow.accounts.models import User
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.lib.events import announce
from leadflow.lib.rows import rows_insert


def event_build(
    *,
    lead: Lead | None = None,
    lead_id: int | None = None,
    kind: EventKind,
    actor: User | None,
    now: datetime,
    action: str = "",
    from_status: str = "",
    to_status: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
) -> LeadEvent:
    """One unsaved history entry of a lead (given as the instance or its id)."""
    event = LeadEvent(
        kind=kind,
        action=action,
        actor=actor,
        at=now,
        from_status=from_status,
        to_status=to_status,
        before=dict(before or {}),
        after=dict(after or {}),
        reason=reason,
    )
    if lead is not None:
        event.lead = lead
    elif lead_id is not None:
        event.lead_id = lead_id
    else:
        raise TypeError("an event needs its lead or the lead's id")
    return event


def event_record(
    *,
    lead: Lead,
    kind: EventKind,
    actor: User | None,
    now: datetime,
    action: str = "",
    from_status: str = "",
    to_status: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
) -> LeadEvent:
    """Record one history entry now."""
    event = event_build(
        lead=lead,
        kind=kind,
        actor=actor,
        now=now,
        action=action,
        from_status=from_status,
        to_status=to_status,
        before=before,
        after=after,
        reason=reason,
    )
    event.save()
    announce("leads.history_recorded", lead_ids=[event.lead_id])
    return event


def events_record(events: Sequence[LeadEvent]) -> None:
    """Record many built entries with one INSERT per batch (their ids are set)."""
    if not events:
        return
    rows_insert(events)
    announce("leads.history_recorded", lead_ids=list({event.lead_id: None for event in events}))
