"""QA review: which leads of a review batch pass the checks that let a reviewer approve them
together ("approve all that pass"), and why the others need to be reviewed one by one.

DESIGN.md, "Who uses it": the QA reviewer "reviews qualified leads in batches: approves, or
pushes back with a reason". A lead passes when nothing about it needs a person's judgement:

1. it has a rating of Hot, A, B or C (a disqualified lead has none; an FYI lead has nothing
   that qualifies it yet);
2. it was qualified with the program's current criteria version (a lead that re-qualification
   could not move still carries an older rating);
3. every required question of the program's call script is answered;
4. the contact can be reached: an e-mail or a phone;
5. the qualifier's submission is complete: a qualifier submitted it from the workspace, after a
   connected call (the answers were confirmed with the prospect).

Separately, nobody reviews a lead they submitted or own (``review_conflict``); such a lead is
never approved with a batch, whatever its checks say.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from leadflow.core.criteria import QualifyingCriteria
from leadflow.core.enums import Rating

#: Ratings a batch may approve without a look: FYI says nothing qualifies the lead yet.
BATCH_RATINGS = frozenset({Rating.HOT, Rating.A, Rating.B, Rating.C})


@dataclass(frozen=True, slots=True)
class ReviewFacts:
    """What the checks read of one lead in review."""

    rating: Rating | None
    disqualified: bool
    answers: Mapping[str, object]
    email: str
    phone: str
    submitted: bool
    connected_call: bool
    criteria_version: int | None


@dataclass(frozen=True, slots=True)
class ReviewCheck:
    """The result of the checks: the problems found, in the order of the rules; none = passes."""

    problems: tuple[str, ...]

    @property
    def passes(self) -> bool:
        return not self.problems


def _answered(value: object) -> bool:
    return value is not None and value != ""


def review_check(
    facts: ReviewFacts, *, criteria: QualifyingCriteria, current_version: int | None
) -> ReviewCheck:
    """Check one lead against the batch rules of this module's docstring."""
    problems: list[str] = []
    if facts.disqualified or facts.rating is None:
        problems.append("no rating: the lead is disqualified")
    elif facts.rating not in BATCH_RATINGS:
        problems.append(f"rated {facts.rating.label}: nothing qualifies it yet")
    if facts.criteria_version is None:
        problems.append("never qualified with the program's criteria")
    elif current_version is not None and facts.criteria_version != current_version:
        problems.append(
            f"qualified with criteria version {facts.criteria_version}; "
            f"the program now uses version {current_version}"
        )
    missing = [
        question.label
        for question in criteria.questions
        if question.required and not _answered(facts.answers.get(question.key))
    ]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        problems.append(f"required question{plural} unanswered: {', '.join(missing)}")
    if not facts.email.strip() and not facts.phone.strip():
        problems.append("no e-mail or phone to reach the contact")
    if not facts.submitted:
        problems.append("not submitted by a qualifier from the workspace")
    if not facts.connected_call:
        problems.append("no connected call logged: the answers were not confirmed on a call")
    return ReviewCheck(tuple(problems))


def review_conflict(
    *, reviewer_id: int, owner_id: int | None, submitted_by_id: int | None
) -> str | None:
    """Why this reviewer may not decide the lead (they submitted or own it), or None."""
    if submitted_by_id == reviewer_id:
        return "you submitted this lead; another reviewer must review it"
    if owner_id == reviewer_id:
        return "you own this lead; another reviewer must review it"
    return None
