"""Calibration of a model's raw score into a conversion probability, and how well it holds
(issue 19, item 2; docs/SCORING.md, "Calibration").

Two maps are fitted on out-of-fold raw scores and measured against each other by a cross-fitted
Brier score: Platt scaling (a logistic curve in the raw score) and isotonic regression (a
monotone, piecewise-linear map). Platt is kept unless isotonic is better by more than
``ISOTONIC_MARGIN``: its smooth curve gives every factor of an explanation a share, where a flat
isotonic step would give none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

PLATT = "platt"
ISOTONIC = "isotonic"
ISOTONIC_MARGIN = 0.0005


@dataclass(frozen=True)
class CalibrationBin:
    """One row of the reliability table: the leads whose predicted probability fell in one
    tenth of the range, their mean predicted probability and the share that converted."""

    predicted: float
    observed: float
    count: int


class Calibrator:
    """A fitted map from raw score (log-odds of the model) to calibrated probability."""

    def __init__(self, method: str, fitted: Any) -> None:
        self.method = method
        self._fitted = fitted

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        scores = np.asarray(scores, dtype=np.float64)
        if self.method == PLATT:
            slope, intercept = self._fitted
            logit = np.clip(slope * scores + intercept, -500.0, 500.0)  # exp stays finite
            probability = 1.0 / (1.0 + np.exp(-logit))
        else:
            probability = self._fitted.predict(scores)
        return np.clip(np.asarray(probability, dtype=np.float64), 0.0, 1.0)


def calibrator_fit(method: str, scores: np.ndarray, outcomes: np.ndarray) -> Calibrator:
    if method == PLATT:
        from sklearn.linear_model import LogisticRegression

        platt = LogisticRegression(C=1e6, max_iter=1000)
        platt.fit(scores.reshape(-1, 1), outcomes)
        return Calibrator(PLATT, (float(platt.coef_[0, 0]), float(platt.intercept_[0])))
    from sklearn.isotonic import IsotonicRegression

    isotonic = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
    isotonic.fit(scores, outcomes.astype(np.float64))
    return Calibrator(ISOTONIC, isotonic)


def cross_fitted(
    method: str, scores: np.ndarray, outcomes: np.ndarray, folds: list[np.ndarray]
) -> np.ndarray:
    """Honest calibrated probabilities: each fold's scores mapped by a calibrator fitted on the
    other folds' scores only."""
    probability = np.empty_like(scores, dtype=np.float64)
    everything = np.arange(scores.size)
    for test in folds:
        train = np.setdiff1d(everything, test, assume_unique=True)
        probability[test] = calibrator_fit(method, scores[train], outcomes[train])(scores[test])
    return probability


def calibration_choose(
    scores: np.ndarray, outcomes: np.ndarray, folds: list[np.ndarray]
) -> tuple[str, np.ndarray, dict[str, float]]:
    """The method kept (module docstring), its honest probabilities, and each method's Brier."""
    measured = {
        method: cross_fitted(method, scores, outcomes, folds) for method in (PLATT, ISOTONIC)
    }
    briers = {method: brier(p, outcomes) for method, p in measured.items()}
    method = ISOTONIC if briers[ISOTONIC] < briers[PLATT] - ISOTONIC_MARGIN else PLATT
    return method, measured[method], briers


def brier(probability: np.ndarray, outcomes: np.ndarray) -> float:
    """The mean squared difference between predicted probability and outcome (0 is perfect;
    always predicting the base rate b scores b(1 - b))."""
    return float(np.mean((probability - outcomes.astype(np.float64)) ** 2))


def reliability_table(
    probability: np.ndarray, outcomes: np.ndarray, *, bins: int = 10
) -> tuple[CalibrationBin, ...]:
    """Predicted against observed per tenth of the probability range, empty bins left out."""
    index = np.minimum((probability * bins).astype(np.int64), bins - 1)
    rows = []
    for bin_number in range(bins):
        inside = index == bin_number
        count = int(inside.sum())
        if count:
            rows.append(
                CalibrationBin(
                    predicted=float(probability[inside].mean()),
                    observed=float(outcomes[inside].mean()),
                    count=count,
                )
            )
    return tuple(rows)
