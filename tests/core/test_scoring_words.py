"""A stored prediction in plain words: the percentage beside a rating and its top factors."""

from leadflow.core.scoring.words import (
    factor_text,
    factors_top,
    prediction_detail,
    probability_text,
)


def test_a_probability_reads_as_a_whole_percentage() -> None:
    assert probability_text(0.344) == "34 %"
    assert probability_text(0.4) == "40 %"


def test_a_prediction_is_never_shown_as_impossible_or_certain() -> None:
    assert probability_text(0.001) == "<1 %"
    assert probability_text(0.999) == ">99 %"


def test_a_factor_reads_in_points_of_probability_with_its_sign() -> None:
    assert factor_text("Source: referral", 12.4) == "Source: referral +12 points of probability"
    assert (
        factor_text("Company size 1-10", -8.2) == "Company size 1-10 \u22128 points of probability"
    )
    assert factor_text("Country: US", 1.2) == "Country: US +1 point of probability"


def test_the_top_factors_are_those_that_moved_it_most_either_way() -> None:
    factors = [
        {"label": "a", "points": 1.0},
        {"label": "b", "points": -9.0},
        {"label": "c", "points": 5.0},
    ]
    assert factors_top(factors, 2) == [
        "b \u22129 points of probability",
        "c +5 points of probability",
    ]


def test_the_hover_says_the_chance_and_its_reasons_in_one_sentence() -> None:
    detail = prediction_detail(0.34, [{"label": "Source: referral", "points": 12}])
    assert detail == (
        "Predicted chance of converting: 34 %. Source: referral +12 points of probability."
    )
    assert prediction_detail(0.34, []) == "Predicted chance of converting: 34 %."
