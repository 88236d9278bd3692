"""The qualification engine (DESIGN.md, "Qualification"): ``qualify`` one lead, or read only
its ``bant_facts``, from parsed answers, profile, engagement and a disqualification.

The engine asks the criteria's compiled plan for the verdict of the lead's BANT facts and for
its point awards, and puts them together with the disqualification into one explained
``Qualification``; everything that does not depend on the lead was settled in the plan.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType

from leadflow.core.criteria import QualifyingCriteria
from leadflow.core.enums import DisqualificationReason, Rating
from leadflow.core.qualification.plan import plan_for
from leadflow.core.qualification.results import (
    BantFacts,
    EngagementEvent,
    Qualification,
    made_qualification,
)

_NOTHING: Mapping[str, object] = MappingProxyType({})
_REASONS = tuple(reason.value for reason in DisqualificationReason)


def bant_facts(criteria: QualifyingCriteria, answers: Mapping[str, object]) -> BantFacts:
    """The BANT facts of parsed answers (unanswered: none, or an unknown time frame)."""
    return plan_for(criteria).verdict(answers).facts


def qualify(
    criteria: QualifyingCriteria,
    answers: Mapping[str, object],
    *,
    profile: Mapping[str, object] = _NOTHING,
    engagement: Sequence[EngagementEvent] = (),
    disqualified: DisqualificationReason | None = None,
    now: datetime | None = None,
    criteria_version: int | None = None,
    predicted: float | None = None,
) -> Qualification:
    """Qualifies one lead: BANT flags, stage, rating, score and the explanation of each.

    ``answers`` is the output of ``parse_answers``. A disqualified lead keeps its facts, stage
    and score but gets no rating. Engagement points decay with age, so ``now`` (timezone-aware)
    is required whenever engagement is given; a ``ValueError`` says so. ``predicted`` is the
    lead's predicted chance of converting (0-1, issue 19), which the prediction point rules
    read; None when the lead has none.

    Leads with the same answers and profile values (those the criteria read), the same
    disqualification, no engagement and no prediction award (none predicted, or a chance no
    prediction rule rewards) get the same result, made once: results are frozen, so they are
    shared.
    """
    plan = plan_for(criteria)
    key = plan.key(answers, profile)
    predicted_awards = (
        plan.prediction_awards(predicted) if predicted is not None and plan.prediction_rules else ()
    )
    whole = None
    if (
        key is not None
        and not engagement
        and not predicted_awards
        and type(criteria_version) is not bool
    ):
        whole = (key, disqualified, criteria_version)
        found = plan.results.get(whole)
        if found is not None:
            return found  # type: ignore[return-value]
    combination = plan.combination(key, answers, profile)
    verdict = combination.verdict
    rating: Rating | None = verdict.rating
    fired_rule = verdict.fired_rule
    rating_line = verdict.rating_line
    reason = None
    if disqualified is not None:
        reason = _disqualification(disqualified)
        rating = fired_rule = None
        rating_line = (
            "No rating: disqualified"
            if reason is DisqualificationReason.UNSPECIFIED
            else f"No rating: disqualified ({reason.value.replace('_', ' ')})"
        )
    points = combination.awards
    engaged = plan.engagement_awards(engagement, now) if engagement else ()
    if predicted_awards:
        engaged = (*engaged, *predicted_awards)
    if engaged:
        points = (*points, *engaged)
    result = made_qualification(
        verdict.facts,
        verdict.bant,
        verdict.stage,
        rating,
        fired_rule,
        round(sum(award.points for award in points), 2),
        points,
        reason,
        criteria_version,
        (*verdict.lines, rating_line, *combination.lines),
        len(engaged),
    )
    if whole is not None:
        plan.remember(whole, result)
    return result


def _disqualification(reason: object) -> DisqualificationReason:
    if isinstance(reason, str) and reason in _REASONS:
        return DisqualificationReason(reason)
    known = ", ".join(_REASONS)
    raise ValueError(f"disqualified: {reason!r} is not a reason ({known})")
