"""Properties of qualification that hold for every lead, and for every rating ladder a program
could define (DESIGN.md, "Qualification")."""

from datetime import UTC, datetime, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from leadflow.core.criteria import (
    Condition,
    PointRule,
    QualifyingCriteria,
    RatingRule,
    default_criteria,
    format_number,
)
from leadflow.core.enums import Authority, Budget, Need, Rating
from leadflow.core.qualification import EngagementEvent, qualify

DEFAULT = default_criteria()
NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
QUESTION_OF = {
    "budget": "budget",
    "authority": "authority",
    "need": "need",
    "timeframe": "timeframe_months",
}

months = st.integers(0, 36) | st.floats(0, 36, allow_nan=False)
horizons = st.none() | st.integers(0, 24) | st.floats(0, 24, allow_nan=False)


def optional(values: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    return st.none() | values


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, object]:
    """Parsed answers to the default questions; a missing key is an unanswered question."""
    raw = {
        "budget": draw(optional(st.sampled_from([b.value for b in Budget]))),
        "authority": draw(optional(st.sampled_from([a.value for a in Authority]))),
        "need": draw(optional(st.sampled_from([n.value for n in Need]))),
        "timeframe_months": draw(st.none() | months),
    }
    return {key: value for key, value in raw.items() if value is not None}


def value_sets(kind: type[Budget] | type[Authority] | type[Need]) -> st.SearchStrategy[object]:
    return st.none() | st.frozensets(st.sampled_from(list(kind)), min_size=1)


conditions = (
    st.fixed_dictionaries(
        {
            "budget_in": value_sets(Budget),
            "authority_in": value_sets(Authority),
            "need_in": value_sets(Need),
            "timeframe_known": st.none() | st.booleans(),
            "timeframe_max_months": st.none() | st.integers(0, 12),
        }
    )
    .filter(lambda c: not (c["timeframe_known"] is False and c["timeframe_max_months"] is not None))
    .map(lambda c: Condition(**c))
)


@st.composite
def ladders(draw: st.DrawFn) -> QualifyingCriteria:
    """The default questions with a random ladder: any ratings in any order, 1-3 conditions."""
    ratings = draw(st.permutations(list(Rating)))
    size = draw(st.integers(0, len(ratings)))
    ladder = [
        RatingRule(rating=rating, any_of=draw(st.lists(conditions, min_size=1, max_size=3)))
        for rating in ratings[:size]
    ]
    return QualifyingCriteria(
        name="random ladder", questions=DEFAULT.questions, rating_ladder=ladder
    )


def condition_holds(condition: Condition, answers: dict[str, object]) -> bool:
    """Condition semantics restated from DESIGN.md, on the raw answers (unanswered is "none")."""
    timeframe = answers.get("timeframe_months")
    checks = [
        condition.budget_in is None or answers.get("budget", "none") in condition.budget_in,
        condition.authority_in is None
        or answers.get("authority", "none") in condition.authority_in,
        condition.need_in is None or answers.get("need", "none") in condition.need_in,
        condition.timeframe_known is None or condition.timeframe_known == (timeframe is not None),
        condition.timeframe_max_months is None
        or (isinstance(timeframe, int | float) and timeframe <= condition.timeframe_max_months),
    ]
    return all(checks)


def first_matching_rule(
    criteria: QualifyingCriteria, answers: dict[str, object]
) -> tuple[Rating, int | None]:
    for number, rule in enumerate(criteria.rating_ladder, start=1):
        if any(condition_holds(condition, answers) for condition in rule.any_of):
            return rule.rating, number
    return Rating.FYI, None


@given(answers=answer_sets(), horizon=horizons, data=st.data())
def test_stage_never_falls_when_one_more_criterion_becomes_met(
    answers: dict[str, object], horizon: float | None, data: st.DataObject
) -> None:
    criteria = DEFAULT.model_copy(update={"horizon_months": horizon})
    before = qualify(criteria, answers)
    unmet = [fact for fact, met in before.bant.as_dict().items() if not met]
    assume(unmet)
    fact = data.draw(st.sampled_from(unmet))
    meeting: dict[str, st.SearchStrategy[object]] = {
        "budget": st.sampled_from(sorted(criteria.budget_met)),
        "authority": st.sampled_from(sorted(criteria.authority_met)),
        "need": st.sampled_from(sorted(criteria.need_met)),
        "timeframe": st.floats(0, 36 if horizon is None else horizon, allow_nan=False),
    }
    answers = {**answers, QUESTION_OF[fact]: data.draw(meeting[fact])}

    after = qualify(criteria, answers)

    assert after.bant.met_count == before.bant.met_count + 1
    assert after.stage.rank >= before.stage.rank


@given(criteria=ladders(), answers=answer_sets())
def test_rating_is_the_first_ladder_rule_whose_conditions_hold(
    criteria: QualifyingCriteria, answers: dict[str, object]
) -> None:
    result = qualify(criteria, answers)
    assert (result.rating, result.fired_rule) == first_matching_rule(criteria, answers)


@given(criteria=ladders(), answers=answer_sets())
def test_explanation_names_the_rule_that_fired(
    criteria: QualifyingCriteria, answers: dict[str, object]
) -> None:
    result = qualify(criteria, answers)
    assert result.rating is not None
    rating_lines = [line for line in result.explanation if line.startswith(("Rated ", "No rating"))]
    assert len(rating_lines) == 1
    if result.fired_rule is None:
        assert rating_lines == ["Rated FYI: no rating rule matched, for information only"]
    else:
        rule = criteria.rating_ladder[result.fired_rule - 1]
        assert rating_lines[0].startswith(f"Rated {result.rating.label}: ")
        assert rating_lines[0].endswith(rule.describe())


profile_rules = st.lists(
    st.builds(
        PointRule,
        label=st.sampled_from(["big", "bigger", "exact"]),
        source=st.just("profile"),
        key=st.sampled_from(["employees", "revenue"]),
        min_value=st.none() | st.integers(0, 1000),
        points=st.floats(-50, 50, allow_nan=False),
    ),
    max_size=4,
)
events = st.lists(
    st.builds(
        EngagementEvent,
        kind=st.sampled_from(["email_click", "form_fill", "reply", "page_view"]),
        at=st.floats(-5, 400).map(lambda days: NOW - timedelta(days=days)),
    ),
    max_size=6,
)


@given(
    answers=answer_sets(),
    extra_rules=profile_rules,
    profile=st.fixed_dictionaries(
        {"employees": st.integers(0, 5000), "revenue": st.floats(0, 1e6, allow_nan=False)}
    ),
    engagement=events,
    half_life=st.none() | st.floats(0.5, 365),
)
def test_score_is_the_sum_of_the_awards(
    answers: dict[str, object],
    extra_rules: list[PointRule],
    profile: dict[str, object],
    engagement: list[EngagementEvent],
    half_life: float | None,
) -> None:
    criteria = DEFAULT.model_copy(
        update={
            "point_rules": (*DEFAULT.point_rules, *extra_rules),
            "engagement_half_life_days": half_life,
        }
    )
    result = qualify(criteria, answers, profile=profile, engagement=engagement, now=NOW)
    total = sum(award.points for award in result.points)
    assert result.score == round(total, 2)
    assert abs(result.score - total) <= 0.005 + 1e-9
    point_lines = [line for line in result.explanation if " point" in line.split(":")[0]]
    assert len(point_lines) == len(result.points)
    assert result.explanation[-1] == f"Score: {format_number(result.score)}"
