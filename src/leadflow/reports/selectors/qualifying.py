"""The qualifying process (docs/REPORTS.md, "Qualifying process"): what sales management reads
to "monitor and adjust the qualifying procedures" (issue 16) — the work of each qualifier
(leads, calls, how soon a lead is called and submitted, how QA decides on it and why it is
pushed back), the rating mix each criteria version produced, and the time leads spend in
each lifecycle status (median and 90th percentile).

Medians and percentiles are nearest-rank (``core.reports.nearest_rank``), picked by the
database: the values of each group are numbered in order by a window function and only the
row at the wanted position comes back, so no value list is ever loaded into Python.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import timedelta
from fractions import Fraction
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Window,
)
from django.db.models.functions import RowNumber

from leadflow.accounts.models import User
from leadflow.core.enums import Rating
from leadflow.core.errors import InputError
from leadflow.core.lifecycle import LeadStatus
from leadflow.core.reports import Period
from leadflow.programs.models import Program
from leadflow.reports.models import LeadFact, RatingMark, ReviewDecision, StatusSpan
from leadflow.reports.selectors.common import Column, Report, cohort, fraction

BREAKDOWNS = ("qualifier", "criteria_version", "status")
NO_QUALIFIER = "No qualifier"
NO_REASON = "No reason given"
#: How many push-back reasons a qualifier's row names, most frequent first.
TOP_REASONS = 3
#: The ratings of the mix, in the ladder's order; "none" is a lead without a rating.
MIX = (*(rating.value for rating in Rating), "none")

SECTION_MIX = "Rating mix by criteria version"
SECTION_STATUS = "Time in each status"


# --- nearest-rank percentiles in the database --------------------------------------------


def _rank_wanted(fraction_of: float) -> Any:
    """The 1-based nearest-rank position ``ceil(fraction * size)`` as integer arithmetic on
    the window's ``size`` (exact on SQLite and PostgreSQL alike: ``(size * p + q - 1) div q``
    for the fraction p/q), the position ``core.reports.nearest_rank`` gives, plus one."""
    numerator, denominator = rank_ratio(fraction_of)
    return ExpressionWrapper(
        (F("size") * numerator + (denominator - 1)) / denominator, output_field=IntegerField()
    )


def rank_ratio(fraction_of: float) -> tuple[int, int]:
    """The percentile as a ratio of small integers (0.9 → 9/10)."""
    ratio = Fraction(fraction_of).limit_denominator(1000)
    return ratio.numerator, ratio.denominator


class _PercentileDisc(Aggregate):
    """PostgreSQL's ordered-set aggregate: the first value whose cumulative share reaches the
    fraction, which is the nearest-rank percentile (one sort per group, no window)."""

    function = "percentile_disc"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction_of: float) -> None:
        super().__init__(expression)
        self.template = (
            f"%(function)s({float(fraction_of)!r}) WITHIN GROUP (ORDER BY %(expressions)s)"
        )


def percentiles(
    rows: QuerySet[Any],
    *,
    value: Any,
    group: str | None,
    fractions: Sequence[float],
) -> dict[tuple[Any, float], Any]:
    """The nearest-rank ``fractions`` percentiles of ``value`` over ``rows`` (``None`` values
    left out), per ``group`` column (or over all rows when ``None``): ``{(group value,
    fraction): value}``, one query whatever the number of groups. On PostgreSQL an
    ordered-set aggregate, elsewhere window functions."""
    if connection.vendor == "postgresql":
        return _percentiles_postgres(rows, value=value, group=group, fractions=fractions)
    partition = [F(group)] if group else None
    ranked = (
        rows.order_by()
        .annotate(measure=value)
        .filter(measure__isnull=False)
        .annotate(
            position=Window(
                RowNumber(), partition_by=partition, order_by=[F("measure").asc(), F("pk").asc()]
            ),
            size=Window(Count("pk"), partition_by=partition),
        )
        .annotate(**{f"wanted_{index}": _rank_wanted(f) for index, f in enumerate(fractions)})
    )
    wanted = Q()
    for index in range(len(fractions)):
        wanted |= Q(position=F(f"wanted_{index}"))
    fields = ["measure", "position", *(f"wanted_{index}" for index in range(len(fractions)))]
    found: dict[tuple[Any, float], Any] = {}
    for row in ranked.filter(wanted).values(*([group] if group else []), *fields):
        for index, share in enumerate(fractions):
            if row["position"] == row[f"wanted_{index}"]:
                found[(row[group] if group else None, share)] = row["measure"]
    return found


def _percentiles_postgres(
    rows: QuerySet[Any], *, value: Any, group: str | None, fractions: Sequence[float]
) -> dict[tuple[Any, float], Any]:
    measured = rows.order_by().annotate(measure=value).filter(measure__isnull=False)
    wanted = {
        f"p_{index}": _PercentileDisc(F("measure"), share) for index, share in enumerate(fractions)
    }
    found: dict[tuple[Any, float], Any] = {}
    results = (
        list(measured.values(group).annotate(**wanted)) if group else [measured.aggregate(**wanted)]
    )
    for row in results:
        for index, share in enumerate(fractions):
            if row[f"p_{index}"] is not None:
                found[(row[group] if group else None, share)] = row[f"p_{index}"]
    return found


def _hours(value: timedelta | float | None) -> float | None:
    """A duration (or seconds) as hours."""
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return round(seconds / 3600, 4)


# --- per qualifier ---------------------------------------------------------------------------


def _qualifier_name(first: str | None, last: str | None, username: str | None) -> str:
    if username is None:
        return NO_QUALIFIER
    return f"{first or ''} {last or ''}".strip() or username


def _reasons_text(counts: Iterable[tuple[str, int]]) -> str:
    ordered = sorted(counts, key=lambda pair: (-pair[1], pair[0]))[:TOP_REASONS]
    return ", ".join(f"{name or NO_REASON} ({count})" for name, count in ordered)


def _decisions(programs: Sequence[Program], period: Period) -> QuerySet[ReviewDecision]:
    return ReviewDecision.objects.filter(cohort(programs, period, created="lead_created_at"))


def _decision_counts() -> dict[str, Any]:
    return {
        "decided": Count("pk"),
        "approvals": Count("pk", filter=Q(approved=True)),
        "pushed_back": Count("pk", filter=Q(approved=False)),
    }


def _reasons(decisions: QuerySet[ReviewDecision]) -> dict[int | None, list[tuple[str, int]]]:
    """Per qualifier, each push-back reason and how often it was given."""
    grouped = (
        decisions.filter(approved=False)
        .order_by()
        .values("qualifier_id", "reason")
        .annotate(count=Count("pk"))
    )
    found: dict[int | None, list[tuple[str, int]]] = defaultdict(list)
    for row in grouped:
        found[row["qualifier_id"]].append((row["reason"] or "", row["count"]))
    return found


def _figures(
    counts: dict[str, Any],
    decided: dict[str, Any],
    medians: dict[str, float | None],
    reasons: list[tuple[str, int]],
) -> dict[str, Any]:
    leads = counts.get("leads") or 0
    calls = counts.get("calls") or 0
    decisions = decided.get("decided") or 0
    approved = decided.get("approvals") or 0
    return {
        "leads": leads,
        "calls": calls,
        "calls_per_lead": round(calls / leads, 2) if leads else None,
        "first_call_hours": medians.get("first_call"),
        "submission_hours": medians.get("submission"),
        "decisions": decisions,
        "approved": approved,
        "approval_rate": fraction(approved, decisions),
        "pushbacks": decided.get("pushed_back") or 0,
        "pushback_reasons": _reasons_text(reasons),
    }


def _medians(facts: QuerySet[LeadFact], group: str | None) -> dict[str, dict[Any, float | None]]:
    """Per group, the median hours from capture to the first call and to the first
    submission."""
    found: dict[str, dict[Any, float | None]] = {}
    for name, column in (
        ("first_call", "first_call_seconds"),
        ("submission", "submission_seconds"),
    ):
        picked = percentiles(facts, value=F(column), group=group, fractions=[0.5])
        found[name] = {key: _hours(value) for (key, _), value in picked.items()}
    return found


QUALIFIER_COLUMNS = [
    Column("qualifier", "Qualifier", "text"),
    Column("leads", "Leads"),
    Column("calls", "Calls"),
    Column("calls_per_lead", "Calls per lead"),
    Column("first_call_hours", "Capture to first call (median)", "hours"),
    Column("submission_hours", "Capture to submission (median)", "hours"),
    Column("decisions", "QA decisions"),
    Column("approved", "Approved"),
    Column("approval_rate", "Approval rate", "fraction"),
    Column("pushbacks", "Push-backs"),
    # Not "text": a second text column would make the table a breakdown of its reasons.
    Column("pushback_reasons", "Top push-back reasons", "note"),
]


def _by_qualifier(programs: list[Program], period: Period) -> Report:
    facts = LeadFact.objects.filter(cohort(programs, period))
    decisions = _decisions(programs, period)
    lead_counts = {"leads": Count("pk"), "calls": Sum("calls")}
    grouped = list(
        facts.order_by()
        .values(
            "qualifier_id", "qualifier__first_name", "qualifier__last_name", "qualifier__username"
        )
        .annotate(**lead_counts)
    )
    decided = {
        row["qualifier_id"]: row
        for row in decisions.order_by().values("qualifier_id").annotate(**_decision_counts())
    }
    medians = _medians(facts, "qualifier_id")
    reasons = _reasons(decisions)
    rows = []
    for group in grouped:
        key = group["qualifier_id"]
        name = _qualifier_name(
            group["qualifier__first_name"],
            group["qualifier__last_name"],
            group["qualifier__username"],
        )
        figures = _figures(
            group,
            decided.get(key, {}),
            {name: by_group.get(key) for name, by_group in medians.items()},
            reasons.get(key, []),
        )
        rows.append({"qualifier_id": key, "qualifier": name, **figures})
    # Decisions on the submissions of someone who is the qualifier of no lead of the cohort.
    others = decided.keys() - {group["qualifier_id"] for group in grouped}
    users = User.objects.filter(pk__in=[key for key in others if key is not None])
    names = {
        pk: _qualifier_name(first, last, username)
        for pk, first, last, username in users.values_list(
            "pk", "first_name", "last_name", "username"
        )
    }
    for key in others:
        name = names.get(key, NO_QUALIFIER) if key is not None else NO_QUALIFIER
        figures = _figures({}, decided[key], {}, reasons.get(key, []))
        rows.append({"qualifier_id": key, "qualifier": name, **figures})
    rows.sort(key=lambda row: (row["qualifier_id"] is None, -row["leads"], row["qualifier"]))
    overall_medians = _medians(facts, None)
    all_reasons: dict[str, int] = defaultdict(int)
    for pairs in reasons.values():
        for reason, count in pairs:
            all_reasons[reason] += count
    totals = _figures(
        facts.aggregate(**lead_counts),
        decisions.aggregate(**_decision_counts()),
        {name: by_group.get(None) for name, by_group in overall_medians.items()},
        list(all_reasons.items()),
    )
    return Report("qualifying", programs, period, "", QUALIFIER_COLUMNS, rows, totals)


# --- rating mix per criteria version ------------------------------------------------------


def _rating_label(rating: str) -> str:
    return "No rating" if rating == "none" else Rating(rating).label


def _by_criteria_version(programs: list[Program], period: Period) -> Report:
    marks = RatingMark.objects.filter(cohort(programs, period, created="lead_created_at"))
    counts = {
        rating: Count("pk", filter=Q(rating="") if rating == "none" else Q(rating=rating))
        for rating in MIX
    }
    grouped = (
        marks.order_by()
        .values("program_id", "program__name", "criteria_version")
        .annotate(leads=Count("pk"), **counts)
        .order_by("program__name", "program_id", "criteria_version")
    )
    rows = []
    for group in grouped:
        row: dict[str, Any] = {
            "program": group["program__name"],
            "criteria_version": group["criteria_version"],
            "criteria_version_label": f"Version {group['criteria_version']}",
            "leads": group["leads"],
        }
        for rating in MIX:
            row[rating] = group[rating]
            row[f"{rating}_share"] = fraction(group[rating], group["leads"])
        rows.append(row)
    totals = {"leads": sum(row["leads"] for row in rows)}
    columns = [
        Column("program", "Program", "text"),
        Column("criteria_version", "Criteria version", "text"),
        Column("leads", "Leads rated"),
    ]
    for rating in MIX:
        label = _rating_label(rating)
        columns.append(Column(rating, label))
        columns.append(Column(f"{rating}_share", f"{label} share", "fraction"))
    return Report("qualifying", programs, period, "criteria_version", columns, rows, totals)


# --- time in each status ---------------------------------------------------------------------


def _by_status(programs: list[Program], period: Period) -> Report:
    spans = StatusSpan.objects.filter(
        cohort(programs, period, created="lead_created_at"), left_at__isnull=False
    )
    counted = {
        row["status"]: row["spans"]
        for row in spans.order_by().values("status").annotate(spans=Count("pk"))
    }
    picked = percentiles(spans, value=F("seconds"), group="status", fractions=[0.5, 0.9])
    order = {status.value: index for index, status in enumerate(LeadStatus)}
    rows = [
        {
            "status": status,
            "status_label": LeadStatus(status).label if status in order else status,
            "spans": counted[status],
            "median_hours": _hours(picked.get((status, 0.5))),
            "p90_hours": _hours(picked.get((status, 0.9))),
        }
        for status in sorted(counted, key=lambda status: order.get(status, len(order)))
    ]
    # The times first: the chart draws the columns of the first number kind.
    columns = [
        Column("status", "Status", "text"),
        Column("median_hours", "Median time", "hours"),
        Column("p90_hours", "90th percentile", "hours"),
        Column("spans", "Times entered and left"),
    ]
    totals = {"spans": sum(counted.values())}
    return Report("qualifying", programs, period, "status", columns, rows, totals)


def qualifying(*, programs: list[Program], period: Period, by: str = "", **_: Any) -> Report:
    """The qualifying-process report: per qualifier by default (with the rating mix and the
    time in each status as its sections), or one of those two tables with ``by``."""
    if by and by not in BREAKDOWNS:
        raise InputError("by", f"the qualifying report is broken down by {', '.join(BREAKDOWNS)}")
    if by == "criteria_version":
        return _by_criteria_version(programs, period)
    if by == "status":
        return _by_status(programs, period)
    report = _by_qualifier(programs, period)
    report.by = by
    report.sections = {
        SECTION_MIX: _by_criteria_version(programs, period),
        SECTION_STATUS: _by_status(programs, period),
    }
    return report
