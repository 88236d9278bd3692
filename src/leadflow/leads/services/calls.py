"""The call log of the lead workspace: every attempt, its outcome and the next call time."""

from datetime import datetime

from django.db import transaction

from leadflow.accounts.models import User
from leadflow.core.errors import InputError
from leadflow.leads.models import CallLog, CallOutcome, EventKind, Lead
from leadflow.leads.services.history import event_record


@transaction.atomic
def call_record(
    *,
    lead: Lead,
    caller: User,
    outcome: CallOutcome,
    note: str = "",
    for_sales: bool = False,
    next_call_at: datetime | None = None,
    now: datetime,
) -> CallLog:
    """Log a call; a next call time keeps the lead out of the queue until then. A note marked
    ``for_sales`` is shown to the partner who gets the lead; a mark without a note is refused."""
    if for_sales and not note.strip():
        raise InputError("note", "write the note sales should read, or untick “For sales”")
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    call = CallLog.objects.create(
        lead=lead,
        caller=caller,
        at=now,
        outcome=outcome,
        note=note,
        for_sales=for_sales,
        next_call_at=next_call_at,
    )
    before = lead.next_call_at
    lead.next_call_at = next_call_at
    lead.updated_at = now
    lead.save(update_fields=["next_call_at", "updated_at"])
    event_record(
        lead=lead,
        kind=EventKind.CALL,
        actor=caller,
        now=now,
        before={"next_call_at": before.isoformat() if before else None},
        after={
            "outcome": outcome.value,
            "note": note,
            "for_sales": for_sales,
            "next_call_at": next_call_at.isoformat() if next_call_at else None,
        },
    )
    return call
