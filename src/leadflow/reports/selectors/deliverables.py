"""Deliverables (docs/REPORTS.md, "Deliverables"): what an agency delivered against the
guarantee, period by period, with the disputes and replacements; and how fast the cohort's Hot
leads (approved by QA) were delivered after capture, against the 24-hour target and the
48-hour limit.

The guarantee figures are the guarantees app's own ledger (``guarantees.selectors.
program_ledger``), never counted again here: the report shows the ledger's periods that overlap
the report's period, so the ledger page and the report always agree.
"""

from datetime import timedelta
from typing import Any

from django.db.models import Sum

from leadflow.core.errors import InputError
from leadflow.core.reports import Period
from leadflow.guarantees.selectors import program_ledger
from leadflow.programs.models import HandOffMode, Program
from leadflow.reports.models import HotDay
from leadflow.reports.selectors.common import Column, Report, cohort_days, fraction

#: What the report counts in its period (the page's period line).
COUNTED = "guarantee periods and Hot leads of"
BREAKDOWNS = ("hot",)

#: The ledger's figures in the report, by row key (every one a count).
_LEDGER = {
    "promised": "owed",
    "delivered": "delivered",
    "valid": "valid",
    "disputed": "disputed",
    "open": "open",
    "upheld": "upheld",
    "rejected": "rejected",
    "replacements_owed": "upheld",
    "replacements_delivered": "replaced",
    "awaiting_replacement": "awaiting_replacement",
    "still_owed": "still_owed",
}

_PERIOD_COLUMNS = [
    Column("program_label", "Program", "text"),
    Column("period_label", "Guarantee period", "text"),
    Column("promised", "Valid leads promised"),
    Column("delivered", "Delivered"),
    Column("valid", "Valid"),
    Column("still_owed", "Still owed"),
    Column("disputed", "Disputes raised"),
    Column("open", "Disputes open"),
    Column("upheld", "Upheld"),
    Column("rejected", "Rejected"),
    Column("replacements_owed", "Replacements owed"),
    Column("replacements_delivered", "Replacements delivered"),
]

_HOT_COLUMNS = [
    Column("program_label", "Program", "text"),
    Column("hot_leads", "Hot leads approved"),
    Column("within_target", "Delivered within 24 hours"),
    Column("within_limit", "Within 48 hours"),
    Column("over_limit", "Over 48 hours"),
    Column("not_delivered", "Not delivered yet"),
    Column("on_target", "Share within 24 hours", "fraction"),
]

_HOT_KEYS = ("hot_leads", "within_target", "within_limit", "over_limit", "not_delivered")


def delivery_programs(programs: list[Program]) -> list[Program]:
    """The programs that deliver to their client (the others have no deliverables)."""
    return [
        program
        for program in programs
        if program.hand_off_mode in (HandOffMode.DELIVERY, HandOffMode.BOTH)
    ]


def _period_rows(programs: list[Program], period: Period) -> list[dict[str, Any]]:
    """The ledger's periods that overlap the report's period, per program (three queries a
    program: its terms, its deliveries per day, its disputes per day)."""
    rows = []
    for program in programs:
        _, end = period.bounds(program.client.timezone or "UTC")
        ledger = program_ledger(program=program, now=end - timedelta(microseconds=1)).ledger
        for line in ledger.rows:
            assert line.period is not None
            if line.period.end <= period.start or line.period.start >= period.end:
                continue
            rows.append(
                {
                    "program": program.slug,
                    "program_label": program.name,
                    "period": line.period.label,
                    "period_label": f"{line.period.label} ({line.period.span})",
                    "from": line.period.start.isoformat(),
                    "to": line.period.end.isoformat(),
                    **{key: getattr(line, name) for key, name in _LEDGER.items()},
                }
            )
    return rows


def _period_report(programs: list[Program], period: Period) -> Report:
    rows = _period_rows(programs, period)
    totals = {key: sum(row[key] for row in rows) for key in _LEDGER}
    return Report("deliverables", programs, period, "", list(_PERIOD_COLUMNS), rows, totals)


def _hot_row(counts: dict[str, Any]) -> dict[str, Any]:
    figures = {key: counts.get(f"n_{key}") or 0 for key in _HOT_KEYS}
    return {**figures, "on_target": fraction(figures["within_target"], figures["hot_leads"])}


def _hot_report(programs: list[Program], period: Period) -> Report:
    """The cohort's Hot leads that QA approved, by the hours from capture to delivery (the
    delivery app's Hot clock), from the daily rollup ``HotDay``."""
    days = HotDay.objects.filter(cohort_days(programs, period))
    sums = {f"n_{key}": Sum(key) for key in _HOT_KEYS}
    grouped = {
        row["program_id"]: row for row in days.order_by().values("program_id").annotate(**sums)
    }
    rows = [
        {
            "program": program.slug,
            "program_label": program.name,
            **_hot_row(grouped.get(program.pk, {})),
        }
        for program in programs
    ]
    totals = _hot_row(days.aggregate(**sums))
    return Report("deliverables", programs, period, "hot", list(_HOT_COLUMNS), rows, totals)


def deliverables(*, programs: list[Program], period: Period, by: str = "", **_: Any) -> Report:
    if by and by not in BREAKDOWNS:
        raise InputError("by", "the deliverables are per guarantee period, or by=hot")
    delivering = delivery_programs(programs)
    if by == "hot":
        return _hot_report(delivering, period)
    report = _period_report(delivering, period)
    report.sections["Hot leads: time from capture to delivery"] = _hot_report(delivering, period)
    return report
