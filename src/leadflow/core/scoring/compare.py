"""Rules against the model (issue 19, "so sales management sees which to trust"): how well the
rule score and the model's probability each tell the leads that converted from those that did
not, on the same recent outcomes, and a sentence in plain words saying which to trust.

- **AUC**: the chance that a converted lead, picked at random, scores higher than a lead that
  did not convert, picked at random (ties count half): 0.5 is chance, 1 is perfect. The
  Mann-Whitney statistic over mid-ranks, so the rule score's many ties are counted fairly.
- **Lift**: the conversion rate of the top tenth of the leads by the score, divided by the
  conversion rate of all of them; 1 is no better than taking leads at random. Leads tied at
  the tenth's edge count in proportion, so the order of tied leads changes nothing.

Pure: scores and outcomes are plain numbers and booleans.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: Fewer converted (or not converted) leads than this and no figure is honest.
MIN_EACH = 10
#: The top share of the leads the lift reads.
TOP_SHARE = 0.1
#: A difference in AUC smaller than this is no reason to prefer one over the other.
CLEAR_MARGIN = 0.03


def auc(scores: Sequence[float], outcomes: Sequence[bool]) -> float | None:
    """The AUC of ``scores`` for ``outcomes`` (True: converted); None with one class only."""
    if len(scores) != len(outcomes):
        raise ValueError("one outcome per score")
    positives = sum(1 for outcome in outcomes if outcome)
    negatives = len(outcomes) - positives
    if not positives or not negatives:
        return None
    order = sorted(range(len(scores)), key=lambda index: scores[index])
    ranks = [0.0] * len(scores)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and scores[order[end + 1]] == scores[order[start]]:
            end += 1
        mid = (start + end) / 2 + 1
        for position in range(start, end + 1):
            ranks[order[position]] = mid
        start = end + 1
    rank_sum = sum(rank for rank, outcome in zip(ranks, outcomes, strict=True) if outcome)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def lift(
    scores: Sequence[float], outcomes: Sequence[bool], share: float = TOP_SHARE
) -> float | None:
    """The top ``share`` of the leads' conversion rate over everyone's; None when nobody
    converted (or no lead)."""
    if len(scores) != len(outcomes):
        raise ValueError("one outcome per score")
    converted = sum(1 for outcome in outcomes if outcome)
    if not scores or not converted:
        return None
    base = converted / len(scores)
    top = max(1, math.ceil(len(scores) * share))
    edge = sorted(scores, reverse=True)[top - 1]
    above = [outcome for score, outcome in zip(scores, outcomes, strict=True) if score > edge]
    tied = [outcome for score, outcome in zip(scores, outcomes, strict=True) if score == edge]
    wanted = top - len(above)
    top_converted = sum(above) + sum(tied) * wanted / len(tied)
    return (top_converted / top) / base


@dataclass(frozen=True, slots=True)
class Measure:
    """How well one score ranks the outcomes."""

    auc: float | None
    lift: float | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """The rule score and the model on the same leads with a known outcome."""

    leads: int
    converted: int
    rules: Measure
    model: Measure
    #: Of these leads, how many had their outcome inside the model's training window.
    seen_in_training: int = 0

    @property
    def enough(self) -> bool:
        return self.converted >= MIN_EACH and self.leads - self.converted >= MIN_EACH

    @property
    def verdict(self) -> str:
        """Which to trust, in one or two plain sentences."""
        not_converted = self.leads - self.converted
        if not self.enough:
            return (
                f"Too few outcomes to compare yet: {self.converted} converted and "
                f"{not_converted} did not; at least {MIN_EACH} of each are needed."
            )
        rules, model = self.rules.auc, self.model.auc
        assert rules is not None
        assert model is not None
        figures = f"AUC {model:.2f} for the model against {rules:.2f} for the rule score"
        if model - rules >= CLEAR_MARGIN:
            text = f"Trust the model: it tells converting leads from the others better ({figures})"
            lifted = self.model.lift
        elif rules - model >= CLEAR_MARGIN:
            text = (
                "Trust the rules: the rule score tells converting leads from the others better "
                f"({figures})"
            )
            lifted = self.rules.lift
        else:
            text = (
                f"The rules and the model do about as well ({figures}): neither is clearly "
                "better on these outcomes"
            )
            lifted = None
        if lifted is not None:
            text += f", and its top tenth converted {lifted:.1f} times as often as the average"
        text += "."
        if self.seen_in_training:
            text += (
                f" {self.seen_in_training} of these {self.leads} outcomes were in the model's "
                "training window, which flatters the model."
            )
        return text


def rules_vs_model(
    rule_scores: Sequence[float],
    probabilities: Sequence[float],
    outcomes: Sequence[bool],
    *,
    seen_in_training: int = 0,
) -> Comparison:
    """Both scores measured on the same leads (one rule score, probability and outcome each)."""
    return Comparison(
        leads=len(outcomes),
        converted=sum(1 for outcome in outcomes if outcome),
        rules=Measure(auc(rule_scores, outcomes), lift(rule_scores, outcomes)),
        model=Measure(auc(probabilities, outcomes), lift(probabilities, outcomes)),
        seen_in_training=seen_in_training,
    )
