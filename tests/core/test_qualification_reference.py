"""The engine against a straightforward reading of DESIGN.md, "Qualification", on random criteria
and random leads: the compiled plan, its caches per answer combination and the explanation put
together on first read must give exactly what a plain evaluation of the rules gives.

The reference below compiles nothing and caches nothing: it reads the criteria's questions,
met sets, rating ladder and point rules for every lead and writes every sentence itself.
"""

from collections.abc import Mapping, Sequence
from dataclasses import FrozenInstanceError, fields
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadflow.core.criteria import (
    Condition,
    PointRule,
    QualifyingCriteria,
    RatingRule,
    default_criteria,
    format_number,
    join_or,
    months,
    ordered,
    plain,
)
from leadflow.core.enums import (
    Authority,
    BantFact,
    Budget,
    DisqualificationReason,
    Need,
    Rating,
    Stage,
)
from leadflow.core.qualification import EngagementEvent, Qualification, qualify

DEFAULT = default_criteria()
NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
KINDS = ["email_click", "form_fill", "reply", "page_view"]


def _points(points: float) -> str:
    sign = "+" if points >= 0 else "-"
    return f"{sign}{format_number(abs(points))} {'point' if abs(points) == 1 else 'points'}"


def _shown(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _fact_line(
    fact: str, value: str, met: frozenset[Budget] | frozenset[Authority] | frozenset[Need]
) -> str:
    definition = join_or(plain(v) for v in ordered(met))
    if value in met:
        return f"{fact}: {plain(value)} — meets the criterion ({definition})"
    return f"{fact}: {plain(value)} — does not meet the criterion (needs {definition})"


def _fact_value(
    criteria: QualifyingCriteria, fact: BantFact, answers: Mapping[str, object]
) -> str | None:
    question = criteria.question_for(fact)
    if question is None:
        return None
    answer = answers.get(question.key)
    if answer is None:
        return None
    return next(c.bant_value for c in question.choices if c.value == answer)


def _rule_award(rule: PointRule, value: object) -> tuple[str, float, str] | None:
    name = plain(rule.key)
    if rule.matches_text:
        accepted = (rule.equals,) if rule.equals is not None else rule.one_of or ()
        if not isinstance(value, str) or value not in accepted:
            return None
        shown = plain(value)
    elif rule.matches_number:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None
        if rule.min_value is not None and (
            value <= rule.min_value if rule.min_exclusive else value < rule.min_value
        ):
            return None
        if rule.max_value is not None and value > rule.max_value:
            return None
        shown = _shown(value)
    else:
        if value == "":
            return None
        shown = _shown(value)
    reason = f"{name}: {shown}" if rule.source == "answer" else f"{name} (profile): {shown}"
    return rule.label, rule.points, reason


def reference(
    criteria: QualifyingCriteria,
    answers: Mapping[str, object],
    profile: Mapping[str, object],
    engagement: Sequence[EngagementEvent],
    disqualified: DisqualificationReason | None,
    criteria_version: int | None,
    predicted: float | None = None,
) -> dict[str, object]:
    budget = Budget(_fact_value(criteria, BantFact.BUDGET, answers) or Budget.NONE)
    authority = Authority(_fact_value(criteria, BantFact.AUTHORITY, answers) or Authority.NONE)
    need = Need(_fact_value(criteria, BantFact.NEED, answers) or Need.NONE)
    timeframe_question = criteria.question_for(BantFact.TIMEFRAME)
    raw_timeframe = None if timeframe_question is None else answers.get(timeframe_question.key)
    timeframe = None if raw_timeframe is None else float(raw_timeframe)  # type: ignore[arg-type]
    horizon = criteria.horizon_months
    bant = {
        "budget": budget in criteria.budget_met,
        "authority": authority in criteria.authority_met,
        "need": need in criteria.need_met,
        "timeframe": timeframe is not None and (horizon is None or timeframe <= horizon),
    }
    met = sum(bant.values())
    stage = Stage.from_criteria_met(met)
    within = "" if horizon is None else f" within {months(horizon)}"
    timeframe_verdict = (
        f"meets the criterion (known{' and' + within if within else ''})"
        if bant["timeframe"]
        else f"does not meet the criterion (needs a known time frame{within})"
    )
    lines = [
        _fact_line("Budget", budget.value, criteria.budget_met),
        _fact_line("Authority", authority.value, criteria.authority_met),
        _fact_line("Need", need.value, criteria.need_met),
        f"Time frame: {'unknown' if timeframe is None else months(timeframe)} — "
        f"{timeframe_verdict}",
        f"Stage: {plain(stage.value).capitalize()} — {met} of 4 criteria met",
    ]
    rating: Rating | None = Rating.FYI
    fired: int | None = None
    rating_line = f"Rated {Rating.FYI.label}: no rating rule matched, for information only"
    for number, rule in enumerate(criteria.rating_ladder, start=1):
        if rule.matches(budget=budget, authority=authority, need=need, timeframe_months=timeframe):
            rating, fired = rule.rating, number
            rating_line = f"Rated {rule.rating.label}: {rule.describe()}"
            break
    if disqualified is not None:
        rating = fired = None
        rating_line = (
            "No rating: disqualified"
            if disqualified is DisqualificationReason.UNSPECIFIED
            else f"No rating: disqualified ({plain(disqualified.value)})"
        )
    lines.append(rating_line)
    awards: list[tuple[str, float, str]] = []
    for rule in criteria.point_rules:
        if rule.source in ("engagement", "prediction"):
            continue
        value = (answers if rule.source == "answer" else profile).get(rule.key)
        award = None if value is None else _rule_award(rule, value)
        if award is not None:
            awards.append(award)
            lines.append(f"{_points(rule.points)}: {rule.label}")
    half_life = criteria.engagement_half_life_days
    decay = "no decay" if half_life is None else f"halved every {format_number(half_life)} days"
    for rule in criteria.point_rules:
        if rule.source != "engagement":
            continue
        weights = [
            1.0
            if half_life is None
            else 0.5 ** (max((NOW - event.at).total_seconds() / 86_400.0, 0.0) / half_life)
            for event in engagement
            if event.kind == rule.key
        ]
        if weights:
            count = len(weights)
            reason = (
                f"{count} {plain(rule.key)} event{'' if count == 1 else 's'}, "
                f"{_points(rule.points).lstrip('+')} each, {decay}"
            )
            points = round(rule.points * sum(weights), 2)
            awards.append((rule.label, points, reason))
            lines.append(f"{_points(points)}: {rule.label} ({reason})")
    for rule in criteria.point_rules:
        if rule.source != "prediction" or predicted is None:
            continue
        percent = predicted * 100
        if rule.min_value is not None and (
            percent <= rule.min_value if rule.min_exclusive else percent < rule.min_value
        ):
            continue
        if rule.max_value is not None and percent > rule.max_value:
            continue
        reason = f"predicted chance of converting {format_number(round(percent))} %"
        awards.append((rule.label, rule.points, reason))
        lines.append(f"{_points(rule.points)}: {rule.label} ({reason})")
    score = round(sum(points for _, points, _ in awards), 2)
    lines.append(f"Score: {format_number(score)}")
    return {
        "facts": {
            "budget": budget.value,
            "authority": authority.value,
            "need": need.value,
            "timeframe_months": timeframe,
        },
        "bant": bant,
        "stage": stage.value,
        "rating": None if rating is None else rating.value,
        "fired_rule": fired,
        "score": score,
        "points": [{"label": label, "points": p, "reason": r} for label, p, r in awards],
        "explanation": lines,
        "disqualified": None if disqualified is None else disqualified.value,
        "criteria_version": criteria_version,
    }


def value_sets(kind: type[Budget] | type[Authority] | type[Need]) -> st.SearchStrategy[object]:
    return st.none() | st.frozensets(st.sampled_from(list(kind)), min_size=1)


def met_sets(kind: type[Budget] | type[Authority] | type[Need]) -> st.SearchStrategy[object]:
    return st.frozensets(st.sampled_from(list(kind)), min_size=1)


conditions = (
    st.fixed_dictionaries(
        {
            "budget_in": value_sets(Budget),
            "authority_in": value_sets(Authority),
            "need_in": value_sets(Need),
            "timeframe_known": st.none() | st.booleans(),
            "timeframe_max_months": st.none() | st.integers(0, 12) | st.floats(0, 12),
        }
    )
    .filter(lambda c: not (c["timeframe_known"] is False and c["timeframe_max_months"] is not None))
    .map(lambda c: Condition(**c))
)
small_points = st.integers(-30, 30) | st.floats(-30, 30, allow_nan=False).map(lambda p: round(p, 3))


def answer_rules() -> st.SearchStrategy[PointRule]:
    budget = st.builds(
        PointRule,
        label=st.sampled_from(["budget", "money"]),
        source=st.just("answer"),
        key=st.just("budget"),
        one_of=st.lists(st.sampled_from([b.value for b in Budget]), min_size=1, max_size=3).map(
            tuple
        ),
        points=small_points,
    )
    timeframe = st.builds(
        PointRule,
        label=st.sampled_from(["soon", "later"]),
        source=st.just("answer"),
        key=st.just("timeframe_months"),
        min_value=st.none() | st.integers(0, 12),
        max_value=st.just(None) | st.integers(12, 24),
        points=small_points,
    ).filter(lambda r: r.matches_number)
    presence = st.builds(
        PointRule,
        label=st.just("asked"),
        source=st.just("answer"),
        key=st.sampled_from(["need", "timeframe_months"]),
        points=small_points,
    )
    return budget | timeframe | presence


profile_rules = st.builds(
    PointRule,
    label=st.sampled_from(["big", "size known", "industry"]),
    source=st.just("profile"),
    key=st.sampled_from(["employees", "industry"]),
    points=small_points,
) | st.builds(
    PointRule,
    label=st.sampled_from(["big", "bigger"]),
    source=st.just("profile"),
    key=st.sampled_from(["employees", "industry"]),
    min_value=st.integers(0, 1000),
    min_exclusive=st.booleans(),
    points=small_points,
)
prediction_rules = (
    st.fixed_dictionaries(
        {
            "label": st.sampled_from(["likely", "unlikely"]),
            "source": st.just("prediction"),
            "key": st.just("probability"),
            "min_value": st.none() | st.integers(0, 100) | st.floats(0, 100),
            "min_exclusive": st.booleans(),
            "max_value": st.none() | st.integers(0, 100),
            "points": small_points,
        }
    )
    .filter(lambda r: r["min_value"] is not None or r["max_value"] is not None)
    .filter(lambda r: r["min_value"] is not None or not r["min_exclusive"])
    .filter(lambda r: None in (r["min_value"], r["max_value"]) or r["min_value"] <= r["max_value"])
    .map(lambda r: PointRule(**r))
)
engagement_rules = st.builds(
    PointRule,
    label=st.sampled_from(["click", "fill", "again"]),
    source=st.just("engagement"),
    key=st.sampled_from(KINDS),
    points=small_points,
)


@st.composite
def criteria_sets(draw: st.DrawFn) -> QualifyingCriteria:
    ratings = draw(st.permutations(list(Rating)))
    size = draw(st.integers(0, len(ratings)))
    ladder = [
        RatingRule(rating=rating, any_of=draw(st.lists(conditions, min_size=1, max_size=2)))
        for rating in ratings[:size]
    ]
    rules = draw(
        st.lists(answer_rules() | profile_rules | engagement_rules | prediction_rules, max_size=6)
    )
    return QualifyingCriteria(
        name="random",
        questions=DEFAULT.questions,
        budget_met=draw(met_sets(Budget)),
        authority_met=draw(met_sets(Authority)),
        need_met=draw(met_sets(Need)),
        horizon_months=draw(st.none() | st.integers(0, 24) | st.floats(0, 24)),
        rating_ladder=ladder,
        point_rules=rules,
        engagement_half_life_days=draw(st.none() | st.floats(0.5, 365)),
    )


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, object]:
    raw = {
        "budget": draw(st.none() | st.sampled_from([b.value for b in Budget])),
        "authority": draw(st.none() | st.sampled_from([a.value for a in Authority])),
        "need": draw(st.none() | st.sampled_from([n.value for n in Need])),
        "timeframe_months": draw(st.none() | st.integers(0, 30) | st.floats(0, 30)),
    }
    return {key: value for key, value in raw.items() if value is not None}


# Profile values a lead may carry: numbers and text, and the look-alikes a cache keyed by value
# could confuse (True equals 1, 1.0 equals 1), and values that cannot key a cache at all.
profile_values = (
    st.none()
    | st.integers(0, 2000)
    | st.sampled_from([0, 1, 1.0, True, False, 0.0, "", "retail", "250"])
    | st.floats(0, 2000, allow_nan=False)
    | st.just(["a", "list"])
)
profiles = st.fixed_dictionaries(
    {}, optional={"employees": profile_values, "industry": profile_values}
)
events = st.lists(
    st.builds(
        EngagementEvent,
        kind=st.sampled_from(KINDS),
        at=st.floats(-5, 400).map(lambda days: NOW - timedelta(days=days)),
    ),
    max_size=4,
)
reasons = st.none() | st.sampled_from(list(DisqualificationReason))
# Predicted chances: none, on and near the rules' bounds (40 % exactly, 0.399), and any.
predictions = (
    st.none() | st.sampled_from([0.0, 0.1, 0.4, 0.399, 0.405, 0.995, 1.0]) | st.floats(0, 1)
)


# A random criteria is a large input; on a busy machine drawing one can take a second.
@settings(
    max_examples=200, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(
    criteria=criteria_sets(),
    leads=st.lists(
        st.tuples(
            answer_sets(), profiles, events, reasons, st.none() | st.integers(1, 3), predictions
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_the_engine_gives_what_a_plain_evaluation_gives(
    criteria: QualifyingCriteria,
    leads: list[
        tuple[
            dict[str, object],
            dict[str, object],
            list[EngagementEvent],
            DisqualificationReason | None,
            int | None,
            float | None,
        ]
    ],
) -> None:
    # Each lead twice, and the whole list twice: the second time every cache is warm.
    for _ in range(2):
        for answers, profile, engagement, disqualified, version, predicted in [*leads, *leads]:
            result = qualify(
                criteria,
                answers,
                profile=profile,
                engagement=engagement,
                disqualified=disqualified,
                now=NOW,
                criteria_version=version,
                predicted=predicted,
            )
            expected = reference(
                criteria, answers, profile, engagement, disqualified, version, predicted
            )
            assert result.as_dict() == expected


def test_leads_with_look_alike_values_do_not_share_a_result() -> None:
    """True equals 1 and hashes like it, but a bool is no number: the result for one must not be
    served for the other."""
    criteria = DEFAULT.model_copy(
        update={
            "point_rules": (
                PointRule(label="size known", source="profile", key="employees", points=5),
                PointRule(
                    label="small team", source="profile", key="employees", min_value=1, points=3
                ),
            )
        }
    )
    counted = qualify(criteria, {}, profile={"employees": 1})
    flagged = qualify(criteria, {}, profile={"employees": True})
    assert [a.reason for a in counted.points] == [
        "employees (profile): 1",
        "employees (profile): 1",
    ]
    assert [a.reason for a in flagged.points] == ["employees (profile): True"]
    assert flagged.score == 5
    assert counted.score == 8


def test_the_explanation_is_the_same_when_read_again_and_equal_results_compare_equal() -> None:
    answers = {"budget": "approved", "need": "established", "timeframe_months": 2}
    engagement = [EngagementEvent("email_click", NOW - timedelta(days=30))]
    first = qualify(DEFAULT, answers, engagement=engagement, now=NOW)
    again = qualify(DEFAULT, answers, engagement=engagement, now=NOW)
    assert first == again
    assert first.explanation == again.explanation
    assert first.explanation is first.explanation
    assert (
        first.explanation[-2]
        == "+2.5 points: email click (1 email click event, 5 points each, halved every 30 days)"
    )


def test_the_engine_makes_the_same_frozen_value_as_the_constructor() -> None:
    """The engine fills a ``Qualification``'s slots directly (its hot path); the value must be
    the one the dataclass's constructor makes, and as frozen."""
    engagement = [EngagementEvent("email_click", NOW - timedelta(days=3))]
    result = qualify(DEFAULT, {"budget": "approved"}, engagement=engagement, now=NOW)
    made = Qualification(
        **{f.name: getattr(result, f.name) for f in fields(Qualification) if f.init}
    )
    assert made == result
    assert repr(made) == repr(result)
    assert hash(made) == hash(result)
    assert made.explanation == result.explanation
    with pytest.raises(FrozenInstanceError):
        result.score = 1  # type: ignore[misc]
