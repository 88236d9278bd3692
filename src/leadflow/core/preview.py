"""Previewing a draft of a program's criteria on its past leads before it is published
(DESIGN.md, "Criteria are versioned": a change can be previewed on past leads, showing how many
leads would move between ratings).

The preview qualifies every lead twice, with the published and with the draft criteria, and
counts the moves. Answers that the draft no longer accepts (a question removed, a choice
renamed) are counted and shown, because publishing would leave those leads unqualifiable until
someone fixes their answers.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from leadflow.core.criteria import QualifyingCriteria
from leadflow.core.enums import DisqualificationReason, Rating
from leadflow.core.errors import CriteriaError
from leadflow.core.qualification import parse_answers, qualify

EXAMPLES_PER_MOVE = 5
#: Ratings as they are shown in the preview, best first; None is "no rating" (disqualified).
RATING_ORDER: tuple[Rating | None, ...] = (*Rating, None)


@dataclass(frozen=True)
class PreviewLead:
    id: int
    answers: Mapping[str, object]
    profile: Mapping[str, object] = field(default_factory=dict)
    disqualified: DisqualificationReason | None = None


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
class Preview:
    total: int
    unchanged: int
    moves: tuple[Move, ...]
    before_counts: Mapping[Rating | None, int]
    after_counts: Mapping[Rating | None, int]
    invalid: int
    invalid_examples: tuple[tuple[int, str], ...]

    @property
    def moved(self) -> int:
        return sum(move.count for move in self.moves)


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
    total = unchanged = 0
    for lead in leads:
        total += 1
        before = _rating(published, lead)
        try:
            after = _rating(draft, lead)
        except CriteriaError as exc:
            invalid.append((lead.id, str(exc)))
            before_counts[before] += 1
            continue
        before_counts[before] += 1
        after_counts[after] += 1
        if before == after:
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
        invalid=len(invalid),
        invalid_examples=tuple(invalid[:EXAMPLES_PER_MOVE]),
    )


def _rating(criteria: QualifyingCriteria, lead: PreviewLead) -> Rating | None:
    return qualify(
        criteria,
        parse_answers(criteria, lead.answers),
        profile=lead.profile,
        disqualified=lead.disqualified,
    ).rating
