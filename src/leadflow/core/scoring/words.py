"""A stored prediction in plain words, the same on every page (issue 19, "shows the
probability beside the rating"): "34 %", and its top factors, "Source: referral +12 points of
probability". Pure: the factors are the ``{"label", "points"}`` rows a prediction stores."""

from collections.abc import Iterable, Mapping

from leadflow.core.scoring.model import MINUS

#: How many factors a rating's hover names (the lead's page names more).
TOP_FACTORS = 3


def probability_text(probability: float) -> str:
    """A probability (0-1) as a whole percentage; never "0 %" or "100 %" for a prediction,
    which is neither impossible nor certain."""
    percent = round(probability * 100)
    if percent < 1:
        return "<1 %"
    if percent > 99:
        return ">99 %"
    return f"{percent} %"


def factor_text(label: str, points: float) -> str:
    """One factor's share: "Company size 1-10 -8 (a true minus sign) points of probability"."""
    rounded = round(points)
    sign = "+" if rounded >= 0 else MINUS
    unit = "point" if abs(rounded) == 1 else "points"
    return f"{label} {sign}{abs(rounded)} {unit} of probability"


def factors_top(factors: Iterable[Mapping[str, object]], count: int) -> list[str]:
    """The ``count`` factors that moved the probability most, largest first, in words."""
    rows = [
        (str(row.get("label", "")), float(row.get("points", 0.0)))  # type: ignore[arg-type]
        for row in factors
        if row.get("label")
    ]
    rows.sort(key=lambda row: -abs(row[1]))
    return [factor_text(label, points) for label, points in rows[:count]]


def prediction_detail(probability: float, factors: Iterable[Mapping[str, object]]) -> str:
    """The hover of a rating's note: the chance and its top factors in one sentence."""
    text = f"Predicted chance of converting: {probability_text(probability)}"
    top = factors_top(factors, TOP_FACTORS)
    return f"{text}. {'; '.join(top)}." if top else f"{text}."
