"""The qualifying process (docs/REPORTS.md, "Qualifying process"): what sales management reads
to "monitor and adjust the qualifying procedures" (issue 16) — the work of each qualifier
(leads, calls, how soon a lead is called and submitted, how QA decides on it and why it is
pushed back), the rating mix each criteria version produced, and the time leads spend in
each lifecycle status (median and 90th percentile).

Everything is read from the daily rollups (``QualifierDay``, ``ReasonDay``, ``RatingDay``,
``DurationDay``): at most a few rows per program and day, whatever the number of leads.
Medians and percentiles are nearest-rank over durations counted in steps
(``core.reports.step_percentile``): the database adds up each step's count over the period's
days, and the step holding the wanted position gives the value.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet, Sum

from leadflow.core.enums import Rating
from leadflow.core.errors import InputError
from leadflow.core.lifecycle import LeadStatus
from leadflow.core.reports import Period, step_percentile
from leadflow.programs.models import Program
from leadflow.reports.models import (
    STEP_COLUMNS,
    DurationDay,
    DurationMeasure,
    QualifierDay,
    RatingDay,
    ReasonDay,
)
from leadflow.reports.selectors.common import Column, Report, cohort_days, fraction

BREAKDOWNS = ("qualifier", "criteria_version", "status")
NO_QUALIFIER = "No qualifier"
NO_REASON = "No reason given"
#: How many push-back reasons a qualifier's row names, most frequent first.
TOP_REASONS = 3
#: The ratings of the mix, in the ladder's order; "none" is a lead without a rating.
MIX = (*(rating.value for rating in Rating), "none")

SECTION_MIX = "Rating mix by criteria version"
SECTION_STATUS = "Time in each status"


# --- durations counted in steps ------------------------------------------------------------


def duration_rows(programs: list[Program], period: Period) -> QuerySet[DurationDay]:
    """The ``DurationDay`` rows that cover the period: its whole calendar months from month
    rows, the days before the first and after the last whole month from day rows."""
    days = DurationDay.objects.filter(program_id__in=[each.pk for each in programs])
    start, end = period.start, period.end
    first = start if start.day == 1 else (start.replace(day=1) + timedelta(days=32)).replace(day=1)
    last = end.replace(day=1)
    if first >= last:
        return days.filter(month=False, day__gte=start, day__lt=end)
    return days.filter(
        Q(month=True, day__gte=first, day__lt=last)
        | Q(month=False, day__gte=start, day__lt=first)
        | Q(month=False, day__gte=last, day__lt=end)
    )


def histograms(rows: QuerySet[DurationDay], *group: str) -> dict[tuple[Any, ...], list[int]]:
    """Per value of the ``group`` columns, the durations' count in each step, added up over
    the rows by the database (one query whatever the number of groups)."""
    sums = {f"n_{column}": Sum(column) for column in STEP_COLUMNS}
    return {
        tuple(row[name] for name in group): [row[f"n_{column}"] or 0 for column in STEP_COLUMNS]
        for row in rows.order_by().values(*group).annotate(**sums)
    }


def _percentile_hours(counts: list[int] | None, fraction_of: float) -> float | None:
    if counts is None:
        return None
    return _hours(step_percentile(counts, fraction_of))


def _hours(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 4)


# --- per qualifier ---------------------------------------------------------------------------


def _qualifier_name(first: str | None, last: str | None, username: str | None) -> str:
    if username is None:
        return NO_QUALIFIER
    return f"{first or ''} {last or ''}".strip() or username


def _reasons_text(counts: Iterable[tuple[str, int]]) -> str:
    ordered = sorted(counts, key=lambda pair: (-pair[1], pair[0]))[:TOP_REASONS]
    return ", ".join(f"{name or NO_REASON} ({count})" for name, count in ordered)


def _reasons(reasons: QuerySet[ReasonDay]) -> dict[int | None, list[tuple[str, int]]]:
    """Per qualifier, each push-back reason and how often it was given."""
    grouped = reasons.order_by().values("qualifier_id", "reason").annotate(times=Sum("count"))
    found: dict[int | None, list[tuple[str, int]]] = defaultdict(list)
    for row in grouped:
        found[row["qualifier_id"]].append((row["reason"] or "", row["times"]))
    return found


def _figures(
    counts: dict[str, Any],
    medians: dict[str, float | None],
    reasons: list[tuple[str, int]],
) -> dict[str, Any]:
    leads = counts.get("n_leads") or 0
    calls = counts.get("n_calls") or 0
    decisions = counts.get("n_decisions") or 0
    approved = counts.get("n_approvals") or 0
    return {
        "leads": leads,
        "calls": calls,
        "calls_per_lead": round(calls / leads, 2) if leads else None,
        "first_call_hours": medians.get("first_call"),
        "submission_hours": medians.get("submission"),
        "decisions": decisions,
        "approved": approved,
        "approval_rate": fraction(approved, decisions),
        "pushbacks": counts.get("n_pushbacks") or 0,
        "pushback_reasons": _reasons_text(reasons),
    }


def _medians(durations: QuerySet[DurationDay]) -> dict[str, dict[Any, float | None]]:
    """Per qualifier (and ``None``: over all), the median hours from capture to the first call
    and to the first submission: one query, the overall counts added up from the
    qualifiers'."""
    counted = histograms(
        durations.filter(measure__in=[DurationMeasure.FIRST_CALL, DurationMeasure.SUBMISSION]),
        "measure",
        "qualifier_id",
    )
    found: dict[str, dict[Any, float | None]] = {}
    for name, measure in (
        ("first_call", DurationMeasure.FIRST_CALL),
        ("submission", DurationMeasure.SUBMISSION),
    ):
        mine = {key: counts for (each, key), counts in counted.items() if each == measure}
        found[name] = {key: _percentile_hours(counts, 0.5) for key, counts in mine.items()}
        if mine:
            overall = [sum(step) for step in zip(*mine.values(), strict=True)]
            found[name][OVERALL] = _percentile_hours(overall, 0.5)
    return found


#: The key of the figures over every qualifier in ``_medians``.
OVERALL = "overall"

_QUALIFIER_SUMS = ("leads", "calls", "decisions", "approvals", "pushbacks")


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
    days = cohort_days(programs, period)
    sums = {f"n_{name}": Sum(name) for name in _QUALIFIER_SUMS}
    work = QualifierDay.objects.filter(days)
    grouped = list(
        work.order_by()
        .values(
            "qualifier_id", "qualifier__first_name", "qualifier__last_name", "qualifier__username"
        )
        .annotate(**sums)
    )
    medians = _medians(duration_rows(programs, period))
    reasons = _reasons(ReasonDay.objects.filter(days))
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
            {name: by_group.get(key) for name, by_group in medians.items()},
            reasons.get(key, []),
        )
        rows.append({"qualifier_id": key, "qualifier": name, **figures})
    rows.sort(key=lambda row: (row["qualifier_id"] is None, -row["leads"], row["qualifier"]))
    all_reasons: dict[str, int] = defaultdict(int)
    for pairs in reasons.values():
        for reason, count in pairs:
            all_reasons[reason] += count
    totals = _figures(
        work.aggregate(**sums),
        {name: by_group.get(OVERALL) for name, by_group in medians.items()},
        list(all_reasons.items()),
    )
    return Report("qualifying", programs, period, "", QUALIFIER_COLUMNS, rows, totals)


# --- rating mix per criteria version ------------------------------------------------------


def _rating_label(rating: str) -> str:
    return "No rating" if rating == "none" else Rating(rating).label


def _by_criteria_version(programs: list[Program], period: Period) -> Report:
    ratings = RatingDay.objects.filter(cohort_days(programs, period))
    counts = {
        f"n_{rating}": Sum("count", filter=Q(rating="") if rating == "none" else Q(rating=rating))
        for rating in MIX
    }
    grouped = (
        ratings.order_by()
        .values("program_id", "program__name", "criteria_version")
        .annotate(leads=Sum("count"), **counts)
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
            row[rating] = group[f"n_{rating}"] or 0
            row[f"{rating}_share"] = fraction(row[rating], group["leads"])
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
    durations = duration_rows(programs, period).filter(measure=DurationMeasure.STATUS)
    counted = {status: counts for (status,), counts in histograms(durations, "status").items()}
    spans = {status: sum(counts) for status, counts in counted.items()}
    order = {status.value: index for index, status in enumerate(LeadStatus)}
    rows = [
        {
            "status": status,
            "status_label": LeadStatus(status).label if status in order else status,
            "spans": spans[status],
            "median_hours": _percentile_hours(counted[status], 0.5),
            "p90_hours": _percentile_hours(counted[status], 0.9),
        }
        for status in sorted(counted, key=lambda status: order.get(status, len(order)))
        if spans[status]
    ]
    # The times first: the chart draws the columns of the first number kind.
    columns = [
        Column("status", "Status", "text"),
        Column("median_hours", "Median time", "hours"),
        Column("p90_hours", "90th percentile", "hours"),
        Column("spans", "Times entered and left"),
    ]
    totals = {"spans": sum(spans.values())}
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
