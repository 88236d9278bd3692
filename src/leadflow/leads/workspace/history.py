"""The history of a lead as a timeline a person reads (issue 17, item 6): each LeadEvent as one
human sentence ("Ann Lee pushed the lead back: budget not confirmed"), sorted into kinds a
reader can filter by (calls, e-mails, status changes, reviews, deliveries, partner steps,
nurture touches, tasks, other changes), newest first, with the field-by-field changes one click
away; and the push-back reason a qualifier must read first.

The apps above ``leads`` write their steps as LeadEvents through the leads services; a note
event names its app by the key of its ``after`` (``{"nurture": …}``), and
``config/leads.TIMELINE_NOTE_KINDS`` says which kind each such key is, so this module names no
app. What an app keeps beside the history (a task still to do) comes from
``config/leads.TIMELINE_ENTRIES`` (``views.extensions.timeline_entries``).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.utils import timezone

from leadflow.config.leads import TIMELINE_KINDS, TIMELINE_NOTE_KINDS
from leadflow.core.criteria import QualifyingCriteria
from leadflow.core.enums import Rating
from leadflow.core.lifecycle import Action
from leadflow.leads.models import CallOutcome, EventKind
from leadflow.leads.workspace.text import FIELD_LABELS, label, shown


@dataclass(frozen=True)
class Change:
    """One field of an event's before/after, as text; None when the side does not have it."""

    field: str
    before: str | None
    after: str | None


_EMPTY: tuple[object, ...] = ("", None, {}, [])

#: The lead's own fields the history records, as a person names them.
_HISTORY_FIELDS = {
    **FIELD_LABELS,
    "status": "Status",
    "rating": "Rating",
    "stage": "Stage",
    "score": "Score",
    "bant": "BANT",
    "bant.budget": "Budget criterion met",
    "bant.authority": "Authority criterion met",
    "bant.need": "Need criterion met",
    "bant.timeframe": "Time frame criterion met",
    "next_call_at": "Next call",
    "outcome": "Outcome",
    "note": "Note",
    "pushed_back_at": "Pushed back at",
    "push_back_reason": "Push-back reason",
    "criteria_version": "Criteria version",
    "disqualification": "Disqualification",
    "owner": "Owner",
    "qualifier": "Qualifier",
    "submitted_by": "Submitted by",
}


def _flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def field_label(name: str, criteria: QualifyingCriteria | None = None) -> str:
    """How a changed field reads: ``answers.budget`` → its question ("Budget"),
    ``profile.source_detail`` → "Source detail (profile)", ``next_call_at`` → "Next call"."""
    if name in _HISTORY_FIELDS:
        return _HISTORY_FIELDS[name]
    head, _, rest = name.partition(".")
    if head == "answers" and rest:
        question = criteria.question(rest) if criteria is not None else None
        return question.label if question is not None else label(rest)
    if head == "profile" and rest:
        return f"{label(rest.replace('.', ' '))} (profile)"
    return label(name.replace(".", " "))


def _field_value(name: str, value: object) -> str:
    if name == "rating" and isinstance(value, str) and value in set(Rating):
        return Rating(value).label
    if isinstance(value, str) and len(value) >= 16 and value[10:11] == "T":
        try:
            moment = datetime.fromisoformat(value)
            if timezone.is_aware(moment):  # in the viewer's zone, like every time on the page
                return f"{timezone.localtime(moment):%Y-%m-%d %H:%M %Z}"
            return f"{moment:%Y-%m-%d %H:%M}"
        except ValueError:
            pass
    if isinstance(value, str) and "_" in value and " " not in value:
        return label(value)  # a stored value such as "decision_maker" or "closed_won"
    if name in ("status", "stage") and isinstance(value, str):
        return label(value)
    return shown(value)


def event_changes(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    criteria: QualifyingCriteria | None = None,
) -> list[Change]:
    """What an event changed, field by field, each field by its label (an answer by its
    question). Unchanged fields are left out, and so are fields an event merely lists as
    empty, so that a ``created`` event reads as what came in and a ``qualified`` event as what
    moved."""
    old, new = _flatten(before), _flatten(after)
    changes: list[Change] = []
    for name in [*new, *(key for key in old if key not in new)]:
        had, has = name in old, name in new
        if had and has and old[name] == new[name]:
            continue
        if (not had and new[name] in _EMPTY) or (not has and old[name] in _EMPTY):
            continue
        changes.append(
            Change(
                field=field_label(name, criteria),
                before=_field_value(name, old[name]) if had else None,
                after=_field_value(name, new[name]) if has else None,
            )
        )
    return changes


class EventLike(Protocol):
    """The fields of a LeadEvent the timeline reads (a Protocol, so tests pass plain values)."""

    kind: str
    action: str
    at: datetime
    from_status: str
    to_status: str
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass(frozen=True)
class HistoryRow:
    """One entry of the timeline: when, who, its kind (for the filter), one sentence, and the
    changes behind it."""

    at: datetime
    actor: str
    kind: str  # a key of config.leads.TIMELINE_KINDS
    sentence: str
    reason: str = ""
    changes: tuple[Change, ...] = ()

    @property
    def kind_label(self) -> str:
        return TIMELINE_KINDS.get(self.kind, "Other")


#: Status changes by lifecycle action: the timeline's kind and the sentence ({who} acts).
_STEPS: Mapping[str, tuple[str, str]] = {
    Action.START_QUALIFYING: ("status", "{who} started qualifying the lead"),
    Action.SUBMIT_FOR_REVIEW: ("reviews", "{who} sent the lead to QA review"),
    Action.APPROVE: ("reviews", "{who} approved the lead in QA review"),
    Action.PUSH_BACK: ("reviews", "{who} pushed the lead back to qualification"),
    Action.RETURN_TO_REVIEW: ("reviews", "{who} sent the lead back to QA review"),
    Action.DELIVER: ("deliveries", "{who} delivered the lead to the client"),
    Action.ASSIGN: ("partners", "{who} assigned the lead to a partner"),
    Action.UNASSIGN: ("partners", "{who} took the lead back from its partner"),
    Action.CLAIM: ("partners", "{who} claimed the lead"),
    Action.RECORD_CONTACT: ("partners", "{who} recorded the first contact with the prospect"),
    Action.CLOSE_WON: ("partners", "{who} closed the lead as won"),
    Action.CLOSE_LOST: ("partners", "{who} closed the lead as lost"),
    Action.NURTURE: ("nurture", "{who} moved the lead to nurture"),
    Action.REQUALIFY_FROM_NURTURE: ("nurture", "{who} brought the lead back from nurture"),
    Action.REOPEN: ("status", "{who} reopened the lead"),
    Action.DEAD_FILE: ("status", "{who} moved the lead to the dead file"),
    Action.DISQUALIFY: ("status", "{who} disqualified the lead"),
}

#: Every other kind of event: the timeline's kind and the sentence.
_EVENTS: Mapping[str, tuple[str, str]] = {
    EventKind.CREATED: ("changes", "{who} created the lead"),
    EventKind.QUALIFIED: ("changes", "{who} re-qualified the lead"),
    EventKind.UPDATED: ("changes", "{who} changed the lead"),
    EventKind.MERGED: ("changes", "{who} merged another inquiry into the lead"),
    EventKind.NOTE: ("changes", "{who} added a note"),
    EventKind.HELD: ("calls", "{who} opened the lead to call"),
    EventKind.RELEASED: ("calls", "{who} put the lead back in the queue"),
    EventKind.CALL: ("calls", "{who} logged a call"),
    EventKind.OWNER_CHANGED: ("changes", "{who} changed who owns the lead"),
    EventKind.RECORDING_PLAYED: ("reviews", "{who} listened to the call recording"),
    EventKind.DISPUTED: ("deliveries", "{who} disputed the delivered lead"),
    EventKind.DISPUTE_DECIDED: ("deliveries", "{who} decided the client's dispute"),
    EventKind.REPLACEMENT: ("deliveries", "{who} delivered the lead as a replacement"),
    EventKind.NOTIFIED: ("emails", "{who} e-mailed the lead to its partner"),
    EventKind.DECLINED: ("partners", "{who} declined the lead"),
    EventKind.FOLLOW_UP: ("partners", "{who} recorded a follow-up"),
    EventKind.VIOLATION: ("partners", "{who} recorded an SLA violation"),
    EventKind.ALERT: ("deliveries", "{who} raised an alert"),
}

_OUTCOMES = dict(CallOutcome.choices)


def _note_kind(event: EventLike) -> str:
    for key in event.after or {}:
        if key in TIMELINE_NOTE_KINDS:
            return TIMELINE_NOTE_KINDS[key]
    return "changes"


def _sentence(event: EventLike, who: str) -> tuple[str, str, str]:
    """The event's kind, its sentence and the reason still worth a line of its own."""
    reason = event.reason or ""
    if event.kind == EventKind.STATUS_CHANGED:
        kind, text = _STEPS.get(
            event.action,
            (
                "status",
                f"{{who}} changed the status from {label(event.from_status or 'none')} "
                f"to {label(event.to_status)}",
            ),
        )
        return kind, text.format(who=who), reason
    kind, text = _EVENTS.get(event.kind, ("changes", "{who} recorded " + label(event.kind)))
    text = text.format(who=who)
    after = event.after or {}
    if event.kind == EventKind.CALL:
        outcome = _OUTCOMES.get(str(after.get("outcome", "")), "")
        note = str(after.get("note") or "")
        text = f"{who} called: {outcome.lower()}" if outcome else text
        if note:
            text = f"{text} — “{note}”"
    elif event.kind == EventKind.NOTIFIED and after.get("to"):
        text = f"{who} e-mailed the lead to {shown(after['to'])}"
    elif event.kind == EventKind.QUALIFIED:
        rating = after.get("rating")
        if isinstance(rating, str) and rating in set(Rating):
            text = f"{text}: now rated {Rating(rating).label}"
    elif event.kind == EventKind.NOTE:
        kind = _note_kind(event)
        if reason:
            text, reason = f"{who}: {reason}" if who != "LeadFlow" else reason, ""
    return kind, text, reason


def history_row(
    event: EventLike, actor: str, criteria: QualifyingCriteria | None = None
) -> HistoryRow:
    """One event as a timeline entry: one sentence, its kind, and (a note aside, whose
    ``after`` is the app's own record) what it changed field by field."""
    who = actor or "LeadFlow"
    kind, sentence, reason = _sentence(event, who)
    sentence = sentence.strip()
    if sentence and sentence[-1] not in ".!?":
        sentence += "."
    return HistoryRow(
        at=event.at,
        actor=who,
        kind=kind,
        sentence=sentence,
        reason=reason,
        changes=()
        if event.kind in (EventKind.NOTE, EventKind.NOTIFIED, EventKind.CALL)
        else tuple(event_changes(event.before, event.after, criteria)),
    )


def push_back_reason(events: Sequence[EventLike]) -> str | None:
    """The reason QA gave, when the lead's latest status change was a push-back: the first
    thing a qualifier must read before calling the prospect again."""
    for event in reversed(events):
        if event.kind == EventKind.STATUS_CHANGED:
            return event.reason if event.action == Action.PUSH_BACK else None
    return None
