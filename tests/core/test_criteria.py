"""The QualifyingCriteria specification: DESIGN.md's defaults, persistence, and its validators."""

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from leadflow.core.criteria import (
    Condition,
    QualifyingCriteria,
    Question,
    QuestionType,
    RatingRule,
    default_criteria,
    describe_validation_error,
)
from leadflow.core.enums import Authority, BantFact, Budget, Need, Rating
from leadflow.core.errors import CriteriaError


def default_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(default_criteria().to_json())
    return data


def question_data(key: str) -> dict[str, Any]:
    return next(q for q in default_data()["questions"] if q["key"] == key)


def with_question(**question: object) -> dict[str, Any]:
    data = default_data()
    data["questions"].append({"label": "Extra", **question})
    return data


def rejection(data: object) -> str:
    with pytest.raises(CriteriaError) as caught:
        QualifyingCriteria.from_dict(data)
    return str(caught.value)


# DESIGN.md defaults


def test_default_criteria_ask_the_four_bant_questions() -> None:
    criteria = default_criteria()
    assert [(q.key, q.type, q.bant) for q in criteria.questions] == [
        ("budget", QuestionType.CHOICE, BantFact.BUDGET),
        ("authority", QuestionType.CHOICE, BantFact.AUTHORITY),
        ("need", QuestionType.CHOICE, BantFact.NEED),
        ("timeframe_months", QuestionType.NUMBER, BantFact.TIMEFRAME),
    ]
    authority = criteria.question_for(BantFact.AUTHORITY)
    assert authority is not None
    assert authority.choice_values == ("none", "influencer", "specifier", "decision_maker")
    timeframe = criteria.question("timeframe_months")
    assert timeframe is not None
    assert timeframe.min_value == 0


def test_default_criteria_meet_the_design_definitions() -> None:
    criteria = default_criteria()
    assert criteria.budget_met == {Budget.PRELIMINARY, Budget.APPROVED}
    assert criteria.authority_met == {Authority.DECISION_MAKER}
    assert criteria.need_met == {Need.ESTABLISHED}
    assert criteria.horizon_months is None
    assert criteria.engagement_half_life_days == 30


def test_default_rating_ladder_reads_as_design_in_order() -> None:
    ladder = default_criteria().rating_ladder
    assert [(rule.rating, rule.describe()) for rule in ladder] == [
        (Rating.HOT, "decision within 3 months and need identified or established"),
        (Rating.A, "decision within 6 months and budget preliminary or approved"),
        (Rating.B, "decision within 9 months"),
        (Rating.C, "need identified or established, or decision time frame known"),
    ]


def test_default_point_rules_follow_the_documented_table() -> None:
    rules = {
        rule.label: (rule.source, rule.key, rule.points) for rule in default_criteria().point_rules
    }
    assert rules == {
        "budget approved": ("answer", "budget", 25),
        "budget preliminary": ("answer", "budget", 15),
        "authority decision maker": ("answer", "authority", 25),
        "authority specifier": ("answer", "authority", 15),
        "authority influencer": ("answer", "authority", 10),
        "need established": ("answer", "need", 25),
        "need identified": ("answer", "need", 15),
        "timeframe ≤ 3 months": ("answer", "timeframe_months", 25),
        "timeframe 3 to 6 months": ("answer", "timeframe_months", 15),
        "timeframe 6 to 12 months": ("answer", "timeframe_months", 5),
        "email click": ("engagement", "email_click", 5),
        "form fill": ("engagement", "form_fill", 10),
        "reply": ("engagement", "reply", 10),
    }


def test_condition_describes_itself_in_words() -> None:
    assert Condition().describe() == "any lead"
    assert Condition(timeframe_known=False).describe() == "decision time frame unknown"
    assert (
        Condition(
            authority_in=frozenset(Authority) - {Authority.NONE}, timeframe_max_months=1
        ).describe()
        == "decision within 1 month and authority influencer, specifier or decision maker"
    )


def test_rating_rule_description_overrides_the_conditions_text() -> None:
    rule = RatingRule(rating=Rating.B, any_of=[Condition()], description="everybody")
    assert rule.describe() == "everybody"


# Persistence


def test_default_criteria_round_trip_through_json_unchanged() -> None:
    criteria = default_criteria()
    assert QualifyingCriteria.from_json(criteria.to_json()) == criteria


def test_default_criteria_round_trip_through_yaml_unchanged() -> None:
    criteria = default_criteria()
    assert QualifyingCriteria.from_yaml(criteria.to_yaml()) == criteria


def test_json_lists_sets_in_declaration_order_and_leaves_out_unset_matches() -> None:
    data = default_data()
    assert data["budget_met"] == ["preliminary", "approved"]
    assert data["rating_ladder"][0]["any_of"] == [
        {"need_in": ["identified", "established"], "timeframe_max_months": 3.0}
    ]
    assert data["point_rules"][-1] == {
        "label": "reply",
        "source": "engagement",
        "key": "reply",
        "min_exclusive": False,
        "points": 10.0,
    }


def test_unset_none_that_is_not_a_default_survives_the_round_trip() -> None:
    criteria = QualifyingCriteria(name="No decay", engagement_half_life_days=None)
    assert QualifyingCriteria.from_json(criteria.to_json()).engagement_half_life_days is None
    assert QualifyingCriteria.from_yaml(criteria.to_yaml()).engagement_half_life_days is None


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".yml", ".YAML"])
def test_saved_criteria_load_back_unchanged(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"criteria{suffix}"
    default_criteria().save(path)
    assert QualifyingCriteria.load(path) == default_criteria()
    assert QualifyingCriteria.load(str(path)) == default_criteria()


def test_saved_json_is_the_json_text(tmp_path: Path) -> None:
    path = tmp_path / "criteria.json"
    default_criteria().save(path)
    assert path.read_text(encoding="utf-8") == default_criteria().to_json() + "\n"


@pytest.mark.parametrize("name", ["criteria.txt", "criteria"])
def test_load_and_save_refuse_unknown_file_types(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(CriteriaError, match=r"use a \.json, \.yaml or \.yml criteria file"):
        QualifyingCriteria.load(path)
    with pytest.raises(CriteriaError, match=r"use a \.json, \.yaml or \.yml criteria file"):
        default_criteria().save(path)


def test_load_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    data = default_data()
    data["rating_ladder"][0]["rating"] = "warm"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CriteriaError, match=r"^broken\.yaml: rating_ladder\.0\.rating: "):
        QualifyingCriteria.load(path)


def test_invalid_json_is_a_criteria_error() -> None:
    with pytest.raises(CriteriaError, match="Invalid JSON"):
        QualifyingCriteria.from_json('{"name": ')


def test_invalid_yaml_is_a_criteria_error() -> None:
    with pytest.raises(CriteriaError, match="invalid YAML"):
        QualifyingCriteria.from_yaml("name: [unclosed")


def test_yaml_that_is_not_a_mapping_is_a_criteria_error() -> None:
    with pytest.raises(CriteriaError, match="valid dictionary"):
        QualifyingCriteria.from_yaml("- just\n- a list\n")


# Validators


def test_bad_rating_names_the_field_path_and_the_allowed_values() -> None:
    data = default_data()
    data["rating_ladder"][0]["rating"] = "warm"
    assert rejection(data) == (
        "rating_ladder.0.rating: Input should be 'hot', 'a', 'b', 'c' or 'fyi'"
    )


def test_unknown_fields_are_rejected_at_any_depth() -> None:
    data = default_data()
    data["owner"] = "marketing"
    data["questions"][0]["choices"][0]["colour"] = "red"
    message = rejection(data)
    assert "owner: Extra inputs are not permitted" in message
    assert "questions.0.choices.0.colour: Extra inputs are not permitted" in message


def test_question_keys_must_be_unique() -> None:
    data = default_data()
    data["questions"].append({**question_data("need"), "bant": None, "choices": []})
    data["questions"][-1]["type"] = "text"
    assert rejection(data) == "questions.4.key: 'need' is already the key of questions.2"


def test_question_keys_must_be_snake_case_identifiers() -> None:
    data = default_data()
    data["questions"][0]["key"] = "Budget Now"
    assert rejection(data) == (
        "questions.0.key: 'Budget Now' is not a usable key: use lower-case letters, digits and "
        "underscores, starting with a letter (such as budget_approved)"
    )


def test_at_most_one_question_asks_each_bant_fact() -> None:
    data = default_data()
    data["questions"].append({**question_data("budget"), "key": "budget_again"})
    assert rejection(data) == "questions.4.bant: budget is already asked by question 'budget'"


def test_choice_question_needs_choices() -> None:
    assert rejection(with_question(key="industry", type="choice")) == (
        "questions.4.choices: a choice question needs at least one choice"
    )


def test_choice_values_must_be_unique() -> None:
    data = default_data()
    data["questions"][1]["choices"][2]["value"] = "influencer"
    assert rejection(data) == (
        "questions.1.choices.2.value: 'influencer' is already the value of choices.1"
    )


def test_only_choice_questions_have_choices() -> None:
    data = default_data()
    data["questions"][3]["choices"] = [{"value": "soon", "label": "Soon"}]
    assert rejection(data) == "questions.3.choices: a number question has no choices"


def test_every_choice_of_a_bant_question_names_a_valid_bant_value() -> None:
    data = default_data()
    data["questions"][0]["choices"][1]["bant_value"] = "pending"
    data["questions"][0]["choices"][2]["bant_value"] = None
    assert rejection(data) == (
        "questions.0.choices.1.bant_value: 'pending' is not a budget value "
        "(none, preliminary, approved); "
        "questions.0.choices.2.bant_value: None is not a budget value (none, preliminary, approved)"
    )


def test_bant_values_belong_only_to_budget_authority_and_need_questions() -> None:
    data = with_question(
        key="industry",
        type="choice",
        choices=[{"value": "retail", "label": "Retail", "bant_value": "approved"}],
    )
    assert rejection(data) == (
        "questions.4.choices.0.bant_value: only choices of a budget, authority or need "
        "question carry a bant_value"
    )


def test_budget_authority_and_need_questions_are_choice_questions() -> None:
    data = default_data()
    data["questions"][2].update(type="text", choices=[])
    assert rejection(data) == (
        "questions.2.type: a need question must be a choice question, not text"
    )


def test_timeframe_question_is_a_number_question() -> None:
    data = default_data()
    data["questions"][3].update(type="date", min_value=None)
    assert rejection(data) == (
        "questions.3.type: the timeframe question must be a number question, not date"
    )


def test_only_number_questions_have_bounds() -> None:
    assert rejection(with_question(key="notes", type="text", min_value=1)) == (
        "questions.4.min_value: only number questions have bounds, not text"
    )


def test_number_question_bounds_are_ordered() -> None:
    data = with_question(key="seats", type="number", min_value=10, max_value=5)
    assert rejection(data) == "questions.4.min_value: 10 is above max_value 5"


def test_ladder_ratings_are_unique() -> None:
    data = default_data()
    data["rating_ladder"][2]["rating"] = "hot"
    assert rejection(data) == "rating_ladder.2.rating: Hot already has rule 1"


def test_rating_rule_needs_at_least_one_condition() -> None:
    data = default_data()
    data["rating_ladder"][1]["any_of"] = []
    assert rejection(data).startswith("rating_ladder.1.any_of: Tuple should have at least 1 item")


def test_condition_cannot_ask_an_unknown_time_frame_within_months() -> None:
    data = default_data()
    data["rating_ladder"][0]["any_of"][0]["timeframe_known"] = False
    assert rejection(data).startswith(
        "rating_ladder.0.any_of.0.timeframe_max_months: an unknown time frame is never within"
    )


def test_condition_value_sets_are_not_empty() -> None:
    data = default_data()
    data["rating_ladder"][1]["any_of"][0]["budget_in"] = []
    assert rejection(data).startswith(
        "rating_ladder.1.any_of.0.budget_in: Frozenset should have at least 1 item"
    )


def test_answer_point_rules_reference_existing_questions() -> None:
    data = default_data()
    data["point_rules"][0]["key"] = "budjet"
    assert rejection(data) == "point_rules.0.key: no question 'budjet'"


def test_answer_point_rules_match_offered_choices() -> None:
    data = default_data()
    data["point_rules"][0]["equals"] = "aproved"
    assert rejection(data) == (
        "point_rules.0.equals: 'aproved' is not a choice of question 'budget' "
        "(none, preliminary, approved)"
    )


def test_number_questions_are_scored_by_range_not_text() -> None:
    data = default_data()
    data["point_rules"][7] = {**data["point_rules"][7], "max_value": None, "equals": "3"}
    assert rejection(data) == (
        "point_rules.7.equals: question 'timeframe_months' is a number question; "
        "match it with min_value/max_value"
    )


def test_engagement_rules_take_no_match_fields() -> None:
    data = default_data()
    data["point_rules"][-1]["equals"] = "yes"
    assert rejection(data).startswith(
        "point_rules.12.source: engagement rules count every event of their kind"
    )


def test_profile_rule_matches_text_or_numbers_not_both() -> None:
    data = default_data()
    data["point_rules"].append(
        {
            "label": "big",
            "source": "profile",
            "key": "size",
            "equals": "x",
            "min_value": 5,
            "points": 1,
        }
    )
    assert rejection(data) == (
        "point_rules.13.min_value: match either text (equals, one_of) or numbers "
        "(min_value, max_value)"
    )


def test_all_problems_are_reported_at_once() -> None:
    data = default_data()
    data["rating_ladder"][0]["rating"] = "warm"
    data["horizon_months"] = -1
    data["engagement_half_life_days"] = 0
    message = rejection(data)
    assert message.count("; ") == 2
    assert "horizon_months: Input should be greater than or equal to 0" in message
    assert "engagement_half_life_days: Input should be greater than 0" in message


def test_numbers_must_be_finite() -> None:
    data = default_data()
    data["horizon_months"] = float("inf")
    assert rejection(data) == "horizon_months: Input should be a finite number"


def test_models_built_in_code_raise_pydantic_errors_with_the_same_text() -> None:
    with pytest.raises(ValidationError) as caught:
        Question(key="need", label="Need", type=QuestionType.TEXT, bant=BantFact.NEED)
    assert describe_validation_error(caught.value) == (
        "type: a need question must be a choice question, not text"
    )


def test_criteria_are_frozen() -> None:
    with pytest.raises(ValidationError, match="frozen"):
        default_criteria().name = "changed"  # type: ignore[misc]
