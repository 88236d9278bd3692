"""The funnel (docs/REPORTS.md, "Funnel"): the cohort's leads at each step, inquiry to won,
with the conversion from the previous step; broken down by channel, campaign, inquiry type or
rating; and the won revenue where proposals carry an amount."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from leadflow.core.errors import InputError
from leadflow.core.reports import FUNNEL_LABELS, FUNNEL_STEPS, Period, conversion
from leadflow.leads.models import CHANNEL_CHOICES, INQUIRY_TYPE_CHOICES, RATING_CHOICES
from leadflow.programs.models import Program
from leadflow.reports.models import LeadFact
from leadflow.reports.selectors.common import Column, Report, cohort

#: ``by`` → the facts' column.
BREAKDOWNS = {
    "channel": "channel",
    "campaign": "campaign",
    "inquiry_type": "inquiry_type",
    "rating": "rating",
}

_LABELS = {
    "channel": dict(CHANNEL_CHOICES),
    "inquiry_type": dict(INQUIRY_TYPE_CHOICES),
    "rating": dict(RATING_CHOICES),
}

_REACHED = {
    "inquiry": None,
    "lead": "lead_at",
    "opportunity": "opportunity_at",
    "qualified_opportunity": "qualified_at",
    "approved": "approved_at",
    "handed_off": "handed_off_at",
    "won": "won_at",
}


def _counts() -> dict[str, Any]:
    return {
        step: Count("pk", filter=Q(**{f"{column}__isnull": False})) if column else Count("pk")
        for step, column in _REACHED.items()
    }


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


def _revenue(facts: Any, group: str | None) -> dict[Any, dict[str, str]]:
    values = [group, "won_currency"] if group else ["won_currency"]
    sums = (
        facts.filter(won_amount__isnull=False)
        .order_by()
        .values(*values)
        .annotate(total=Sum("won_amount"))
    )
    found: dict[Any, dict[str, str]] = defaultdict(dict)
    for row in sums:
        total: Decimal = row["total"]
        found[row[group] if group else None][row["won_currency"]] = f"{total:.2f}"
    return found


def funnel(*, programs: list[Program], period: Period, by: str = "", **_: Any) -> Report:
    if by and by not in BREAKDOWNS:
        raise InputError("by", f"the funnel is broken down by {', '.join(BREAKDOWNS)}")
    facts = LeadFact.objects.filter(cohort(programs, period))
    columns = [
        Column("step", "Step", "text"),
        Column("count", "Leads"),
        Column("conversion", "From the previous step", "fraction"),
    ]
    totals_counts = facts.aggregate(**_counts())
    revenue = _revenue(facts, BREAKDOWNS.get(by))
    totals: dict[str, Any] = {**totals_counts, "won_revenue": _revenue(facts, None).get(None, {})}
    if not by:
        rows = _steps(totals_counts, {})
        rows[-1]["won_revenue"] = totals["won_revenue"]
        for row in rows[:-1]:
            row["won_revenue"] = {}
        columns.append(Column("won_revenue", "Won revenue", "money"))
        return Report("funnel", programs, period, by, columns, rows, totals)
    column = BREAKDOWNS[by]
    grouped = facts.order_by().values(column).annotate(**_counts()).order_by("-inquiry", column)
    rows = []
    for group in grouped:
        value = group[column] or ""
        extra = {by: value, f"{by}_label": group_label(by, value)}
        steps = _steps(group, extra)
        for row in steps:
            row["won_revenue"] = revenue.get(group[column], {}) if row["step"] == "won" else {}
        rows.extend(steps)
    columns = [Column(f"{by}_label", by.replace("_", " ").capitalize(), "text"), *columns]
    columns.append(Column("won_revenue", "Won revenue", "money"))
    return Report("funnel", programs, period, by, columns, rows, totals)
