"""AUC and lift of a score on known outcomes, and the sentence saying whether to trust the
rules or the model (issue 19, "rules vs model")."""

import random

import pytest

from leadflow.core.scoring.compare import MIN_EACH, auc, lift, rules_vs_model


def test_a_perfect_ranking_has_auc_1_and_a_reversed_one_0() -> None:
    assert auc([0.9, 0.8, 0.2, 0.1], [True, True, False, False]) == 1.0
    assert auc([0.1, 0.2, 0.8, 0.9], [True, True, False, False]) == 0.0


def test_ties_count_half_so_a_constant_score_is_chance() -> None:
    assert auc([5, 5, 5, 5], [True, False, True, False]) == 0.5
    assert auc([1, 1, 0], [True, False, False]) == pytest.approx(0.75)


def test_auc_matches_the_pairwise_definition_on_random_scores() -> None:
    rng = random.Random(7)
    scores = [rng.randint(0, 5) for _ in range(200)]
    outcomes = [rng.random() < 0.3 for _ in range(200)]
    pairs = [
        1.0 if p > n else 0.5 if p == n else 0.0
        for p, yes in zip(scores, outcomes, strict=True)
        if yes
        for n, no in zip(scores, outcomes, strict=True)
        if not no
    ]
    assert auc(scores, outcomes) == pytest.approx(sum(pairs) / len(pairs))


def test_one_class_only_has_no_auc() -> None:
    assert auc([1, 2], [True, True]) is None


def test_lift_is_the_top_tenths_conversion_over_the_average() -> None:
    scores = list(range(100, 0, -1))
    outcomes = [index < 10 for index in range(100)]  # the top ten all converted, nobody else
    assert lift(scores, outcomes) == pytest.approx(10.0)
    assert lift([1] * 100, outcomes) == pytest.approx(1.0)  # all tied: no better than random


def test_lift_without_a_conversion_is_none() -> None:
    assert lift([1, 2, 3], [False, False, False]) is None


def _outcomes(count: int) -> tuple[list[float], list[bool]]:
    outcomes = [index % 2 == 0 for index in range(count)]
    good = [0.9 if yes else 0.1 for yes in outcomes]
    return good, outcomes


def test_a_clearly_better_model_is_the_one_to_trust() -> None:
    good, outcomes = _outcomes(40)
    flat = [10.0] * 40
    compared = rules_vs_model(flat, good, outcomes)
    assert compared.enough
    assert compared.verdict == (
        "Trust the model: it tells converting leads from the others better (AUC 1.00 for the "
        "model against 0.50 for the rule score), and its top tenth converted 2.0 times as "
        "often as the average."
    )


def test_clearly_better_rules_are_the_ones_to_trust() -> None:
    good, outcomes = _outcomes(40)
    compared = rules_vs_model(good, [0.3] * 40, outcomes)
    assert compared.verdict.startswith("Trust the rules: the rule score tells")


def test_close_figures_say_neither_is_clearly_better_and_warn_of_training_outcomes() -> None:
    good, outcomes = _outcomes(40)
    compared = rules_vs_model(good, good, outcomes, seen_in_training=5)
    assert compared.verdict.startswith("The rules and the model do about as well")
    assert compared.verdict.endswith(
        "5 of these 40 outcomes were in the model's training window, which flatters the model."
    )


def test_too_few_outcomes_say_so_and_claim_nothing() -> None:
    good, outcomes = _outcomes(2 * MIN_EACH - 2)
    compared = rules_vs_model(good, good, outcomes)
    assert not compared.enough
    assert compared.verdict == (
        "Too few outcomes to compare yet: 9 converted and 9 did not; at least 10 of each are "
        "needed."
    )
