"""What a lead's history says for the reports (docs/REPORTS.md; issue 16).

``lead_fold`` reads one lead's history, oldest first, and returns the facts the reports count:
when the lead first reached each step of the funnel, its calls and submissions, the QA
decisions with the qualifier who had submitted it, the stretches of time in each lifecycle
status, and the rating it last had under each criteria version. The definitions are here once;
the summary tables store exactly this, and a full recomputation from the history is this
function again (the tests compare both).

The funnel is cumulative: a lead counts at a step when it reached that step or any later one
(an approved lead rated Hot with two BANT facts met counts as an opportunity: QA approval stands
for the stages the qualification did not record), so every step holds at most the previous one.

Pure: the events are plain rows, the period bounds are instants.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from leadflow.core.enums import Stage

#: The funnel's steps, in order (the API's ``step`` values).
FUNNEL_STEPS: tuple[str, ...] = (
    "inquiry",
    "lead",
    "opportunity",
    "qualified_opportunity",
    "approved",
    "handed_off",
    "won",
)

#: What the funnel is broken down by (``by``), each a column of the lead's summary row.
FUNNEL_BREAKDOWNS: tuple[str, ...] = ("channel", "campaign", "inquiry_type", "rating")

FUNNEL_LABELS: dict[str, str] = {
    "inquiry": "Inquiry",
    "lead": "Lead",
    "opportunity": "Opportunity",
    "qualified_opportunity": "Qualified opportunity",
    "approved": "Approved by QA",
    "handed_off": "Handed off",
    "won": "Won",
}

_STAGE_RANK = {
    Stage.INQUIRY.value: 0,
    Stage.LEAD.value: 1,
    Stage.OPPORTUNITY.value: 2,
    Stage.QUALIFIED_OPPORTUNITY.value: 3,
}

#: Statuses that count as handed off: delivered to the client, or assigned to a partner.
HANDED_OFF = frozenset({"delivered", "assigned"})


@dataclass(frozen=True, slots=True)
class EventRow:
    """The parts of one ``LeadEvent`` the reports read."""

    id: int
    kind: str
    action: str
    at: datetime
    from_status: str = ""
    to_status: str = ""
    actor_id: int | None = None
    stage: str = ""
    rating: str | None = None
    criteria_version: int | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    event_id: int
    at: datetime
    approved: bool
    qualifier_id: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class Span:
    status: str
    entered_at: datetime
    left_at: datetime | None

    @property
    def seconds(self) -> float | None:
        if self.left_at is None:
            return None
        return (self.left_at - self.entered_at).total_seconds()


@dataclass(slots=True)
class LeadFolded:
    status: str = ""
    status_since: datetime | None = None
    rating: str = ""
    criteria_version: int | None = None
    lead_at: datetime | None = None
    opportunity_at: datetime | None = None
    qualified_at: datetime | None = None
    approved_at: datetime | None = None
    handed_off_at: datetime | None = None
    won_at: datetime | None = None
    lost_at: datetime | None = None
    nurtured_at: datetime | None = None
    submitted_at: datetime | None = None
    first_call_at: datetime | None = None
    calls: int = 0
    submissions: int = 0
    pushbacks: int = 0
    qualifier_id: int | None = None
    decisions: list[Decision] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    #: criteria version → the rating the lead last had under it ("" for none).
    marks: dict[int, str] = field(default_factory=dict)


def _first(current: datetime | None, at: datetime) -> datetime:
    return at if current is None or at < current else current


def _stage_reached(folded: LeadFolded, stage: str, at: datetime) -> None:
    rank = _STAGE_RANK.get(stage, 0)
    if rank >= 1:
        folded.lead_at = _first(folded.lead_at, at)
    if rank >= 2:
        folded.opportunity_at = _first(folded.opportunity_at, at)
    if rank >= 3:
        folded.qualified_at = _first(folded.qualified_at, at)


def lead_fold(events: Sequence[EventRow]) -> LeadFolded:
    """The report facts of one lead from its history (any order; read oldest first)."""
    folded = LeadFolded()
    first_caller: int | None = None
    submitter: int | None = None
    for event in sorted(events, key=lambda row: (row.at, row.id)):
        if event.kind in ("created", "qualified"):
            if event.stage:
                _stage_reached(folded, event.stage, event.at)
            if event.kind == "qualified" or event.rating is not None or event.stage:
                folded.rating = event.rating or ""
                folded.criteria_version = event.criteria_version
                if event.criteria_version is not None:
                    folded.marks[event.criteria_version] = event.rating or ""
        if event.kind == "call":
            folded.calls += 1
            folded.first_call_at = _first(folded.first_call_at, event.at)
            if first_caller is None:
                first_caller = event.actor_id
        target = event.to_status
        if event.kind in ("created", "status_changed") and target:
            if folded.spans and folded.spans[-1].left_at is None:
                last = folded.spans[-1]
                folded.spans[-1] = Span(last.status, last.entered_at, event.at)
            folded.spans.append(Span(target, event.at, None))
            folded.status = target
            folded.status_since = event.at
        if event.kind != "status_changed":
            continue
        if event.action == "submit_for_review":
            folded.submissions += 1
            folded.submitted_at = _first(folded.submitted_at, event.at)
            submitter = event.actor_id
            if folded.qualifier_id is None:
                folded.qualifier_id = event.actor_id
        elif event.action in ("approve", "push_back"):
            approved = event.action == "approve"
            if not approved:
                folded.pushbacks += 1
            folded.decisions.append(
                Decision(event.id, event.at, approved, submitter, push_back_reason(event.reason))
            )
        if target == "approved":
            folded.approved_at = _first(folded.approved_at, event.at)
        elif target in HANDED_OFF:
            folded.handed_off_at = _first(folded.handed_off_at, event.at)
        elif target == "closed_won":
            folded.won_at = _first(folded.won_at, event.at)
        elif target == "closed_lost":
            folded.lost_at = _first(folded.lost_at, event.at)
        elif target == "nurturing":
            folded.nurtured_at = _first(folded.nurtured_at, event.at)
    if folded.qualifier_id is None:
        folded.qualifier_id = first_caller
    # A later step implies the earlier ones, reached no later than it.
    later = folded.won_at
    for name in ("handed_off_at", "approved_at", "qualified_at", "opportunity_at", "lead_at"):
        value = getattr(folded, name)
        if later is not None and (value is None or later < value):
            setattr(folded, name, later)
        later = getattr(folded, name) or later
    return folded


#: What separates a push-back's reason from the reviewer's note in its history entry
#: (``review.services``: "Budget not confirmed — the caller did not ask").
NOTE_SEPARATOR = " — "


def push_back_reason(text: str) -> str:
    """The reason of a QA decision's history entry, without the reviewer's note."""
    return text.split(NOTE_SEPARATOR, 1)[0].strip()[:200]


def funnel_reached(folded: LeadFolded) -> dict[str, bool]:
    """Which steps of the (cumulative) funnel the lead counts at."""
    return {
        "inquiry": True,
        "lead": folded.lead_at is not None,
        "opportunity": folded.opportunity_at is not None,
        "qualified_opportunity": folded.qualified_at is not None,
        "approved": folded.approved_at is not None,
        "handed_off": folded.handed_off_at is not None,
        "won": folded.won_at is not None,
    }


# --- periods -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """Days ``start`` (inclusive) to ``end`` (exclusive), read in a timezone."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("the period must end after it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        """The period of the same length just before this one (a calendar month before a
        calendar month, a year before a year)."""
        if self.start.day == 1 and self.end.day == 1:
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
            return Period(_add_months(self.start, -months), self.start)
        return Period(self.start - timedelta(days=self.days), self.start)

    def bounds(self, zone: str) -> tuple[datetime, datetime]:
        """The period's first and last instants (the end excluded) in ``zone``: local
        midnight of each day, whatever the offset that day (daylight saving)."""
        tz = ZoneInfo(zone)
        return (
            datetime.combine(self.start, time(0), tzinfo=tz),
            datetime.combine(self.end, time(0), tzinfo=tz),
        )


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def conversion(count: int, previous: int | None) -> float | None:
    """The share of the previous step that reached this one (``None`` for the first step or
    an empty previous step)."""
    if previous is None or previous == 0:
        return None
    return count / previous


def nearest_rank(count: int, fraction: float) -> int:
    """The 0-based position of the ``fraction`` percentile in ``count`` sorted values, by the
    nearest-rank method (the median of 4 values is the 2nd; the 90th percentile of 10 is the
    9th)."""
    if count <= 0:
        raise ValueError("no values")
    return max(0, math.ceil(fraction * count) - 1)


# --- durations counted in steps (the summary tables' histograms) -----------------------------

_MINUTE, _HOUR, _DAY = 60, 3_600, 86_400

#: Up to each bound, the width of a step (seconds): 4 to 17 % of the duration from an hour up
#: (8 to 25 % from ten minutes), so a median shown is at most a sixth above the value that
#: occurred; every whole hour up to two days is a step's end.
_STEP_WIDTHS: tuple[tuple[int, int], ...] = (
    (10 * _MINUTE, _MINUTE),
    (20 * _MINUTE, 2 * _MINUTE),
    (_HOUR, 5 * _MINUTE),
    (2 * _HOUR, 10 * _MINUTE),
    (4 * _HOUR, 15 * _MINUTE),
    (8 * _HOUR, 30 * _MINUTE),
    (_DAY, _HOUR),
    (2 * _DAY, _HOUR),
    (7 * _DAY, 6 * _HOUR),
    (14 * _DAY, 12 * _HOUR),
    (30 * _DAY, _DAY),
    (60 * _DAY, 3 * _DAY),
    (120 * _DAY, 6 * _DAY),
    (360 * _DAY, 15 * _DAY),
    (720 * _DAY, 30 * _DAY),
)


def _step_bounds() -> tuple[int, ...]:
    bounds: list[int] = []
    low = 0
    for high, width in _STEP_WIDTHS:
        bounds.extend(range(low + width, high + 1, width))
        low = high
    return tuple(bounds)


#: The upper end of each duration step in seconds: step 0 holds up to a minute, step k up to
#: ``STEP_BOUNDS[k]``; the last step (``len(STEP_BOUNDS)``) holds everything longer.
STEP_BOUNDS: tuple[int, ...] = _step_bounds()
#: How many steps a histogram counts.
STEP_COUNT = len(STEP_BOUNDS) + 1


def duration_step(seconds: float) -> int:
    """The step holding a duration: the first whose upper end is at least ``seconds``."""
    return bisect.bisect_left(STEP_BOUNDS, seconds)


def step_seconds(step: int) -> int:
    """What a step stands for in a percentile: its upper end (the last, open step: its lower
    end)."""
    return STEP_BOUNDS[min(step, len(STEP_BOUNDS) - 1)]


def step_percentile(counts: Sequence[int], fraction: float) -> int | None:
    """The nearest-rank ``fraction`` percentile of durations counted per step (``counts[k]``
    values in step k), as seconds: the step holding the value at position ⌈fraction·n⌉;
    ``None`` without values. The same as the exact nearest-rank value rounded up to its step."""
    total = sum(counts)
    if total <= 0:
        return None
    wanted = nearest_rank(total, fraction) + 1
    seen = 0
    for step, count in enumerate(counts):
        seen += count
        if seen >= wanted:
            return step_seconds(step)
    raise AssertionError("unreachable: the counts add up to the total")


# --- nurture: which touch a response answers -------------------------------------------------


@dataclass(frozen=True, slots=True)
class TouchDone:
    """A touch done for a lead (sent, or skipped when ``skipped``)."""

    id: int
    done_at: datetime
    skipped: bool


@dataclass(frozen=True, slots=True)
class Response:
    """A lead's response: its kind, when, and the touch it names (clicks do)."""

    kind: str
    at: datetime
    sent_id: int | None


def responses_attribute(
    touches: Sequence[TouchDone], responses: Sequence[Response]
) -> dict[int, dict[str, int]]:
    """Per touch id, how many of the lead's responses answer it, by kind: a response naming
    its touch answers that one; any other the last touch sent (not skipped) to the lead at or
    before it (the later id on a tie); a response before any touch answers none."""
    sent = sorted((touch.done_at, touch.id) for touch in touches if not touch.skipped)
    found: dict[int, dict[str, int]] = {}
    for response in responses:
        answered = response.sent_id
        if answered is None:
            position = bisect.bisect_right(sent, (response.at, math.inf))
            if position == 0:
                continue
            answered = sent[position - 1][1]
        counts = found.setdefault(answered, {})
        counts[response.kind] = counts.get(response.kind, 0) + 1
    return found


def enrollment_requalified(
    entered_at: datetime, left_at: datetime | None, requalified: Sequence[datetime]
) -> bool:
    """Whether the lead re-qualified out of nurture while in this enrollment: from its entry
    to its leaving (both the same instant when the re-qualification ended it), or from its
    entry on while it has not left."""
    return any(entered_at <= at and (left_at is None or at <= left_at) for at in requalified)
