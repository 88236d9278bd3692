"""Previewing a draft of a program's criteria on its past leads before it is published
(DESIGN.md, "Criteria are versioned": a change can be previewed on past leads, showing how many
leads would move between ratings).

The preview qualifies every lead twice, with the published and with the draft criteria, and
counts the moves between ratings and the changes of score: how many leads change score, by how
much (a small distribution of the differences), and the leads that change most, each before →
after. Engagement points are left out on both sides (they decay with time and are not part of a
criteria change), so a score here is the answer and profile points only.

Answers that the draft no longer accepts (a question removed, a choice renamed) are counted and
shown, because publishing would leave those leads unqualifiable until someone fixes their
answers.
"""

import heapq
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

from leadflow.core.criteria import QualifyingCriteria
from leadflow.core.enums import DisqualificationReason, Rating
from leadflow.core.errors import CriteriaError
from leadflow.core.qualification import parse_answers, qualify

EXAMPLES_PER_MOVE = 5
#: How many leads the preview lists one by one (before → after), those that change most first.
CHANGED_LEADS_SHOWN = 20
_NOTHING: Mapping[str, object] = MappingProxyType({})
#: Ratings as they are shown in the preview, best first; None is "no rating" (disqualified).
RATING_ORDER: tuple[Rating | None, ...] = (*Rating, None)


class PreviewLead(NamedTuple):
    """One past lead's inputs. Leads given the same ``key`` have the same inputs (answers,
    the profile attributes the point rules read, disqualification): the preview qualifies each
    key once, which is what makes a preview of thousands of leads answer in a page request
    (most leads share one of a few hundred combinations of answers). None: no sharing."""

    id: int
    answers: Mapping[str, object]
    profile: Mapping[str, object] = _NOTHING
    disqualified: DisqualificationReason | None = None
    key: Hashable | None = None


@dataclass(frozen=True)
class Move:
    before: Rating | None
    after: Rating | None
    count: int
    examples: tuple[int, ...]

    @property
    def label(self) -> str:
        return f"{_label(self.before)} → {_label(self.after)}"


@dataclass(frozen=True)
class ScoreChange:
    """How many leads' score would change by ``difference`` points (after minus before)."""

    difference: float
    count: int


@dataclass(frozen=True)
class ChangedLead:
    """One lead whose rating or score the draft would change: before → after."""

    id: int
    before_rating: Rating | None
    after_rating: Rating | None
    before_score: float
    after_score: float

    @property
    def difference(self) -> float:
        return round(self.after_score - self.before_score, 2)

    @property
    def rating_label(self) -> str:
        return f"{_label(self.before_rating)} → {_label(self.after_rating)}"


@dataclass(frozen=True)
class Preview:
    total: int
    unchanged: int
    moves: tuple[Move, ...]
    before_counts: Mapping[Rating | None, int]
    after_counts: Mapping[Rating | None, int]
    invalid: int
    invalid_examples: tuple[tuple[int, str], ...]
    #: The differences of score, smallest (most negative) first; leads whose score stays out.
    score_changes: tuple[ScoreChange, ...] = ()
    #: The leads that change most (score difference, then rating move), up to
    #: ``CHANGED_LEADS_SHOWN``, biggest change first.
    changed_leads: tuple[ChangedLead, ...] = ()

    @property
    def moved(self) -> int:
        return sum(move.count for move in self.moves)

    @property
    def rescored(self) -> int:
        """How many leads' score would change."""
        return sum(change.count for change in self.score_changes)

    @property
    def score_raised(self) -> int:
        return sum(change.count for change in self.score_changes if change.difference > 0)

    @property
    def score_lowered(self) -> int:
        return sum(change.count for change in self.score_changes if change.difference < 0)


def _label(rating: Rating | None) -> str:
    return rating.label if rating else "no rating"


def criteria_preview(
    published: QualifyingCriteria, draft: QualifyingCriteria, leads: Iterable[PreviewLead]
) -> Preview:
    """How the leads' ratings would change if ``draft`` replaced ``published``."""
    moves: Counter[tuple[Rating | None, Rating | None]] = Counter()
    examples: dict[tuple[Rating | None, Rating | None], list[int]] = {}
    before_counts: Counter[Rating | None] = Counter()
    after_counts: Counter[Rating | None] = Counter()
    invalid: list[tuple[int, str]] = []
    invalid_count = 0
    differences: Counter[float] = Counter()
    # A bounded min-heap of (size of the change, rating moved, -id, outcome): the biggest stay.
    biggest: list[tuple[float, bool, int, _Outcome]] = []
    known: dict[Hashable, _Outcome] = {}
    total = unchanged = 0
    for lead in leads:
        total += 1
        outcome = known.get(lead.key) if lead.key is not None else None
        if outcome is None:
            outcome = _outcome(published, draft, lead)
            if lead.key is not None:
                known[lead.key] = outcome
        before = outcome.before
        before_counts[before] += 1
        if outcome.problem is not None:
            invalid_count += 1
            if len(invalid) < EXAMPLES_PER_MOVE:
                invalid.append((lead.id, outcome.problem))
            continue
        after = outcome.after
        after_counts[after] += 1
        moved = before != after
        difference = outcome.difference
        if difference:
            differences[difference] += 1
        if difference or moved:
            entry = (abs(difference), moved, -lead.id, outcome)
            if len(biggest) < CHANGED_LEADS_SHOWN:
                heapq.heappush(biggest, entry)
            elif entry[:3] > biggest[0][:3]:
                heapq.heapreplace(biggest, entry)
        if not moved:
            unchanged += 1
            continue
        moves[(before, after)] += 1
        bucket = examples.setdefault((before, after), [])
        if len(bucket) < EXAMPLES_PER_MOVE:
            bucket.append(lead.id)
    order = {rating: index for index, rating in enumerate(RATING_ORDER)}
    return Preview(
        total=total,
        unchanged=unchanged,
        moves=tuple(
            Move(before, after, count, tuple(examples[(before, after)]))
            for (before, after), count in sorted(
                moves.items(), key=lambda item: (order[item[0][0]], order[item[0][1]])
            )
        ),
        before_counts=dict(before_counts),
        after_counts=dict(after_counts),
        invalid=invalid_count,
        invalid_examples=tuple(invalid),
        score_changes=tuple(
            ScoreChange(difference, count) for difference, count in sorted(differences.items())
        ),
        changed_leads=tuple(
            ChangedLead(-lead_id, o.before, o.after, o.before_score, o.after_score)
            for _, _, lead_id, o in sorted(biggest, key=lambda entry: entry[:3], reverse=True)
        ),
    )


@dataclass(frozen=True, slots=True)
class _Outcome:
    """A lead's rating and score under the published criteria and under the draft, or the
    problem that makes the draft refuse its answers."""

    before: Rating | None
    before_score: float
    after: Rating | None = None
    after_score: float = 0
    problem: str | None = None
    difference: float = 0


def _outcome(
    published: QualifyingCriteria, draft: QualifyingCriteria, lead: PreviewLead
) -> _Outcome:
    before, before_score = _result(published, lead)
    try:
        after, after_score = _result(draft, lead)
    except CriteriaError as exc:
        return _Outcome(before, before_score, problem=str(exc))
    return _Outcome(
        before, before_score, after, after_score, difference=round(after_score - before_score, 2)
    )


def _result(criteria: QualifyingCriteria, lead: PreviewLead) -> tuple[Rating | None, float]:
    qualification = qualify(
        criteria,
        parse_answers(criteria, lead.answers),
        profile=lead.profile,
        disqualified=lead.disqualified,
    )
    return qualification.rating, qualification.score
