"""The fitted predictive model: scoring, explaining and storing (issue 19; docs/SCORING.md).
How it is trained and measured is in ``training``.

scikit-learn is imported inside the functions, never at import time: Django's start-up and the
web processes do not pay for it until a model is trained or loaded.
"""

from __future__ import annotations

import io
import json
import pickle
import struct
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from leadflow.core.scoring.calibration import (
    CalibrationBin,
    Calibrator,
)
from leadflow.core.scoring.errors import ModelFormatError
from leadflow.core.scoring.features import MISSING, OTHER, FeaturePlan, Kind
from leadflow.core.scoring.linear import LinearDesign

LINEAR = "logistic_regression"
BOOSTING = "gradient_boosting"
LINEAR_PREFERENCE = 0.005
FORMAT = 1
_MAGIC = b"LEADFLOW-SCORING\n"
#: The minus sign of "Company size 1-10 \u22128 points of probability".
MINUS = "\u2212"


@dataclass(frozen=True)
class Settings:
    """The training's settings; every one is a program setting in the app."""

    folds: int = 5
    seed: int = 0
    min_positives: int = 50
    min_negatives: int = 50
    min_count: int = 10
    min_share: float = 0.005
    #: Native threads for fitting and scoring. One by default: on a machine shared with web
    #: and worker processes, OpenMP threads that wait for each other cost ten times the CPU
    #: (docs/PERFORMANCE.md, "Predictive scoring").
    threads: int = 1
    #: The candidates compared by cross-validated AUC (a program may keep the linear one only).
    candidates: tuple[str, ...] = ("logistic_regression", "gradient_boosting")


@dataclass(frozen=True)
class Importance:
    """A feature's weight in the model: the mean absolute change it makes to a lead's
    probability, in points (0-100), over the training rows (a seeded sample of 5,000)."""

    feature: str
    importance: float


@dataclass(frozen=True)
class Metrics:
    """The backtest of a training window (module docstring): AUC per fold and their mean, the
    Brier score and reliability table of honest calibrated probabilities, each candidate's mean
    AUC, the calibration kept, and the features by importance."""

    rows: int
    positives: int
    auc: float
    auc_folds: tuple[float, ...]
    brier: float
    calibration: tuple[CalibrationBin, ...]
    candidates: Mapping[str, float]
    calibration_method: str
    top_features: tuple[Importance, ...] = ()


@dataclass(frozen=True)
class Factor:
    """One feature's share of a lead's probability, in points of probability (-100…+100)."""

    feature: str
    label: str
    value: str
    points: float

    @property
    def text(self) -> str:
        """In plain words: "Source: referral +12 points of probability"."""
        rounded = round(self.points)
        sign = "+" if rounded >= 0 else MINUS
        return f"{self.label}: {self.value} {sign}{abs(rounded)} points of probability"


@dataclass(frozen=True)
class Explanation:
    """A lead's probability (0-1) and its factors, largest first. ``exact`` (the linear model):
    ``baseline`` + the sum of every factor's points / 100 is the probability (the average lead
    of the training window, docs/SCORING.md). Otherwise (boosting) each factor is the
    difference the feature makes against the same lead with it missing: approximate, the
    factors need not add up and ``baseline`` is None."""

    probability: float
    baseline: float | None
    factors: tuple[Factor, ...]
    exact: bool

    def top(self, count: int = 3) -> tuple[Factor, ...]:
        return self.factors[:count]


@dataclass
class ScoringModel:
    """A fitted model: what it reads (``plan``), how it was measured (``metrics``), and what it
    is (``kind``, ``version``, ``window``, ``seed``). ``to_bytes``/``model_load`` store it."""

    kind: str
    plan: FeaturePlan
    metrics: Metrics
    calibrator: Calibrator
    estimator: Any
    design: LinearDesign | None = None
    version: str = "1"
    window: tuple[str, str] | None = None
    seed: int = 0
    library: str = field(default="")

    @property
    def features(self) -> tuple[str, ...]:
        return self.plan.names

    def raw_scores(self, encoded: np.ndarray) -> np.ndarray:
        with threads_limited(1):
            if self.design is not None:
                return np.asarray(self.estimator.decision_function(self.design.matrix(encoded)))
            return np.asarray(self.estimator.decision_function(encoded))

    def predict(self, records: Sequence[Mapping[str, object]]) -> np.ndarray:
        """Each record's calibrated conversion probability (0-1)."""
        if not records:
            return np.empty(0)
        return self.calibrator(self.raw_scores(self.plan.encode(records)))

    def explain(self, records: Sequence[Mapping[str, object]]) -> list[Explanation]:
        """Each record's probability with its factors (``Explanation``)."""
        if not records:
            return []
        encoded = self.plan.encode(records)
        points, probability, baseline = self._points(encoded)
        explanations = []
        for i in range(len(records)):
            factors = [
                Factor(
                    feature.name, feature.label, _value_text(feature, encoded[i, j]), points[i, j]
                )
                for j, feature in enumerate(self.plan.features)
            ]
            factors.sort(key=lambda factor: -abs(factor.points))
            explanations.append(
                Explanation(
                    probability=float(probability[i]),
                    baseline=baseline,
                    factors=tuple(factors),
                    exact=self.design is not None,
                )
            )
        return explanations

    def _points(self, encoded: np.ndarray) -> tuple[np.ndarray, np.ndarray, float | None]:
        """(points per lead and feature, probability, baseline probability or None)."""
        if self.design is not None:
            weights = self.estimator.coef_[0]
            intercept = float(self.estimator.intercept_[0])
            base_score, contribution = self.design.contributions(encoded, weights, intercept)
            score = base_score + contribution.sum(axis=1)
            probability = self.calibrator(score)
            base = float(self.calibrator(np.array([base_score]))[0])
            # Integrated gradients along the straight path from the average lead: the score
            # moves linearly, so each feature gets the calibrated curve's mean slope over the
            # path times its own log-odds; the shares add up to probability - baseline.
            step = score - base_score
            near = np.abs(step) < 1e-9
            h = 1e-6
            slope_at_base = float(
                (
                    self.calibrator(np.array([base_score + h]))[0]
                    - self.calibrator(np.array([base_score - h]))[0]
                )
                / (2 * h)
            )
            slope = np.where(near, slope_at_base, (probability - base) / np.where(near, 1.0, step))
            return 100.0 * contribution * slope[:, None], probability, base
        probability = self.calibrator(self.raw_scores(encoded))
        points = np.empty(encoded.shape, dtype=np.float64)
        for j, feature in enumerate(self.plan.features):
            without = encoded.copy()
            without[:, j] = _missing_code(feature)
            points[:, j] = 100.0 * (probability - self.calibrator(self.raw_scores(without)))
        return points, probability, None

    def importances(self, encoded: np.ndarray) -> tuple[Importance, ...]:
        points, _, _ = self._points(encoded)
        mean = np.abs(points).mean(axis=0)
        order = np.argsort(-mean, kind="stable")
        names = self.plan.names
        return tuple(Importance(names[j], round(float(mean[j]), 2)) for j in order)

    def metadata(self) -> dict[str, Any]:
        """What the model is, as JSON-ready values (stored beside its bytes, shown on its page)."""
        return {
            "format": FORMAT,
            "library": self.library,
            "kind": self.kind,
            "version": self.version,
            "window": list(self.window) if self.window else None,
            "seed": self.seed,
            "features": list(self.features),
            "refused": [asdict(refusal) for refusal in self.plan.refused],
            "metrics": metrics_json(self.metrics),
        }

    def to_bytes(self) -> bytes:
        """The model as bytes: a header, its metadata as JSON (readable by ``model_metadata``
        without loading scikit-learn), then the fitted objects."""
        meta = json.dumps(self.metadata(), sort_keys=True).encode()
        body = pickle.dumps(self, protocol=5)
        return _MAGIC + struct.pack(">I", len(meta)) + meta + body


def _missing_code(feature: Any) -> float:
    if feature.kind is Kind.NUMERIC:
        return float("nan")
    return float(feature.levels.index(MISSING))


def _value_text(feature: Any, code: float) -> str:
    if feature.kind is Kind.NUMERIC:
        if np.isnan(code):
            return "not given"
        return f"{code:g}"
    level = feature.levels[int(code)]
    if level == MISSING:
        return "not given"
    if level == OTHER:
        return "another value"
    return str(level)


def metrics_json(metrics: Metrics) -> dict[str, Any]:
    """The backtest contract's figures (issue 19, item 4), rounded for people."""
    return {
        "rows": metrics.rows,
        "positives": metrics.positives,
        "auc": round(metrics.auc, 4),
        "auc_folds": [round(auc, 4) for auc in metrics.auc_folds],
        "brier": round(metrics.brier, 4),
        "calibration": [
            {
                "predicted": round(row.predicted, 4),
                "observed": round(row.observed, 4),
                "count": row.count,
            }
            for row in metrics.calibration
        ],
        "top_features": [
            {"feature": item.feature, "importance": item.importance}
            for item in metrics.top_features
        ],
    }


def model_metadata(data: bytes) -> dict[str, Any]:
    """The metadata of stored bytes, without unpickling anything."""
    if not data.startswith(_MAGIC):
        raise ModelFormatError("these bytes are not a LeadFlow scoring model")
    start = len(_MAGIC)
    (length,) = struct.unpack(">I", data[start : start + 4])
    meta: dict[str, Any] = json.loads(data[start + 4 : start + 4 + length])
    return meta


def model_load(data: bytes) -> ScoringModel:
    """A stored model back. Refused (``ModelFormatError``: train again) when it was stored in
    another format or under another scikit-learn version, whose objects may not load right."""
    import sklearn

    meta = model_metadata(data)
    if meta.get("format") != FORMAT or meta.get("library") != library_name(sklearn.__version__):
        raise ModelFormatError(
            f"the model was stored by {meta.get('library')} in format {meta.get('format')}; "
            f"this is {library_name(sklearn.__version__)} in format {FORMAT}: train it again"
        )
    start = len(_MAGIC) + 4 + len(json.dumps(meta, sort_keys=True).encode())
    model = pickle.Unpickler(io.BytesIO(data[start:])).load()
    if not isinstance(model, ScoringModel):
        raise ModelFormatError("these bytes are not a LeadFlow scoring model")
    return model


def threads_limited(threads: int) -> Any:
    """A context in which scikit-learn's native code runs on at most ``threads`` threads."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads)


def library_name(version: str) -> str:
    """How a model names the scikit-learn that stored it."""
    return f"scikit-learn {version}"
