"""Predictive scoring, framework-free (issue 19; docs/SCORING.md): features from plain records,
a calibrated and explained model picked by cross-validated AUC, its backtest, and its bytes.

What the app builds on::

    model = model_train(records, outcomes, schema=..., settings=Settings(...), version=, window=)
    model.metrics                      # the backtest of the window (metrics_json: the contract)
    model.predict(records)             # calibrated probabilities, 0-1
    model.explain(records)[0].top(3)   # Factor.text: "Source: referral +12 points of probability"
    data = model.to_bytes(); model_metadata(data); model_load(data)
    history_check(outcomes, settings=...)  # NotEnoughHistory: "not enough history yet"
"""

from leadflow.core.scoring.calibration import CalibrationBin
from leadflow.core.scoring.errors import (
    LeakageError,
    ModelFormatError,
    NotEnoughHistory,
    ScoringError,
)
from leadflow.core.scoring.features import (
    MISSING_VALUES,
    PROTECTED_WORDS,
    Column,
    FeaturePlan,
    Kind,
    Refusal,
    Schema,
    features_plan,
)
from leadflow.core.scoring.model import (
    BOOSTING,
    LINEAR,
    Explanation,
    Factor,
    Importance,
    Metrics,
    ScoringModel,
    Settings,
    metrics_json,
    model_load,
    model_metadata,
)
from leadflow.core.scoring.training import (
    history_check,
    model_train,
    stratified_folds,
    threads_limited,
)

__all__ = [
    "BOOSTING",
    "LINEAR",
    "MISSING_VALUES",
    "PROTECTED_WORDS",
    "CalibrationBin",
    "Column",
    "Explanation",
    "Factor",
    "FeaturePlan",
    "Importance",
    "Kind",
    "LeakageError",
    "Metrics",
    "ModelFormatError",
    "NotEnoughHistory",
    "Refusal",
    "Schema",
    "ScoringError",
    "ScoringModel",
    "Settings",
    "features_plan",
    "history_check",
    "metrics_json",
    "model_load",
    "model_metadata",
    "model_train",
    "stratified_folds",
    "threads_limited",
]
