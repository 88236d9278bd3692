"""The reads of the workspace and the queue page: ``lead_workspace`` gathers what the page
shows of one lead, ``queue_overview`` what waits for a qualifier and what they hold."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from leadflow.accounts.models import User
from leadflow.config.leads import TIMELINE_KINDS
from leadflow.core.criteria import QualifyingCriteria
from leadflow.leads.models import CallLog, Lead, LeadEvent
from leadflow.leads.selectors import lead_history, lead_scope
from leadflow.leads.selectors.queue import WORKABLE, queue_leads
from leadflow.leads.workspace.history import HistoryRow, history_row, push_back_reason
from leadflow.leads.workspace.panels import Panel, panel_from_lead
from leadflow.leads.workspace.script import ScriptQuestion, script_questions
from leadflow.leads.workspace.text import IntakeWarning, intake_warnings, label, shown
from leadflow.programs.selectors import program_published_criteria


@dataclass(frozen=True)
class TimelineKind:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Timeline:
    """The lead's timeline, newest first: the entries of the chosen kind ("" for all) and
    every kind present with its count, for the filter."""

    rows: list[HistoryRow]
    kind: str
    kinds: list[TimelineKind]
    total: int


def timeline(rows: list[HistoryRow], kind: str = "") -> Timeline:
    # Newest first; entries of the same moment in the reverse of the order they were written.
    ordered = [
        row for _, row in sorted(enumerate(rows), key=lambda x: (x[1].at, x[0]), reverse=True)
    ]
    counts: dict[str, int] = {}
    for row in ordered:
        counts[row.kind] = counts.get(row.kind, 0) + 1
    kinds = [
        TimelineKind(key, name, counts[key])
        for key, name in TIMELINE_KINDS.items()
        if key in counts
    ]
    kind = kind if kind in counts else ""
    return Timeline(
        rows=[row for row in ordered if not kind or row.kind == kind],
        kind=kind,
        kinds=kinds,
        total=len(ordered),
    )


@dataclass
class Workspace:
    """Everything the workspace page shows of one lead."""

    lead: Lead
    criteria: QualifyingCriteria
    questions: list[ScriptQuestion]
    panel: Panel
    calls: list[CallLog]
    history: list[HistoryRow]
    timeline: Timeline
    push_back: str | None
    answer_errors: dict[str, str] = field(default_factory=dict)
    profile: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[IntakeWarning] = field(default_factory=list)


def lead_workspace(
    *,
    lead: Lead,
    answers: Mapping[str, object] | None = None,
    errors: Mapping[str, str] | None = None,
    kind: str = "",
    extra_entries: Sequence[HistoryRow] = (),
) -> Workspace:
    """The workspace of a lead the caller already found through ``lead_get`` (so in scope).

    Three reads: the program's published criteria (the script follows the current version),
    the calls, and the history. ``answers`` and ``errors`` show a rejected script back as typed.
    """
    criteria = program_published_criteria(program=lead.program).criteria
    events = list(lead_history(lead=lead))
    calls = list(lead.calls.select_related("caller"))
    rows = [history_row(event, _actor(event), criteria) for event in events]
    return Workspace(
        lead=lead,
        criteria=criteria,
        questions=script_questions(criteria, lead.answers if answers is None else answers, errors),
        panel=panel_from_lead(lead),
        calls=calls,
        history=rows,
        timeline=timeline([*rows, *extra_entries], kind),
        push_back=push_back_reason(events),
        warnings=intake_warnings(lead.warnings, criteria),
        profile=[(label(str(key)), shown(value)) for key, value in (lead.profile or {}).items()],
        answer_errors={
            key: message
            for key, message in (errors or {}).items()
            if criteria.question(key) is None
        },
    )


def _actor(event: LeadEvent) -> str:
    actor = event.actor
    if actor is None:
        return ""
    return actor.get_full_name() or actor.get_username()


def is_workable(lead: Lead) -> bool:
    """Only leads still in qualification are worked in the workspace; later ones are read-only."""
    return lead.status in WORKABLE


@dataclass(frozen=True)
class QueueOverview:
    waiting: int
    held: list[Lead]


def queue_overview(*, user: User, now: datetime) -> QueueOverview:
    """How many leads wait for the user (free and due now, in the user's programs) and the
    leads the user holds."""
    held = list(
        lead_scope(user=user)
        .filter(status__in=WORKABLE, held_by=user, held_until__gt=now)
        .order_by("held_until")[:20]
    )
    waiting = queue_leads(user=user, now=now).exclude(pk__in=[lead.pk for lead in held]).count()
    return QueueOverview(waiting=waiting, held=held)
