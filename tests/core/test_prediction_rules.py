"""Point rules on the predicted chance of converting (issue 19): "predicted ≥ 40 % → +20"
through the engine, the rule's checks, and its words."""

import json
from datetime import UTC, datetime

import pytest

from leadflow.core.criteria import PointRule, QualifyingCriteria, default_criteria
from leadflow.core.criteria.words import point_rule_condition
from leadflow.core.errors import CriteriaError
from leadflow.core.qualification import parse_answers, qualify

NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
LIKELY = {"label": "Likely to convert", "source": "prediction", "key": "probability",
          "min_value": 40, "points": 20}  # fmt: skip


def _criteria(*rules: dict) -> QualifyingCriteria:
    data = json.loads(default_criteria().to_json())
    data["point_rules"] = [*data["point_rules"], *rules]
    return QualifyingCriteria.from_dict(data)


def _score(criteria: QualifyingCriteria, predicted: float | None) -> tuple[float, tuple]:
    answers = parse_answers(criteria, {"budget": "approved"})
    result = qualify(criteria, answers, now=NOW, predicted=predicted)
    return result.score, result.explanation


def test_predicted_at_least_40_percent_adds_20_points() -> None:
    criteria = _criteria(LIKELY)
    base, _ = _score(criteria, None)
    score, explanation = _score(criteria, 0.45)
    assert score == base + 20
    assert "+20 points: Likely to convert (predicted chance of converting 45 %)" in explanation


def test_below_the_threshold_or_without_a_prediction_adds_nothing() -> None:
    criteria = _criteria(LIKELY)
    base, _ = _score(criteria, None)
    assert _score(criteria, 0.399)[0] == base
    assert _score(criteria, 0.40)[0] == base + 20  # at least: the bound counts


def test_a_cached_result_without_prediction_does_not_leak_into_one_with() -> None:
    criteria = _criteria(LIKELY)
    base, _ = _score(criteria, None)
    assert _score(criteria, 0.9)[0] == base + 20
    assert _score(criteria, None)[0] == base
    assert _score(criteria, 0.9)[0] == base + 20


def test_a_band_with_a_maximum_and_a_strict_minimum() -> None:
    band = {"label": "Unlikely", "source": "prediction", "key": "probability",
            "max_value": 10, "points": -15}  # fmt: skip
    criteria = _criteria(band)
    base, _ = _score(criteria, None)
    assert _score(criteria, 0.05)[0] == base - 15
    assert _score(criteria, 0.2)[0] == base


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"key": "chance", "min_value": 40}, "reads the probability"),
        ({}, "needs a minimum or a maximum"),
        ({"min_value": 140}, "from 0 to 100"),
        ({"equals": "high"}, "needs a minimum or a maximum"),
    ],
)
def test_a_prediction_rule_needs_a_bound_in_percent(rule: dict, problem: str) -> None:
    spec = {"label": "Likely", "source": "prediction", "key": "probability", "points": 5, **rule}
    with pytest.raises((CriteriaError, ValueError), match=problem):
        PointRule.model_validate(spec)


def test_the_rule_reads_in_plain_words() -> None:
    criteria = _criteria(LIKELY)
    rule = criteria.point_rules[-1]
    assert point_rule_condition(rule, criteria) == (
        "when the predicted chance of converting is at least 40 %"
    )
