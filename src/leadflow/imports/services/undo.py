"""Undoing an import (issue 12, part 6): what each import created and merged, and taking it back.

While an import runs, every chunk records, for each lead it created or merged a row into, the
ids of the events it wrote for that lead (``imported_leads_record``, in the chunk's
transaction). A lead is *untouched* when it has no event after the import's first one other
than the import's own: nobody called, reviewed, edited, merged or delivered it since.

Undoing, in one transaction:

- each untouched lead the import created is disqualified as ``import_undone`` through
  ``leads_disqualify_bulk`` (``lead_disqualify`` for many; leads and their history are never
  deleted: the lead leaves every queue and report of open leads, and the history says why);
- each untouched lead the import merged rows into gets back what those merges filled in, from
  their ``merged`` events' ``before`` (``lead_merge_revert``);
- every other lead is kept and listed as "changed since, kept";
- the job becomes ``undone`` with the counts, who and when (a failed import that is undone is
  not resumed: importing its file again starts afresh).

Consent and possible duplicates are left as they are: an opt-out a file carried is still the
person's wish (honouring it longer is the safe side), and a possible duplicate naming an undone
lead is for a person to decide, who sees the lead disqualified as undone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from leadflow.accounts.models import User
from leadflow.core.enums import DisqualificationReason
from leadflow.core.errors import DomainRefused
from leadflow.core.lifecycle import EDGES, Action, LeadStatus
from leadflow.imports.models import ImportedLead, ImportJob, ImportStatus
from leadflow.leads.models import EventKind, LeadEvent
from leadflow.leads.services.revert import lead_merge_revert, leads_disqualify_bulk
from leadflow.lib.rows import rows_add, rows_update

#: Statuses a lead can be disqualified from (the core's state machine).
DISQUALIFIABLE = EDGES[Action.DISQUALIFY].sources


class ImportNotUndoable(DomainRefused):
    """Only a finished import that wrote leads can be undone, and only once."""


def imported_leads_record(
    *,
    job: ImportJob,
    created: Mapping[int, int],
    merged_ids: Sequence[int],
    now: datetime,
) -> None:
    """Record, inside the chunk's transaction, which leads the chunk created (``created``: each
    new lead's id → its ``created`` event's id) and merged into, with the ids of the events it
    wrote for them: a lead only created has its one event; for the leads merged into, the
    events of these leads at ``now`` are read (one query)."""
    lead_ids = {*created, *merged_ids}
    if not lead_ids:
        return
    merged = set(merged_ids)
    events: dict[int, list[tuple[int, str]]] = {
        lead_id: [(event_id, EventKind.CREATED)]
        for lead_id, event_id in created.items()
        if lead_id not in merged
    }
    if merged:
        for lead_id, event_id, kind in (
            LeadEvent.objects.filter(lead_id__in=merged, at=now)
            .order_by("id")
            .values_list("lead_id", "id", "kind")
        ):
            events.setdefault(lead_id, []).append((event_id, kind))
    known = {
        row.lead_id: row
        for row in ImportedLead.objects.filter(job=job, lead_id__in=merged - created.keys())
    }
    fresh: list[tuple[Any, ...]] = []
    for lead_id in sorted(lead_ids):
        own = events.get(lead_id, [])
        merge_events = [event_id for event_id, kind in own if kind == EventKind.MERGED]
        row = known.get(lead_id)
        if row is None:
            fresh.append(
                (
                    job.pk,
                    lead_id,
                    lead_id in created,
                    json.dumps([event_id for event_id, _ in own]),
                    json.dumps(merge_events),
                    False,
                )
            )
            continue
        row.created = row.created or lead_id in created
        row.event_ids = [*row.event_ids, *(event_id for event_id, _ in own)]
        row.merge_event_ids = [*row.merge_event_ids, *merge_events]
    rows_add(ImportedLead, _IMPORTED_COLUMNS, fresh)
    rows_update(list(known.values()), ["created", "event_ids", "merge_event_ids"])


_IMPORTED_COLUMNS = ("job_id", "lead_id", "created", "event_ids", "merge_event_ids", "undone")


@dataclass
class UndoPlan:
    """What undoing would do, lead by lead: the page shows it before the user confirms."""

    disqualify: list[ImportedLead] = field(default_factory=list)
    revert: list[ImportedLead] = field(default_factory=list)
    kept: list[tuple[ImportedLead, str]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "disqualified": len(self.disqualify),
            "reverted": len(self.revert),
            "kept": len(self.kept),
        }


def import_is_undoable(job: ImportJob) -> bool:
    """A finished import (done, or failed after committing some chunks) that wrote leads, not
    yet undone: a running one would go on writing behind the undo."""
    return (
        job.status in (ImportStatus.DONE, ImportStatus.FAILED)
        and not job.dry_run
        and bool(job.created or job.merged)
    )


def import_undo_plan(*, job: ImportJob) -> UndoPlan:
    """Sort the import's leads into disqualify (created, untouched), revert (merged into,
    untouched) and kept (changed since, or in a status that cannot be disqualified)."""
    rows = list(ImportedLead.objects.filter(job=job, undone=False).select_related("lead"))
    plan = UndoPlan()
    owned = [event_id for row in rows for event_id in row.event_ids]
    if not owned:
        plan.kept = [(row, "no event of this import was found") for row in rows]
        return plan
    later: dict[int, set[int]] = {}
    for lead_id, event_id in LeadEvent.objects.filter(
        lead_id__in=[row.lead_id for row in rows], id__gt=min(owned)
    ).values_list("lead_id", "id"):
        later.setdefault(lead_id, set()).add(event_id)
    for row in rows:
        first = min(row.event_ids, default=0)
        foreign = {event_id for event_id in later.get(row.lead_id, ()) if event_id > first}
        if not row.event_ids or foreign - set(row.event_ids):
            plan.kept.append((row, "changed since the import"))
        elif row.created and LeadStatus(row.lead.status) not in DISQUALIFIABLE:
            plan.kept.append((row, f"{row.lead.get_status_display().lower()} since the import"))
        elif row.created:
            plan.disqualify.append(row)
        else:
            plan.revert.append(row)
    return plan


@transaction.atomic
def import_undo(*, job: ImportJob, actor: User | None, now: datetime) -> UndoPlan:
    """Undo an import (see the module's docstring); returns what was done. Raises
    ImportNotUndoable for a dry run, an unfinished import or one already undone."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not import_is_undoable(job):
        raise ImportNotUndoable(
            "Only a finished import that created or merged leads can be undone, once."
        )
    plan = import_undo_plan(job=job)
    reason = f"import #{job.pk} ({job.original_name}) undone"
    leads_disqualify_bulk(
        lead_ids=[row.lead_id for row in plan.disqualify],
        reason=DisqualificationReason.IMPORT_UNDONE,
        note=reason,
        actor=actor,
        now=now,
    )
    merges = {
        event.pk: event
        for event in LeadEvent.objects.filter(
            pk__in=[event_id for row in plan.revert for event_id in row.merge_event_ids]
        )
    }
    for row in plan.revert:
        lead_merge_revert(
            lead=row.lead,
            merges=[merges[event_id] for event_id in row.merge_event_ids if event_id in merges],
            actor=actor,
            now=now,
            reason=reason,
        )
    done = [row.pk for row in (*plan.disqualify, *plan.revert)]
    ImportedLead.objects.filter(pk__in=done).update(undone=True)
    job.status = ImportStatus.UNDONE
    job.undone_at = now
    job.undone_by = actor
    job.undo_counts = plan.counts
    job.save(update_fields=["status", "undone_at", "undone_by", "undo_counts"])
    return plan
