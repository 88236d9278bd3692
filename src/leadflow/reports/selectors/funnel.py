"""The funnel (docs/REPORTS.md, "Funnel"): the cohort's leads at each step, inquiry to won,
with the conversion from the previous step; broken down by channel, campaign, inquiry type or
rating; and the won revenue where proposals carry an amount."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from leadflow.core.errors import InputError
from leadflow.core.reports import (
    FUNNEL_BREAKDOWNS,
    FUNNEL_LABELS,
    FUNNEL_STEPS,
    Period,
    conversion,
)
from leadflow.leads.models import CHANNEL_CHOICES, INQUIRY_TYPE_CHOICES, RATING_CHOICES
from leadflow.programs.models import Program
from leadflow.reports.models import FunnelDay, RevenueDay
from leadflow.reports.selectors.common import Column, Report, cohort_days

BREAKDOWNS = FUNNEL_BREAKDOWNS

_LABELS = {
    "channel": dict(CHANNEL_CHOICES),
    "inquiry_type": dict(INQUIRY_TYPE_CHOICES),
    "rating": dict(RATING_CHOICES),
}


def _sums() -> dict[str, Any]:
    return {f"n_{step}": Sum(step) for step in FUNNEL_STEPS}


def _counts(row: dict[str, Any]) -> dict[str, int]:
    return {step: row.get(f"n_{step}") or 0 for step in FUNNEL_STEPS}


def group_label(by: str, value: str) -> str:
    """A breakdown's value in plain words."""
    labels = _LABELS.get(by, {})
    if by == "rating" and not value:
        return "No rating"
    return labels.get(value, value) or "(none)"


def _steps(counts: dict[str, int], extra: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    previous = None
    for step in FUNNEL_STEPS:
        count = counts.get(step) or 0
        rows.append(
            {
                **extra,
                "step": step,
                "label": FUNNEL_LABELS[step],
                "count": count,
                "conversion": conversion(count, previous),
            }
        )
        previous = count
    return rows


def _revenue(days: Any) -> dict[str, dict[str, str]]:
    """Per breakdown value, the won revenue per currency."""
    sums = days.order_by().values("value", "currency").annotate(total=Sum("amount"))
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for row in sums:
        total: Decimal = row["total"]
        found[row["value"]][row["currency"]] = f"{total:.2f}"
    return found


def funnel(*, programs: list[Program], period: Period, by: str = "", **_: Any) -> Report:
    """Read from the daily rollups (``FunnelDay``, ``RevenueDay``): at most one row per
    program, day and breakdown value."""
    if by and by not in BREAKDOWNS:
        raise InputError("by", f"the funnel is broken down by {', '.join(BREAKDOWNS)}")
    days = cohort_days(programs, period)
    columns = [
        Column("step", "Step", "text"),
        Column("count", "Leads"),
        Column("conversion", "From the previous step", "fraction"),
    ]
    totals_counts = _counts(FunnelDay.objects.filter(days, breakdown="").aggregate(**_sums()))
    revenue = RevenueDay.objects.filter(days)
    totals: dict[str, Any] = {
        **totals_counts,
        "won_revenue": _revenue(revenue.filter(breakdown="")).get("", {}),
    }
    if not by:
        rows = _steps(totals_counts, {})
        rows[-1]["won_revenue"] = totals["won_revenue"]
        for row in rows[:-1]:
            row["won_revenue"] = {}
        columns.append(Column("won_revenue", "Won revenue", "money"))
        return Report("funnel", programs, period, by, columns, rows, totals)
    by_value = _revenue(revenue.filter(breakdown=by))
    grouped = (
        FunnelDay.objects.filter(days, breakdown=by)
        .order_by()
        .values("value")
        .annotate(**_sums())
        .order_by("-n_inquiry", "value")
    )
    rows = []
    for group in grouped:
        value = group["value"] or ""
        extra = {by: value, f"{by}_label": group_label(by, value)}
        steps = _steps(_counts(group), extra)
        for row in steps:
            row["won_revenue"] = by_value.get(value, {}) if row["step"] == "won" else {}
        rows.extend(steps)
    columns = [Column(f"{by}_label", by.replace("_", " ").capitalize(), "text"), *columns]
    columns.append(Column("won_revenue", "Won revenue", "money"))
    return Report("funnel", programs, period, by, columns, rows, totals)
