"""Qualification with DESIGN.md's default criteria: the worked examples, answer checking,
scoring with engagement decay, the horizon, and disqualification."""

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from leadflow.core.criteria import QualifyingCriteria, default_criteria
from leadflow.core.enums import Authority, Budget, DisqualificationReason, Need, Rating, Stage
from leadflow.core.errors import CriteriaError
from leadflow.core.qualification import (
    BantFacts,
    BantFlags,
    EngagementEvent,
    PointAward,
    Qualification,
    bant_facts,
    parse_answers,
    qualify,
)

EXAMPLES = Path(__file__).parent / "data" / "qualify_examples.jsonl"
NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
CRITERIA = default_criteria()


def load_examples() -> list[dict[str, Any]]:
    with EXAMPLES.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def qualify_raw(raw: dict[str, object], **options: Any) -> Qualification:
    return qualify(CRITERIA, parse_answers(CRITERIA, raw), **options)


def with_changes(**changes: object) -> QualifyingCriteria:
    data = json.loads(CRITERIA.to_json())
    data.update(changes)
    return QualifyingCriteria.from_dict(data)


# The worked examples of DESIGN.md


@pytest.mark.parametrize("example", load_examples(), ids=lambda example: example["input"]["id"])
def test_worked_example_gives_its_stage_rating_and_bant(example: dict[str, Any]) -> None:
    raw = {key: value for key, value in example["input"].items() if key != "id"}
    disqualified = DisqualificationReason.WRONG_FIT if raw.pop("disqualified", False) else None

    result = qualify_raw(raw, disqualified=disqualified)

    expected = example["expect"]
    assert result.stage == expected["stage"]
    assert result.rating == expected["rating"]
    assert result.bant.as_dict() == expected["bant"]


def test_worked_examples_cover_every_stage_and_rating() -> None:
    examples = load_examples()
    assert {e["expect"]["stage"] for e in examples} == set(Stage)
    assert {e["expect"]["rating"] for e in examples} == {*Rating, None}


# Answers


def test_parse_answers_keeps_valid_answers_and_drops_unanswered_ones() -> None:
    raw = {"budget": "approved", "authority": None, "need": "", "timeframe_months": 4.5}
    assert parse_answers(CRITERIA, raw) == {"budget": "approved", "timeframe_months": 4.5}


def test_parse_answers_rejects_an_unknown_question() -> None:
    with pytest.raises(CriteriaError, match=r"^unknown question 'colour'$"):
        parse_answers(CRITERIA, {"colour": "blue"})


def test_parse_answers_rejects_a_value_that_is_not_a_choice() -> None:
    with pytest.raises(CriteriaError) as caught:
        parse_answers(CRITERIA, {"budget": "maybe"})
    assert str(caught.value) == "budget: 'maybe' is not one of none, preliminary, approved"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("3", "'3' is not a number"),
        (True, "True is not a number"),
        (float("nan"), "nan is not a number"),
        (-1, "-1 is below the minimum 0"),
    ],
)
def test_parse_answers_rejects_a_timeframe_that_is_not_a_valid_number(
    value: object, problem: str
) -> None:
    with pytest.raises(CriteriaError) as caught:
        parse_answers(CRITERIA, {"timeframe_months": value})
    assert str(caught.value) == f"timeframe_months: {problem}"


def test_parse_answers_reports_every_problem_at_once() -> None:
    with pytest.raises(CriteriaError) as caught:
        parse_answers(CRITERIA, {"budget": "maybe", "colour": "blue", "need": 3})
    assert str(caught.value) == (
        "budget: 'maybe' is not one of none, preliminary, approved; "
        "unknown question 'colour'; "
        "need: 3 is not one of none, identified, established"
    )


def test_parse_answers_reads_dates_and_text_and_checks_number_maximums() -> None:
    criteria = with_changes(
        questions=[
            *json.loads(CRITERIA.to_json())["questions"],
            {"key": "decision_date", "label": "Decision date", "type": "date"},
            {"key": "environment", "label": "Current environment", "type": "text"},
            {"key": "seats", "label": "Seats", "type": "number", "max_value": 500},
        ]
    )
    answers = parse_answers(
        criteria, {"decision_date": "2027-03-31", "environment": "legacy ERP", "seats": 120}
    )
    assert answers == {
        "decision_date": date(2027, 3, 31),
        "environment": "legacy ERP",
        "seats": 120,
    }
    with pytest.raises(CriteriaError) as caught:
        parse_answers(criteria, {"decision_date": "31/03/2027", "environment": 7, "seats": 501})
    assert str(caught.value) == (
        "decision_date: '31/03/2027' is not an ISO date (YYYY-MM-DD); "
        "environment: 7 is not text; "
        "seats: 501 is above the maximum 500"
    )


def test_parse_answers_can_require_the_required_questions() -> None:
    data = json.loads(CRITERIA.to_json())
    data["questions"][0]["required"] = True
    criteria = QualifyingCriteria.from_dict(data)
    assert parse_answers(criteria, {}) == {}
    with pytest.raises(CriteriaError, match=r"^budget: an answer is required$"):
        parse_answers(criteria, {"budget": ""}, require=True)


def test_unanswered_questions_mean_no_budget_authority_need_and_unknown_time_frame() -> None:
    assert bant_facts(CRITERIA, {}) == BantFacts(
        budget=Budget.NONE, authority=Authority.NONE, need=Need.NONE, timeframe_months=None
    )


def test_qualify_rejects_answers_that_were_not_parsed() -> None:
    with pytest.raises(CriteriaError, match=r"^budget: 'lots' is not one of"):
        qualify(CRITERIA, {"budget": "lots"})


# Explanation


def test_explanation_says_which_facts_met_which_criterion_which_rule_fired_and_the_points() -> None:
    result = qualify_raw({"budget": "approved", "authority": "influencer", "timeframe_months": 2})
    assert result.explanation == (
        "Budget: approved — meets the criterion (preliminary or approved)",
        "Authority: influencer — does not meet the criterion (needs decision maker)",
        "Need: none — does not meet the criterion (needs established)",
        "Time frame: 2 months — meets the criterion (known)",
        "Stage: Lead — 2 of 4 criteria met",
        "Rated A: decision within 6 months and budget preliminary or approved",
        "+25 points: budget approved",
        "+10 points: authority influencer",
        "+25 points: timeframe ≤ 3 months",
        "Score: 60",
    )
    assert result.fired_rule == 2


def test_fallback_rating_is_fyi_with_no_rule_fired() -> None:
    result = qualify_raw({"budget": "preliminary"})
    assert (result.rating, result.fired_rule) == (Rating.FYI, None)
    assert (
        result.explanation[3]
        == "Time frame: unknown — does not meet the criterion (needs a known time frame)"
    )
    assert result.explanation[5] == "Rated FYI: no rating rule matched, for information only"


@pytest.mark.parametrize(
    ("raw", "rating", "rule"),
    [
        ({"need": "identified", "timeframe_months": 3}, Rating.HOT, 1),
        ({"budget": "preliminary", "timeframe_months": 6}, Rating.A, 2),
        ({"timeframe_months": 9}, Rating.B, 3),
        ({"need": "identified"}, Rating.C, 4),
        ({"timeframe_months": 30}, Rating.C, 4),
    ],
)
def test_each_default_rule_fires_at_its_boundary(
    raw: dict[str, object], rating: Rating, rule: int
) -> None:
    result = qualify_raw(raw)
    assert (result.rating, result.fired_rule) == (rating, rule)
    assert result.explanation[5].startswith(f"Rated {rating.label}: ")


def test_result_serialises_to_json() -> None:
    result = qualify_raw(
        {"budget": "approved", "need": "established", "timeframe_months": 1},
        engagement=[EngagementEvent("reply", NOW)],
        now=NOW,
        criteria_version=3,
    )
    data = json.loads(json.dumps(result.as_dict()))
    assert data["facts"] == {
        "budget": "approved",
        "authority": "none",
        "need": "established",
        "timeframe_months": 1.0,
    }
    assert (data["stage"], data["rating"], data["fired_rule"]) == ("opportunity", "hot", 1)
    assert data["score"] == 85
    assert data["points"][-1] == {
        "label": "reply",
        "points": 10.0,
        "reason": "1 reply event, 10 points each, halved every 30 days",
    }
    assert data["criteria_version"] == 3
    assert data["disqualified"] is None
    assert data["explanation"] == list(result.explanation)


# Score


@pytest.mark.parametrize(
    ("months", "points"),
    [(0, 25), (3, 25), (3.5, 15), (6, 15), (6.01, 5), (12, 5), (12.5, 0)],
)
def test_timeframe_points_fall_into_exactly_one_bucket(months: float, points: float) -> None:
    assert qualify_raw({"timeframe_months": months}).score == points


def test_score_adds_the_points_of_every_matching_answer() -> None:
    result = qualify_raw(
        {
            "budget": "approved",
            "authority": "decision_maker",
            "need": "established",
            "timeframe_months": 2,
        }
    )
    assert result.score == 100
    assert [award.label for award in result.points] == [
        "budget approved",
        "authority decision maker",
        "need established",
        "timeframe ≤ 3 months",
    ]
    assert result.points[0] == PointAward("budget approved", 25, "budget: approved")


def test_profile_rules_score_profile_attributes_by_text_or_range() -> None:
    rules = [
        {"label": "target industry", "source": "profile", "key": "industry",
         "one_of": ["manufacturing", "retail"], "points": 10},
        {"label": "enterprise", "source": "profile", "key": "employees", "min_value": 1000,
         "points": 20},
        {"label": "free mail", "source": "profile", "key": "free_mail", "equals": "yes",
         "points": -15},
        {"label": "has phone", "source": "profile", "key": "phone", "points": 2},
    ]  # fmt: skip
    criteria = with_changes(point_rules=rules)
    result = qualify(
        criteria,
        {},
        profile={"industry": "retail", "employees": 5000, "free_mail": "yes", "phone": ""},
    )
    assert [(a.label, a.points, a.reason) for a in result.points] == [
        ("target industry", 10, "industry (profile): retail"),
        ("enterprise", 20, "employees (profile): 5000"),
        ("free mail", -15, "free mail (profile): yes"),
    ]
    assert result.score == 15
    assert "-15 points: free mail" in result.explanation
    assert qualify(criteria, {}, profile={"employees": True, "industry": 3}).score == 0


def test_an_engagement_event_one_half_life_old_counts_half() -> None:
    events = [EngagementEvent("form_fill", NOW - timedelta(days=30))]
    result = qualify(CRITERIA, {}, engagement=events, now=NOW)
    assert result.score == 5
    assert result.explanation[-2] == (
        "+5 points: form fill (1 form fill event, 10 points each, halved every 30 days)"
    )


def test_engagement_points_add_up_per_event_and_decay_with_age() -> None:
    events = [
        EngagementEvent("email_click", NOW),
        EngagementEvent("email_click", NOW - timedelta(days=60)),
        EngagementEvent("email_click", NOW - timedelta(days=1)),
        EngagementEvent("page_view", NOW),
    ]
    result = qualify(CRITERIA, {}, engagement=events, now=NOW)
    expected = 5 + 5 / 4 + 5 * 0.5 ** (1 / 30)
    assert result.score == round(expected, 2)
    assert [award.label for award in result.points] == ["email click"]
    assert result.points[0].reason.startswith("3 email click events")


def test_engagement_in_other_timezones_decays_by_real_age() -> None:
    paris = timezone(timedelta(hours=1))
    events = [EngagementEvent("reply", (NOW - timedelta(days=30)).astimezone(paris))]
    assert qualify(CRITERIA, {}, engagement=events, now=NOW).score == 5


def test_future_engagement_counts_in_full() -> None:
    events = [EngagementEvent("reply", NOW + timedelta(days=3))]
    assert qualify(CRITERIA, {}, engagement=events, now=NOW).score == 10


def test_engagement_does_not_decay_without_a_half_life() -> None:
    criteria = with_changes(engagement_half_life_days=None)
    events = [EngagementEvent("reply", NOW - timedelta(days=365))]
    result = qualify(criteria, {}, engagement=events, now=NOW)
    assert result.score == 10
    assert result.points[0].reason == "1 reply event, 10 points each, no decay"


def test_engagement_needs_now() -> None:
    with pytest.raises(ValueError, match="needs now"):
        qualify(CRITERIA, {}, engagement=[EngagementEvent("reply", NOW)])


def test_engagement_times_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        EngagementEvent("reply", datetime(2026, 11, 2, 9, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        qualify(CRITERIA, {}, engagement=[EngagementEvent("reply", NOW)], now=datetime(2026, 11, 2))


# Horizon


def test_without_a_horizon_any_known_time_frame_meets_the_criterion() -> None:
    assert qualify_raw({"timeframe_months": 48}).bant.timeframe is True
    assert qualify_raw({}).bant.timeframe is False


@pytest.mark.parametrize(("months", "met"), [(0, True), (6, True), (6.5, False), (24, False)])
def test_horizon_limits_the_timeframe_criterion(months: float, met: bool) -> None:
    criteria = with_changes(horizon_months=6)
    result = qualify(criteria, parse_answers(criteria, {"timeframe_months": months}))
    assert result.bant.timeframe is met
    verdict = (
        "meets the criterion (known and within 6 months)"
        if met
        else "does not meet the criterion (needs a known time frame within 6 months)"
    )
    assert result.explanation[3].endswith(verdict)


def test_horizon_does_not_change_the_rating_ladder() -> None:
    criteria = with_changes(horizon_months=6)
    result = qualify(criteria, {"timeframe_months": 9})
    assert (result.bant.timeframe, result.rating) == (False, Rating.B)


def test_a_changed_criteria_object_is_evaluated_by_its_own_rules() -> None:
    answers = {"budget": "preliminary", "timeframe_months": 9}
    before = qualify(CRITERIA, answers)
    stricter = with_changes(budget_met=["approved"], horizon_months=6)
    after = qualify(stricter, answers)
    assert before.bant == BantFlags(budget=True, authority=False, need=False, timeframe=True)
    assert after.bant == BantFlags(budget=False, authority=False, need=False, timeframe=False)
    assert qualify(CRITERIA, answers) == before


# Disqualification


def test_a_disqualified_lead_gets_no_rating_but_keeps_stage_bant_and_score() -> None:
    raw = {
        "budget": "approved",
        "authority": "decision_maker",
        "need": "established",
        "timeframe_months": 1,
    }
    result = qualify_raw(raw, disqualified=DisqualificationReason.COMPETITOR)
    assert (result.rating, result.fired_rule) == (None, None)
    assert result.disqualified == DisqualificationReason.COMPETITOR
    assert result.stage == Stage.QUALIFIED_OPPORTUNITY
    assert result.bant.met_count == 4
    assert result.score == 100
    assert result.explanation[5] == "No rating: disqualified (competitor)"
    assert not any("fired" in line for line in result.explanation)


def test_disqualification_reason_reads_in_words() -> None:
    result = qualify_raw({}, disqualified=DisqualificationReason.NO_INTEREST)
    assert result.explanation[5] == "No rating: disqualified (no interest)"


def test_disqualification_needs_a_known_reason() -> None:
    with pytest.raises(ValueError, match=r"^disqualified: True is not a reason \(wrong_fit, "):
        qualify_raw({}, disqualified=True)
