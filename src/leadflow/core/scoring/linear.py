"""The linear model's inputs and its exact per-feature contributions (docs/SCORING.md,
"Explanations").

Design: a categorical feature is one-hot over its levels ("other" and "missing" included); a
numeric one is clipped to its training 1st-99th percentiles, a missing value replaced by the
training median, standardised, and joined by a missing indicator when training saw it missing.

Contributions, in log-odds: with weights w, intercept b and the training mean μ of every design
column, the raw score of a lead x is L(x) = L₀ + Σ_f c_f(x), where L₀ = b + Σ_j w_j μ_j is the
score of the *average lead of the training window* (every design column at its training mean)
and c_f(x) = Σ_{j ∈ f} w_j (x_j - μ_j) sums over the design columns of feature f. That is an
identity, not an approximation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leadflow.core.scoring.features import FeaturePlan, Kind


@dataclass(frozen=True)
class _Block:
    offset: int
    width: int
    center: float = 0.0
    scale: float = 1.0
    low: float = 0.0
    high: float = 0.0
    median: float = 0.0
    indicator: bool = False


class LinearDesign:
    """The design of one training: fitted on the encoded training matrix, applied to any."""

    def __init__(self, plan: FeaturePlan, encoded: np.ndarray) -> None:
        self.plan = plan
        blocks: list[_Block] = []
        offset = 0
        for j, feature in enumerate(plan.features):
            if feature.kind is Kind.CATEGORICAL:
                blocks.append(_Block(offset, len(feature.levels)))
                offset += len(feature.levels)
                continue
            column = encoded[:, j]
            missing = np.isnan(column)
            clipped = np.clip(np.where(missing, feature.median, column), feature.low, feature.high)
            scale = float(clipped.std()) or 1.0
            indicator = bool(missing.any())
            blocks.append(
                _Block(
                    offset,
                    2 if indicator else 1,
                    center=float(clipped.mean()),
                    scale=scale,
                    low=feature.low,
                    high=feature.high,
                    median=feature.median,
                    indicator=indicator,
                )
            )
            offset += blocks[-1].width
        self.blocks = tuple(blocks)
        self.width = offset
        self.means = np.asarray(self.matrix(encoded).mean(axis=0)).ravel()

    def matrix(self, encoded: np.ndarray):  # type: ignore[no-untyped-def]  # scipy sparse
        """The design matrix (sparse, CSR) of an encoded matrix."""
        from scipy import sparse

        rows = encoded.shape[0]
        data, columns, row_index = [], [], []
        every_row = np.arange(rows)
        for j, (feature, block) in enumerate(zip(self.plan.features, self.blocks, strict=True)):
            column = encoded[:, j]
            if feature.kind is Kind.CATEGORICAL:
                data.append(np.ones(rows))
                columns.append(block.offset + column.astype(np.int64))
                row_index.append(every_row)
                continue
            missing = np.isnan(column)
            value = np.clip(np.where(missing, block.median, column), block.low, block.high)
            data.append((value - block.center) / block.scale)
            columns.append(np.full(rows, block.offset))
            row_index.append(every_row)
            if block.indicator:
                data.append(missing.astype(np.float64))
                columns.append(np.full(rows, block.offset + 1))
                row_index.append(every_row)
        return sparse.csr_matrix(
            (np.concatenate(data), (np.concatenate(row_index), np.concatenate(columns))),
            shape=(rows, self.width),
        )

    def contributions(
        self, encoded: np.ndarray, weights: np.ndarray, intercept: float
    ) -> tuple[float, np.ndarray]:
        """(L₀, c) for an encoded matrix: the average lead's raw score and each lead's
        contribution per feature in log-odds, shape (rows, features)."""
        baseline = float(intercept + weights @ self.means)
        contribution = np.empty((encoded.shape[0], len(self.blocks)), dtype=np.float64)
        for j, (feature, block) in enumerate(zip(self.plan.features, self.blocks, strict=True)):
            w = weights[block.offset : block.offset + block.width]
            mu = self.means[block.offset : block.offset + block.width]
            column = encoded[:, j]
            if feature.kind is Kind.CATEGORICAL:
                table = w - float(w @ mu)
                contribution[:, j] = table[column.astype(np.int64)]
                continue
            missing = np.isnan(column)
            value = np.clip(np.where(missing, block.median, column), block.low, block.high)
            part = w[0] * ((value - block.center) / block.scale - mu[0])
            if block.indicator:
                part = part + w[1] * (missing.astype(np.float64) - mu[1])
            contribution[:, j] = part
        return baseline, contribution
