"""What predictive scoring refuses, in plain words (issue 19; docs/SCORING.md)."""

from __future__ import annotations


class ScoringError(Exception):
    """A history that cannot be trained on, or a model that cannot be used; the message says why."""


class LeakageError(ScoringError):
    """A column recorded after the outcome, or the outcome itself, was asked for as a feature."""


class NotEnoughHistory(ScoringError):
    """Too few known outcomes to fit anything honest: the product says "not enough history yet"
    and shows no probability (issue 19, item 2)."""

    def __init__(self, *, positives: int, negatives: int, min_positives: int, min_negatives: int):
        self.positives = positives
        self.negatives = negatives
        self.min_positives = min_positives
        self.min_negatives = min_negatives
        super().__init__(
            f"not enough history yet: {positives} converted and {negatives} not converted; "
            f"at least {min_positives} of the first and {min_negatives} of the second are needed"
        )


class ModelFormatError(ScoringError):
    """Stored bytes that are not a model of this format and library version: train again."""
