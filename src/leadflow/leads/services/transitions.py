"""The one path by which a lead's status changes (DESIGN.md, Lifecycle: every transition is
checked against the state machine and written as a LeadEvent).

``leads_transition`` takes any number of steps for locked leads, each with its own lifecycle
action (or none, for an entry of the history that changes no status: a decline, a violation, a
note), its reason, the details its event records and the other fields of the lead that change
with it (a push-back's flag, a submission's submitter). It checks every step with the core
state machine before writing anything, then writes one UPDATE per kind of change, one INSERT of
all the events in step order, and announces what happened on the event bus
(``config/events.py``): ``leads.status_changed`` for every step, and ``leads.approved``,
``leads.delivered``, ``leads.nurtured``, ``leads.reassigned`` for the steps that mean them.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from leadflow.accounts.models import User
from leadflow.core.lifecycle import PARTNER_HELD, Action, LeadStatus, next_status
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.services.history import event_build, events_record
from leadflow.lib.events import announce
from leadflow.lib.rows import rows_update


@dataclass
class LeadStep:
    """One change of one locked lead.

    ``action`` is the lifecycle edge (None: the step records an event and changes no status;
    then ``kind`` says which). ``details`` are added to the event's ``after``; ``fields`` are
    other columns of the lead set with the step (name → value); ``before`` adds to the
    event's ``before``.
    """

    lead: Lead
    action: Action | None = None
    reason: str = ""
    kind: EventKind | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    fields: Mapping[str, Any] = field(default_factory=dict)
    before: Mapping[str, Any] = field(default_factory=dict)
    event_action: str = ""


#: The events a lifecycle action announces besides ``leads.status_changed``.
ANNOUNCED: dict[Action, str] = {
    Action.APPROVE: "leads.approved",
    Action.REQUALIFY_FROM_NURTURE: "leads.approved",
    Action.DELIVER: "leads.delivered",
    Action.NURTURE: "leads.nurtured",
    Action.UNASSIGN: "leads.reassigned",
}


def leads_transition(
    *, steps: Sequence[LeadStep], actor: User | None, now: datetime
) -> list[LeadEvent]:
    """Apply the steps to their locked leads (the caller holds the locks in its transaction)
    and return their events, saved, in step order. Raises InvalidTransition, writing nothing,
    when any step is not an edge of the state machine."""
    events: list[LeadEvent] = []
    changes: dict[tuple[LeadStatus, tuple[str, ...]], list[Lead]] = defaultdict(list)
    announced: dict[str, list[int]] = defaultdict(list)
    moved: dict[Action, list[int]] = defaultdict(list)
    planned = _plan(steps)
    for step, (before, after) in zip(steps, planned, strict=True):
        lead = step.lead
        if step.action is None or after is None:
            events.append(
                event_build(
                    lead=lead,
                    kind=step.kind or EventKind.NOTE,
                    actor=actor,
                    now=now,
                    action=step.event_action,
                    before=step.before,
                    after=step.details,
                    reason=step.reason,
                )
            )
            continue
        lead.status = after
        lead.updated_at = now
        for name, value in step.fields.items():
            setattr(lead, name, value)
        changes[(after, tuple(sorted(step.fields)))].append(lead)
        events.append(
            event_build(
                lead=lead,
                kind=step.kind or EventKind.STATUS_CHANGED,
                actor=actor,
                now=now,
                action=step.event_action or step.action,
                from_status=before,
                to_status=after,
                before={"status": before.value, **step.before},
                after={"status": after.value, **step.details},
                reason=step.reason,
            )
        )
        moved[step.action].append(lead.pk)
        reassigned = step.action is Action.ASSIGN and before in PARTNER_HELD
        event_name = "leads.reassigned" if reassigned else ANNOUNCED.get(step.action)
        if event_name is not None:
            announced[event_name].append(lead.pk)
    for (status, names), leads in changes.items():
        if names:
            rows_update(leads, ["status", "updated_at", *names])
        else:
            Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(
                status=status, updated_at=now
            )
    events_record(events)
    for action, lead_ids in moved.items():
        announce("leads.status_changed", lead_ids=lead_ids, action=action.value, now=now)
    for name, lead_ids in announced.items():
        announce(name, lead_ids=lead_ids, now=now)
    return events


def _plan(steps: Sequence[LeadStep]) -> list[tuple[LeadStatus, LeadStatus | None]]:
    """Each step's status before and after, checked in order (a lead may take several steps),
    before anything is written."""
    current: dict[int, LeadStatus] = {}
    planned: list[tuple[LeadStatus, LeadStatus | None]] = []
    for step in steps:
        before = current.get(id(step.lead), LeadStatus(step.lead.status))
        if step.action is None:
            planned.append((before, None))
            continue
        after = next_status(before, step.action, reason=step.reason)
        current[id(step.lead)] = after
        planned.append((before, after))
    return planned


def lockable() -> QuerySet[Lead]:
    """Leads locked for a write, with the criteria version their history names."""
    return Lead.objects.select_related("criteria_version").select_for_update(of=("self",))


@transaction.atomic
def lead_transition(
    *,
    lead: Lead,
    action: Action,
    actor: User | None,
    now: datetime,
    reason: str = "",
    details: Mapping[str, Any] | None = None,
    fields: Mapping[str, Any] | None = None,
) -> Lead:
    """Move one lead along one edge of the lifecycle (locking it), or raise InvalidTransition."""
    lead = lockable().select_related("program").get(pk=lead.pk)
    leads_transition(
        steps=[
            LeadStep(
                lead=lead,
                action=action,
                reason=reason,
                details=details or {},
                fields=fields or {},
            )
        ],
        actor=actor,
        now=now,
    )
    return lead


def leads_move(
    *, leads: Sequence[Lead], action: Action, actor: User | None, now: datetime, reason: str
) -> None:
    """Move many locked leads along one lifecycle edge (batches, batch approval, bulk
    actions): the caller holds the leads' locks in its transaction."""
    leads_transition(
        steps=[LeadStep(lead=lead, action=action, reason=reason) for lead in leads],
        actor=actor,
        now=now,
    )
