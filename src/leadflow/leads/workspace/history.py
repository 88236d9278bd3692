"""The history timeline of a lead: each LeadEvent as a row a person reads (who, when, what
moved, field by field), and the push-back reason a qualifier must read first."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.utils import timezone

from leadflow.core.enums import Rating
from leadflow.core.lifecycle import Action
from leadflow.leads.models import EventKind
from leadflow.leads.workspace.text import label, shown


@dataclass(frozen=True)
class Change:
    """One field of an event's before/after, as text; None when the side does not have it."""

    field: str
    before: str | None
    after: str | None


_EMPTY: tuple[object, ...] = ("", None, {}, [])


def _flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _field_value(name: str, value: object) -> str:
    if name == "rating" and isinstance(value, str) and value in set(Rating):
        return Rating(value).label
    if name in ("status", "from_status", "to_status") and isinstance(value, str):
        return label(value)
    if isinstance(value, str) and len(value) >= 16 and value[10:11] == "T":
        try:
            moment = datetime.fromisoformat(value)
            if timezone.is_aware(moment):  # in the viewer's zone, like every time on the page
                return f"{timezone.localtime(moment):%Y-%m-%d %H:%M %Z}"
            return f"{moment:%Y-%m-%d %H:%M}"
        except ValueError:
            pass
    return shown(value)


def event_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """What an event changed, field by field (nested answers and profile as ``answers.budget``).

    Unchanged fields are left out, and so are fields an event merely lists as empty, so that a
    ``created`` event reads as what came in and a ``qualified`` event as what moved.
    """
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
                field=name.replace("_", " "),
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
    at: datetime
    actor: str
    kind: str
    action: str
    from_status: str
    to_status: str
    reason: str
    changes: tuple[Change, ...]


def history_row(event: EventLike, actor: str) -> HistoryRow:
    kind = EventKind(event.kind).label if event.kind in EventKind.values else label(event.kind)
    return HistoryRow(
        at=event.at,
        actor=actor or "system",
        kind=kind,
        action=label(event.action) if event.action else "",
        from_status=label(event.from_status) if event.from_status else "",
        to_status=label(event.to_status) if event.to_status else "",
        reason=event.reason,
        # A note says what happened in its reason; what it keeps beside (the nurture touch, the
        # consent statement) is for the machine, not a change of the lead to list field by field.
        changes=()
        if event.kind == EventKind.NOTE
        else tuple(event_changes(event.before, event.after)),
    )


def push_back_reason(events: Sequence[EventLike]) -> str | None:
    """The reason QA gave, when the lead's latest status change was a push-back: the first
    thing a qualifier must read before calling the prospect again."""
    for event in reversed(events):
        if event.kind == EventKind.STATUS_CHANGED:
            return event.reason if event.action == Action.PUSH_BACK else None
    return None
