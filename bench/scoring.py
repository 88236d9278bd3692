"""Predictive scoring at 100,000 leads (issue 19, item 5; docs/PERFORMANCE.md, "Predictive
scoring"): training (the product's whole procedure: features, 5-fold cross-validation of both
candidates, calibration, the final fit; goal < 60 s), scoring 100,000 leads (goal < 10 s) and
explaining 10,000, in CPU time (``time.process_time``) on one thread; and the backtest AUC of the
product's model against a plain logistic regression and the rules' rating on the same folds.

The leads come from tests/scoring/histories.py (known structure: interactions, missing values,
rare values, drift, noise, a leaky post-outcome column marked as such). No database.
Usage: python bench/scoring.py [--leads 100000]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _lib import machine_line, record_line
from tests.scoring.histories import history, rating_rank, records_of

from leadflow.core.scoring import Kind, Schema, model_train, stratified_folds
from leadflow.core.scoring.training import threads_limited

HEADING = "## Predictive scoring"


def plain_logistic_auc(
    records: list[dict[str, object]], outcomes: np.ndarray, plan, folds: list[np.ndarray]
) -> float:
    """A plain logistic regression on the same columns and folds: every value one-hot (no
    frequency floor), numbers median-imputed and scaled (no clip, no missing indicator)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    categorical = [f.name for f in plan.features if f.kind is Kind.CATEGORICAL]
    numeric = [f.name for f in plan.features if f.kind is Kind.NUMERIC]
    encoded = plan.encode(records)
    names = list(plan.names)
    table = np.empty((len(records), len(names)), dtype=object)
    for j, name in enumerate(names):
        if name in numeric:
            table[:, j] = encoded[:, j]
        else:
            table[:, j] = [str(record.get(name, "")) for record in records]
    transform = ColumnTransformer(
        [
            (
                "categories",
                OneHotEncoder(handle_unknown="ignore"),
                [names.index(n) for n in categorical],
            ),
            (
                "numbers",
                make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                [names.index(n) for n in numeric],
            ),
        ]
    )
    aucs = []
    everything = np.arange(outcomes.size)
    for test in folds:
        train = np.setdiff1d(everything, test)
        model = make_pipeline(transform, LogisticRegression(max_iter=2000))
        model.fit(table[train], outcomes[train])
        aucs.append(roc_auc_score(outcomes[test], model.predict_proba(table[test])[:, 1]))
    return float(np.mean(aucs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    leads = parser.parse_args().leads
    data = history(leads, seed=0)
    records = records_of(data.rows)
    outcomes = list(data.outcomes)
    import sklearn  # noqa: F401 (imported before the clock starts)

    begin_cpu, begin_wall = time.process_time(), time.perf_counter()
    model = model_train(records, outcomes, schema=Schema(post_outcome=frozenset({"Last Activity"})))
    train_cpu, train_wall = time.process_time() - begin_cpu, time.perf_counter() - begin_wall
    begin_cpu = time.process_time()
    model.predict(records)
    score_cpu = time.process_time() - begin_cpu
    sample = records[:10_000]
    begin_cpu = time.process_time()
    model.explain(sample)
    explain_cpu = time.process_time() - begin_cpu

    from sklearn.metrics import roc_auc_score

    folds = stratified_folds(data.outcomes, folds=5, seed=0)
    with threads_limited(1):
        plain = plain_logistic_auc(records, data.outcomes, model.plan, folds)
    rules = roc_auc_score(data.outcomes, [rating_rank(row) for row in data.rows])
    oracle = roc_auc_score(data.outcomes, data.logits)
    candidates = ", ".join(
        f"{kind.replace('_', ' ')} {auc:.3f}" for kind, auc in model.metrics.candidates.items()
    )
    line = (
        f"{machine_line('no database')}, shared machine (load {_load()}): {leads:,} leads; "
        f"training {train_cpu:.1f} s CPU ({train_wall:.1f} s wall; goal < 60 s), scoring "
        f"{score_cpu:.2f} s CPU (goal < 10 s), explaining {len(sample):,} {explain_cpu:.2f} s CPU; "
        f"backtest AUC {model.metrics.auc:.3f} ({model.kind.replace('_', ' ')} kept; {candidates}) "
        f"against a plain logistic regression {plain:.3f} on the same folds (ratio "
        f"{model.metrics.auc / plain:.3f}), the rules' rating {rules:.3f}, the known log-odds "
        f"{oracle:.3f}; Brier {model.metrics.brier:.3f}"
    )
    print(line)
    record_line(HEADING, line)


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
