"""A fitted linear model as plain JSON, and back (issue 19, item 1; docs/SCORING.md, "Stored").

The product stores its models in the database as numbers, never as pickled objects: reading a
row can then never run code, and a model trained under one scikit-learn version scores the
same under the next. Only the linear model (logistic regression) is stored this way: its whole
state is the feature plan, the design's centres and scales, the weights and the calibration
map. Scoring a stored model needs numpy only.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from leadflow.core.scoring.calibration import ISOTONIC, PLATT, CalibrationBin, Calibrator
from leadflow.core.scoring.errors import ModelFormatError
from leadflow.core.scoring.features import Feature, FeaturePlan, Kind, Refusal
from leadflow.core.scoring.linear import LinearDesign, _Block
from leadflow.core.scoring.model import LINEAR, Importance, Metrics, ScoringModel

FORMAT = 1


class _Weights:
    """The fitted logistic regression, as what scoring and explaining read of it."""

    def __init__(self, coef: list[float], intercept: float) -> None:
        self.coef_ = np.array([coef], dtype=np.float64)
        self.intercept_ = np.array([intercept], dtype=np.float64)

    def decision_function(self, matrix: Any) -> np.ndarray:
        return np.asarray(matrix @ self.coef_[0] + self.intercept_[0]).ravel()


class _Steps:
    """A fitted isotonic map: piecewise linear between its thresholds, flat beyond them."""

    def __init__(self, x: list[float], y: list[float]) -> None:
        self.x = np.array(x, dtype=np.float64)
        self.y = np.array(y, dtype=np.float64)

    def predict(self, scores: np.ndarray) -> np.ndarray:
        return np.interp(scores, self.x, self.y)


def model_to_json(model: ScoringModel) -> dict[str, Any]:
    """The model's whole state as JSON values; ``ModelFormatError`` for a boosting model."""
    if model.kind != LINEAR or model.design is None:
        raise ModelFormatError("only the linear model is stored as numbers")
    calibrator = model.calibrator
    fitted = calibrator._fitted
    if calibrator.method == PLATT:
        calibration: dict[str, Any] = {"method": PLATT, "platt": [float(v) for v in fitted]}
    else:
        x = getattr(fitted, "X_thresholds_", None)
        y = getattr(fitted, "y_thresholds_", None)
        if x is None or y is None:  # a stored map loaded back (``_Steps``)
            x, y = fitted.x, fitted.y
        calibration = {"method": ISOTONIC, "x": [float(v) for v in x], "y": [float(v) for v in y]}
    design = model.design
    return {
        "format": FORMAT,
        "kind": model.kind,
        "version": model.version,
        "window": list(model.window) if model.window else None,
        "seed": model.seed,
        "library": model.library,
        "plan": {
            "floor": model.plan.floor,
            "features": [
                {**asdict(feature), "kind": feature.kind.value, "levels": list(feature.levels)}
                for feature in model.plan.features
            ],
            "refused": [asdict(refusal) for refusal in model.plan.refused],
        },
        "design": {
            "width": design.width,
            "means": [float(v) for v in design.means],
            "blocks": [asdict(block) for block in design.blocks],
        },
        "weights": [float(v) for v in model.estimator.coef_[0]],
        "intercept": float(model.estimator.intercept_[0]),
        "calibration": calibration,
        "metrics": {
            "rows": model.metrics.rows,
            "positives": model.metrics.positives,
            "auc": model.metrics.auc,
            "auc_folds": list(model.metrics.auc_folds),
            "brier": model.metrics.brier,
            "calibration": [asdict(row) for row in model.metrics.calibration],
            "candidates": dict(model.metrics.candidates),
            "calibration_method": model.metrics.calibration_method,
            "top_features": [asdict(item) for item in model.metrics.top_features],
        },
    }


def model_from_json(data: dict[str, Any]) -> ScoringModel:
    """A model stored by ``model_to_json`` back, ready to predict and explain."""
    if data.get("format") != FORMAT or data.get("kind") != LINEAR:
        raise ModelFormatError("these numbers are not a stored LeadFlow linear model")
    plan = FeaturePlan(
        features=tuple(
            Feature(
                **{**feature, "kind": Kind(feature["kind"]), "levels": tuple(feature["levels"])}
            )
            for feature in data["plan"]["features"]
        ),
        refused=tuple(Refusal(**item) for item in data["plan"]["refused"]),
        floor=int(data["plan"]["floor"]),
    )
    design = LinearDesign.__new__(LinearDesign)
    design.plan = plan
    design.blocks = tuple(_Block(**block) for block in data["design"]["blocks"])
    design.width = int(data["design"]["width"])
    design.means = np.array(data["design"]["means"], dtype=np.float64)
    stored = data["calibration"]
    if stored["method"] == PLATT:
        calibrator = Calibrator(PLATT, tuple(stored["platt"]))
    else:
        calibrator = Calibrator(ISOTONIC, _Steps(stored["x"], stored["y"]))
    figures = data["metrics"]
    metrics = Metrics(
        rows=figures["rows"],
        positives=figures["positives"],
        auc=figures["auc"],
        auc_folds=tuple(figures["auc_folds"]),
        brier=figures["brier"],
        calibration=tuple(CalibrationBin(**row) for row in figures["calibration"]),
        candidates=figures["candidates"],
        calibration_method=figures["calibration_method"],
        top_features=tuple(Importance(**item) for item in figures["top_features"]),
    )
    window = data.get("window")
    return ScoringModel(
        kind=LINEAR,
        plan=plan,
        metrics=metrics,
        calibrator=calibrator,
        estimator=_Weights(data["weights"], data["intercept"]),
        design=design,
        version=str(data["version"]),
        window=(window[0], window[1]) if window else None,
        seed=int(data.get("seed", 0)),
        library=str(data.get("library", "")),
    )
