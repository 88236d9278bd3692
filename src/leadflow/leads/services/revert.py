"""Taking back what an import did, when it is undone: its created leads are disqualified in
bulk (``leads_disqualify_bulk``), and what its rows' merges filled in is given back
(``lead_merge_revert``).

A merge only fills blanks and adds answers and profile attributes (``merge._merge_into``); its
``merged`` event keeps, in ``before``, each value it replaced. Reverting restores those values
(the latest merge first, so several merges into one lead unwind in order), re-qualifies the
lead, and records an ``updated`` event naming the merges reverted: the history is appended to,
never rewritten.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from leadflow.accounts.models import User
from leadflow.core.enums import DisqualificationReason
from leadflow.core.lifecycle import Action
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.services.history import event_build, events_record
from leadflow.leads.services.merge import MERGE_FILLABLE
from leadflow.leads.services.qualify import (
    REQUALIFIED_FIELDS,
    lead_engagement,
    lead_predictions,
    leave_nurture,
    requalified,
)
from leadflow.leads.services.transitions import LeadStep, leads_transition, lockable
from leadflow.lib.rows import rows_update
from leadflow.programs.selectors import program_published_criteria

#: What a ``merged`` event's ``before`` may hold and a revert may restore.
REVERTIBLE = frozenset((*MERGE_FILLABLE, "answers", "profile"))


@transaction.atomic
def lead_merge_revert(
    *,
    lead: Lead,
    merges: Sequence[LeadEvent],
    actor: User | None,
    now: datetime,
    reason: str,
) -> Lead:
    """Restore the fields ``merges`` (``merged`` events of this lead) filled, from their
    ``before``; the caller has checked that nothing happened to the lead since."""
    lead = lockable().get(pk=lead.pk)
    before: dict[str, Any] = {}
    restored: dict[str, Any] = {}
    for merge in sorted(merges, key=lambda event: event.pk, reverse=True):
        if merge.lead_id != lead.pk or merge.kind != EventKind.MERGED:
            raise ValueError(f"event #{merge.pk} is not a merge into lead #{lead.pk}")
        for name, value in merge.before.items():
            if name not in REVERTIBLE:
                continue
            before.setdefault(name, getattr(lead, name))
            setattr(lead, name, value)
            restored[name] = value
    lead.updated_at = now
    reverted = event_build(
        lead=lead,
        kind=EventKind.UPDATED,
        actor=actor,
        now=now,
        before=before,
        after={"restored": restored, "merges_reverted": [merge.pk for merge in merges]},
        reason=reason,
    )
    qualified = requalified(lead, program_published_criteria(program=lead.program), actor, now)
    lead.save()
    events_record([reverted, qualified])
    leave_nurture([qualified], actor, now)
    return lockable().get(pk=lead.pk)


@transaction.atomic
def leads_disqualify_bulk(
    *,
    lead_ids: Sequence[int],
    reason: DisqualificationReason,
    note: str,
    actor: User | None,
    now: datetime,
) -> list[Lead]:
    """``lead_disqualify`` for many leads at once (an undone import's): one locked read, one
    transition of all of them, one re-qualification UPDATE and one INSERT of its events.
    Raises InvalidTransition, writing nothing, when a lead's status cannot be disqualified."""
    leads = list(lockable().filter(pk__in=lead_ids).order_by("id"))
    if not leads:
        return leads
    if any(lead.program_id != leads[0].program_id for lead in leads):
        raise ValueError("leads_disqualify_bulk takes the leads of one program")
    leads_transition(
        steps=[
            LeadStep(
                lead=lead,
                action=Action.DISQUALIFY,
                reason=f"{reason.value}: {note}" if note else reason.value,
                fields={"disqualification": reason.value},
            )
            for lead in leads
        ],
        actor=actor,
        now=now,
    )
    published = program_published_criteria(program=leads[0].program)
    engagement = lead_engagement([lead.pk for lead in leads])
    predicted = lead_predictions([lead.pk for lead in leads], published)
    qualified = [
        requalified(
            lead, published, actor, now, engagement.get(lead.pk, []), predicted.get(lead.pk)
        )
        for lead in leads
    ]
    for lead in leads:
        lead.updated_at = now
    rows_update(leads, (*REQUALIFIED_FIELDS, "updated_at"))
    events_record(qualified)
    return leads
