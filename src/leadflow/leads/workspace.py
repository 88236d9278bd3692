"""The lead workspace and the qualification queue page, as values the templates render.

The workspace is where a qualifier works one lead (DESIGN.md, "Who uses it": the qualifier
"works the qualification queue with the program's call script, records calls and outcomes").
Everything here that turns criteria, answers and events into what a page shows is a pure
function of its inputs, so it is tested without a database; ``lead_workspace`` and
``queue_overview`` are the two selectors that read the rows those helpers need.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from leadflow.accounts.models import Role, User
from leadflow.core.criteria import QualifyingCriteria, QuestionType, format_number
from leadflow.core.enums import DisqualificationReason, Rating
from leadflow.core.errors import CriteriaError
from leadflow.core.lifecycle import Action
from leadflow.core.qualification import Qualification, parse_answers, qualify
from leadflow.intake.webforms import number_answer
from leadflow.leads.models import CallLog, EventKind, Lead, LeadEvent
from leadflow.leads.queue import WORKABLE, queue_leads
from leadflow.leads.selectors import lead_history, lead_scope
from leadflow.programs.selectors import program_published_criteria

#: Roles that may open a workspace; client contacts and partners never see it (404).
VIEW_ROLES = (Role.ADMIN, Role.QUALIFIER, Role.MANAGER, Role.REVIEWER, Role.MARKETER)
#: Roles that may answer, log calls and move a lead out of qualification.
EDIT_ROLES = (Role.ADMIN, Role.QUALIFIER, Role.MANAGER)
#: Roles that work the qualification queue.
QUEUE_ROLES = (Role.ADMIN, Role.QUALIFIER)
#: Choice questions with at most this many choices are radio groups (every option visible at
#: once while on the phone); longer lists are selects so the script stays short.
RADIO_LIMIT = 5
#: Reasons a qualifier may give; "unspecified" exists for the CLI only.
DISQUALIFICATION_REASONS = tuple(
    reason for reason in DisqualificationReason if reason is not DisqualificationReason.UNSPECIFIED
)
ANSWER_PREFIX = "answer_"


def may_view(user: User) -> bool:
    return user.has_role(*VIEW_ROLES)


def may_edit(user: User) -> bool:
    return user.has_role(*EDIT_ROLES)


def may_work_queue(user: User) -> bool:
    return user.has_role(*QUEUE_ROLES)


def is_workable(lead: Lead) -> bool:
    """Only leads still in qualification are worked in the workspace; later ones are read-only."""
    return lead.status in WORKABLE


def label(value: str) -> str:
    """``decision_maker`` → ``Decision maker``: how a stored value reads on a page."""
    return value.replace("_", " ").capitalize()


def shown(value: object) -> str:
    """An answer or a history value as text: numbers as a person writes them, dates in ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(shown(item) for item in value)
    return str(value)


# --- the call script -------------------------------------------------------------------------


def field_name(key: str) -> str:
    """The posted name of a question's answer, prefixed so it never meets the CSRF field."""
    return f"{ANSWER_PREFIX}{key}"


@dataclass(frozen=True)
class ScriptQuestion:
    """One question of the call script with its current (or just typed) answer and error."""

    number: int
    key: str
    label: str
    help_text: str
    widget: str  # radio, select, number, date or text
    choices: tuple[tuple[str, str], ...]
    value: str
    required: bool
    error: str = ""
    min_value: str = ""
    max_value: str = ""

    @property
    def name(self) -> str:
        return field_name(self.key)

    @property
    def id(self) -> str:
        return f"id_{self.name}"

    @property
    def described_by(self) -> str:
        ids = [f"{self.id}_help"] if self.help_text else []
        if self.error:
            ids.append(f"{self.id}_error")
        return " ".join(ids)


def _widget(kind: QuestionType, choice_count: int) -> str:
    if kind is QuestionType.CHOICE:
        return "radio" if choice_count <= RADIO_LIMIT else "select"
    return kind.value


def script_questions(
    criteria: QualifyingCriteria,
    answers: Mapping[str, object],
    errors: Mapping[str, str] | None = None,
) -> list[ScriptQuestion]:
    """The program's questions in order, each with the answer to show and its error, if any.

    ``answers`` may be saved answers (typed) or what was just posted (text), so that an invalid
    answer is shown back as typed beside its error.
    """
    errors = errors or {}
    return [
        ScriptQuestion(
            number=index,
            key=question.key,
            label=question.label,
            help_text=question.help_text,
            widget=_widget(question.type, len(question.choices)),
            choices=tuple((choice.value, choice.label) for choice in question.choices),
            value=shown(answers.get(question.key)),
            required=question.required,
            error=errors.get(question.key, ""),
            min_value=shown(question.min_value),
            max_value=shown(question.max_value),
        )
        for index, question in enumerate(criteria.questions, start=1)
    ]


def posted_answers(criteria: QualifyingCriteria, data: Mapping[str, str]) -> dict[str, object]:
    """Every question's answer from a posted script; an empty field is None, which the lead
    services read as "unanswered" (so clearing a field clears the saved answer)."""
    answers: dict[str, object] = {}
    for question in criteria.questions:
        raw = (data.get(field_name(question.key)) or "").strip()
        if question.type is QuestionType.NUMBER:
            answers[question.key] = number_answer(raw)
        else:
            answers[question.key] = raw or None
    return answers


def answers_check(
    criteria: QualifyingCriteria, raw: Mapping[str, object]
) -> tuple[dict[str, object], dict[str, str]]:
    """Parse answers question by question, so that each problem lands beside its question.

    Returns the parsed answers of the valid ones and the error of each invalid one (keyed by
    question key; an unknown key is reported under its own name).
    """
    errors: dict[str, str] = {}
    for key, value in raw.items():
        try:
            parse_answers(criteria, {key: value})
        except CriteriaError as exc:
            errors[key] = str(exc).removeprefix(f"{key}: ")
    valid = {key: value for key, value in raw.items() if key not in errors}
    return parse_answers(criteria, valid), errors


def answers_changed(
    criteria: QualifyingCriteria, saved: Mapping[str, object], raw: Mapping[str, object]
) -> bool:
    """Whether saving ``raw`` over ``saved`` would change anything (no empty history rows)."""
    try:
        return parse_answers(criteria, saved) != parse_answers(criteria, {**saved, **raw})
    except CriteriaError:
        return True


# --- the qualification panel -----------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """What the qualification panel shows: saved, or previewed from answers not yet saved."""

    bant: tuple[tuple[str, bool], ...] = ()
    stage: str = ""
    rating: str = ""  # the rating's label, "" for none (disqualified)
    rating_value: str = ""  # for the badge's style
    score: str = ""
    explanation: tuple[str, ...] = ()
    preview: bool = False
    errors: tuple[str, ...] = ()


BANT_LABELS = (
    ("budget", "Budget"),
    ("authority", "Authority"),
    ("need", "Need"),
    ("timeframe", "Time frame"),
)


def _rating_label(value: str | None) -> str:
    return Rating(value).label if value else ""


def panel_from_lead(lead: Lead) -> Panel:
    """The qualification the lead carries, as last computed by the lead services."""
    return Panel(
        bant=tuple((name, lead.bant[key]) for key, name in BANT_LABELS),
        stage=label(lead.stage),
        rating=_rating_label(lead.rating),
        rating_value=lead.rating or "",
        score=format_number(lead.score),
        explanation=tuple(lead.explanation),
    )


def panel_from_qualification(result: Qualification, *, preview: bool) -> Panel:
    flags = result.bant.as_dict()
    rating = result.rating.value if result.rating else None
    return Panel(
        bant=tuple((name, flags[key]) for key, name in BANT_LABELS),
        stage=label(result.stage.value),
        rating=_rating_label(rating),
        rating_value=rating or "",
        score=format_number(result.score),
        explanation=result.explanation,
        preview=preview,
    )


def preview_panel(
    criteria: QualifyingCriteria,
    *,
    saved: Mapping[str, object],
    raw: Mapping[str, object],
    profile: Mapping[str, object],
    disqualification: str,
    now: datetime,
) -> Panel:
    """The qualification the lead would get if ``raw`` were saved over ``saved`` answers,
    computed with the core exactly as ``lead_update_answers`` would, and nothing written."""
    _, errors = answers_check(criteria, raw)
    if errors:
        return Panel(
            preview=True,
            errors=tuple(f"{_question_label(criteria, k)}: {m}" for k, m in errors.items()),
        )
    try:
        answers = parse_answers(criteria, {**saved, **raw})
    except CriteriaError as exc:
        return Panel(preview=True, errors=(str(exc),))
    result = qualify(
        criteria,
        answers,
        profile=profile,
        disqualified=DisqualificationReason(disqualification) if disqualification else None,
        now=now,
    )
    return panel_from_qualification(result, preview=True)


def _question_label(criteria: QualifyingCriteria, key: str) -> str:
    question = criteria.question(key)
    return question.label if question is not None else key


# --- the history timeline --------------------------------------------------------------------


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
            return f"{datetime.fromisoformat(value):%Y-%m-%d %H:%M}"
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
        changes=tuple(event_changes(event.before, event.after)),
    )


def push_back_reason(events: Sequence[EventLike]) -> str | None:
    """The reason QA gave, when the lead's latest status change was a push-back: the first
    thing a qualifier must read before calling the prospect again."""
    for event in reversed(events):
        if event.kind == EventKind.STATUS_CHANGED:
            return event.reason if event.action == Action.PUSH_BACK else None
    return None


# --- the selectors ---------------------------------------------------------------------------


@dataclass
class Workspace:
    """Everything the workspace page shows of one lead."""

    lead: Lead
    criteria: QualifyingCriteria
    questions: list[ScriptQuestion]
    panel: Panel
    calls: list[CallLog]
    history: list[HistoryRow]
    push_back: str | None
    answer_errors: dict[str, str] = field(default_factory=dict)


def lead_workspace(
    *,
    lead: Lead,
    answers: Mapping[str, object] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Workspace:
    """The workspace of a lead the caller already found through ``lead_get`` (so in scope).

    Three reads: the program's published criteria (the script follows the current version),
    the calls, and the history. ``answers`` and ``errors`` show a rejected script back as typed.
    """
    criteria = program_published_criteria(program=lead.program).criteria
    events = list(lead_history(lead=lead))
    calls = list(lead.calls.select_related("caller"))
    return Workspace(
        lead=lead,
        criteria=criteria,
        questions=script_questions(criteria, lead.answers if answers is None else answers, errors),
        panel=panel_from_lead(lead),
        calls=calls,
        history=[history_row(event, _actor(event)) for event in events],
        push_back=push_back_reason(events),
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
