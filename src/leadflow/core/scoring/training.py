"""Training the product's predictive model (issue 19; docs/SCORING.md).

``model_train`` is the whole procedure, and its metrics are the backtest of its own window:

1. the feature plan is made from every row (it reads no outcome, so no fold learns from it);
2. stratified k-fold cross-validation of two candidates on the same folds: logistic regression
   (``linear.LinearDesign``) and histogram gradient boosting (native categorical support);
3. the candidate with the higher mean fold AUC is kept, the linear one unless boosting beats it
   by more than ``LINEAR_PREFERENCE`` (its explanations are exact);
4. calibration (``calibration``) on the kept candidate's out-of-fold raw scores: the Brier
   score and the reliability table are of cross-fitted, honest probabilities;
5. the kept candidate is fitted on every row; the calibrator on every out-of-fold score.

scikit-learn is imported inside the functions, never at import time: Django's start-up and the
web processes do not pay for it until a model is trained or loaded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from leadflow.core.scoring.calibration import (
    brier,
    calibration_choose,
    calibrator_fit,
    reliability_table,
)
from leadflow.core.scoring.errors import NotEnoughHistory, ScoringError
from leadflow.core.scoring.features import FeaturePlan, Kind, Schema, features_plan
from leadflow.core.scoring.linear import LinearDesign
from leadflow.core.scoring.model import (
    BOOSTING,
    LINEAR,
    LINEAR_PREFERENCE,
    Importance,
    Metrics,
    ScoringModel,
    Settings,
    library_name,
    threads_limited,
)

DEFAULT_SETTINGS = Settings()

_IMPORTANCE_SAMPLE = 5000


def history_check(outcomes: Sequence[bool], *, settings: Settings = DEFAULT_SETTINGS) -> None:
    """Raise ``NotEnoughHistory`` below the minimum of outcomes of each kind."""
    positives = int(sum(1 for outcome in outcomes if outcome))
    negatives = len(outcomes) - positives
    if positives < settings.min_positives or negatives < settings.min_negatives:
        raise NotEnoughHistory(
            positives=positives,
            negatives=negatives,
            min_positives=settings.min_positives,
            min_negatives=settings.min_negatives,
        )


def stratified_folds(outcomes: np.ndarray, *, folds: int, seed: int) -> list[np.ndarray]:
    """The test rows of each fold, outcomes spread evenly (shuffled with ``seed``)."""
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [test for _, test in splitter.split(np.zeros(outcomes.size), outcomes)]


def _linear_fit(design: LinearDesign, encoded: np.ndarray, outcomes: np.ndarray) -> Any:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(design.matrix(encoded), outcomes)
    return model


def _boosting_fit(plan: FeaturePlan, encoded: np.ndarray, outcomes: np.ndarray, seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=300,
        max_leaf_nodes=31,
        min_samples_leaf=40,
        l2_regularization=1.0,
        categorical_features=[feature.kind is Kind.CATEGORICAL for feature in plan.features],
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=15,
        random_state=seed,
    )
    model.fit(encoded, outcomes)
    return model


def model_train(
    records: Sequence[Mapping[str, object]],
    outcomes: Sequence[bool],
    *,
    schema: Schema | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    outcome_column: str = "",
    version: str = "1",
    window: tuple[str, str] | None = None,
) -> ScoringModel:
    """Train the product's model on leads with a known outcome (module docstring). Raises
    ``NotEnoughHistory`` below the minimum of outcomes, ``LeakageError`` when a post-outcome
    column is declared a feature, ``ScoringError`` when nothing can be used."""
    with threads_limited(settings.threads):
        return _train(
            records,
            outcomes,
            schema=schema or Schema(),
            settings=settings,
            outcome_column=outcome_column,
            version=version,
            window=window,
        )


def _train(
    records: Sequence[Mapping[str, object]],
    outcomes: Sequence[bool],
    *,
    schema: Schema,
    settings: Settings,
    outcome_column: str,
    version: str,
    window: tuple[str, str] | None,
) -> ScoringModel:
    import sklearn
    from sklearn.metrics import roc_auc_score

    if len(records) != len(outcomes):
        raise ScoringError("every record needs its outcome")
    history_check(outcomes, settings=settings)
    y = np.fromiter((bool(outcome) for outcome in outcomes), dtype=np.int64, count=len(outcomes))
    if np.bincount(y, minlength=2).min() < settings.folds:
        raise ScoringError(f"each outcome must appear at least {settings.folds} times")
    plan = features_plan(
        records,
        schema=schema,
        outcome=outcome_column,
        min_count=settings.min_count,
        min_share=settings.min_share,
    )
    encoded = plan.encode(records)
    design = LinearDesign(plan, encoded)
    folds = stratified_folds(y, folds=settings.folds, seed=settings.seed)
    everything = np.arange(y.size)
    unknown = set(settings.candidates) - {LINEAR, BOOSTING}
    if unknown or not settings.candidates:
        raise ScoringError(f"unknown candidates: {', '.join(sorted(unknown)) or 'none given'}")
    scores = {kind: np.empty(y.size) for kind in settings.candidates}
    fold_auc: dict[str, list[float]] = {kind: [] for kind in settings.candidates}
    for test in folds:
        train = np.setdiff1d(everything, test, assume_unique=True)
        if LINEAR in scores:
            linear = _linear_fit(design, encoded[train], y[train])
            scores[LINEAR][test] = linear.decision_function(design.matrix(encoded[test]))
        if BOOSTING in scores:
            boosting = _boosting_fit(plan, encoded[train], y[train], settings.seed)
            scores[BOOSTING][test] = boosting.decision_function(encoded[test])
        for kind in scores:
            fold_auc[kind].append(float(roc_auc_score(y[test], scores[kind][test])))
    candidates = {kind: float(np.mean(aucs)) for kind, aucs in fold_auc.items()}
    kind = LINEAR if LINEAR in candidates else BOOSTING
    if (
        BOOSTING in candidates
        and candidates[BOOSTING] > candidates.get(LINEAR, -1.0) + LINEAR_PREFERENCE
    ):
        kind = BOOSTING
    method, honest, _ = calibration_choose(scores[kind], y, folds)
    calibrator = calibrator_fit(method, scores[kind], y)
    if kind == LINEAR:
        estimator = _linear_fit(design, encoded, y)
    else:
        estimator = _boosting_fit(plan, encoded, y, settings.seed)
    model = ScoringModel(
        kind=kind,
        plan=plan,
        metrics=Metrics(
            rows=int(y.size),
            positives=int(y.sum()),
            auc=candidates[kind],
            auc_folds=tuple(fold_auc[kind]),
            brier=brier(honest, y),
            calibration=reliability_table(honest, y),
            candidates=candidates,
            calibration_method=method,
        ),
        calibrator=calibrator,
        estimator=estimator,
        design=design if kind == LINEAR else None,
        version=version,
        window=window,
        seed=settings.seed,
        library=library_name(sklearn.__version__),
    )
    rng = np.random.default_rng(settings.seed)
    sample = rng.choice(y.size, size=min(y.size, _IMPORTANCE_SAMPLE), replace=False)
    model.metrics = _with_importances(model.metrics, model.importances(encoded[np.sort(sample)]))
    return model


def _with_importances(metrics: Metrics, importances: tuple[Importance, ...]) -> Metrics:
    return replace(metrics, top_features=importances)
