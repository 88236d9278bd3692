"""Nurture (docs/REPORTS.md, "Nurture"): per sequence and touch, the touches that went out in
the period and the responses to them; per sequence, the leads that entered it in the period,
how many re-qualified out of nurture, and the unsubscribes of the period.

A response without a touch of its own (a reply, a phone response, a form fill: only clicks
name the touch they came from) answers the last touch that went out to the lead before it
(``core.reports.responses_attribute``, applied per lead when the lead is folded). The report
reads the daily rollups ``TouchDay`` (per program, day of the touch, sequence and touch) and
``SequenceDay`` (per program, day, sequence: entered, re-qualified, unsubscribed).
"""

from typing import Any

from django.db.models import Sum

from leadflow.core.errors import InputError
from leadflow.core.reports import Period
from leadflow.nurture.models import Sequence, Touch, TouchKind
from leadflow.programs.models import Program
from leadflow.reports.models import SequenceDay, TouchDay
from leadflow.reports.selectors.common import Column, Report, cohort_days, fraction

#: What the report counts in its period (the page's period line).
COUNTED = "nurture touches, entries and exits of"
BREAKDOWNS = ("sequence",)

_TOUCH_KEYS = ("sent", "skipped", "responded", "clicks", "replies", "phone", "form_fills")
_SEQUENCE_KEYS = ("enrolled", "requalified", "unsubscribed", "sent", "responded")

_KIND_LABELS = dict(TouchKind.choices)

_TOUCH_COLUMNS = [
    Column("sequence_label", "Sequence", "text"),
    Column("touch_label", "Touch", "text"),
    Column("sent", "Sent"),
    Column("skipped", "Skipped"),
    Column("responded", "Responded"),
    Column("clicks", "Clicks"),
    Column("replies", "Replies"),
    Column("phone", "Phone responses"),
    Column("form_fills", "Form fills"),
    Column("response_rate", "Response rate", "fraction"),
]

_SEQUENCE_COLUMNS = [
    Column("sequence_label", "Sequence", "text"),
    Column("sent", "Touches sent"),
    Column("responded", "Responded"),
    Column("response_rate", "Response rate", "fraction"),
    Column("enrolled", "Leads entered"),
    Column("requalified", "Re-qualified"),
    Column("requalification_rate", "Re-qualification rate", "fraction"),
    Column("unsubscribed", "Unsubscribed"),
]


def _sequence_label(sequence: Sequence, programs: list[Program]) -> str:
    """A sequence's name, after its program's when the report spans several (two programs'
    sequences are often named alike)."""
    return f"{sequence.program.name}: {sequence.name}" if len(programs) > 1 else sequence.name


def _touch_rows(
    programs: list[Program], period: Period, sequences: list[Sequence]
) -> list[dict[str, Any]]:
    touches = Touch.objects.filter(sequence__in=sequences).order_by("sequence", "position", "id")
    by_sequence: dict[int, list[Touch]] = {}
    for touch in touches:
        by_sequence.setdefault(touch.sequence_id, []).append(touch)
    # A touch removed from its sequence: Django sets the rows' touch to none (SET_NULL).
    figures: dict[tuple[int, int | None], dict[str, int]] = {
        (row["sequence_id"], row["touch_id"]): {key: row[f"n_{key}"] or 0 for key in _TOUCH_KEYS}
        for row in TouchDay.objects.filter(cohort_days(programs, period))
        .order_by()
        .values("sequence_id", "touch_id")
        .annotate(**{f"n_{key}": Sum(key) for key in _TOUCH_KEYS})
    }
    rows = []
    for sequence in sequences:
        places: list[tuple[int | None, str, int | None]] = [
            (touch.pk, f"{number}. {_KIND_LABELS.get(touch.kind, touch.kind)}", number)
            for number, touch in enumerate(by_sequence.get(sequence.pk, []), start=1)
        ]
        if (sequence.pk, None) in figures:
            places.append((None, "Touches since removed", None))
        for touch_id, label, number in places:
            counts = figures.get((sequence.pk, touch_id), {})
            values = {key: counts.get(key) or 0 for key in _TOUCH_KEYS}
            rows.append(
                {
                    "sequence": sequence.slug,
                    "sequence_label": _sequence_label(sequence, programs),
                    "program": sequence.program.slug,
                    "touch": number,
                    "touch_label": label,
                    **values,
                    "response_rate": fraction(values["responded"], values["sent"]),
                }
            )
    return rows


def _sequence_rows(
    programs: list[Program], period: Period, sequences: list[Sequence], touch_rows: list[Any]
) -> list[dict[str, Any]]:
    keys = ("enrolled", "requalified", "unsubscribed")
    figures: dict[int, dict[str, int]] = {
        row["sequence_id"]: {key: row[f"n_{key}"] for key in keys}
        for row in SequenceDay.objects.filter(cohort_days(programs, period))
        .order_by()
        .values("sequence_id")
        .annotate(**{f"n_{key}": Sum(key) for key in keys})
    }
    rows = []
    for sequence in sequences:
        counts = figures.get(sequence.pk, {})
        for key in ("sent", "responded"):
            counts[key] = sum(
                touch[key]
                for touch in touch_rows
                if touch["sequence"] == sequence.slug and touch["program"] == sequence.program.slug
            )
        values = {key: counts.get(key) or 0 for key in _SEQUENCE_KEYS}
        rows.append(
            {
                "sequence": sequence.slug,
                "sequence_label": _sequence_label(sequence, programs),
                "program": sequence.program.slug,
                **values,
                "response_rate": fraction(values["responded"], values["sent"]),
                "requalification_rate": fraction(values["requalified"], values["enrolled"]),
            }
        )
    return rows


def nurture(*, programs: list[Program], period: Period, by: str = "", **_: Any) -> Report:
    if by and by not in BREAKDOWNS:
        raise InputError("by", "the nurture report is per touch, or by=sequence")
    sequences = list(
        Sequence.objects.filter(program__in=programs)
        .select_related("program")
        .order_by("program__name", "name", "pk")
    )
    touch_rows = _touch_rows(programs, period, sequences)
    sequence_rows = _sequence_rows(programs, period, sequences, touch_rows)
    totals = {key: sum(row[key] for row in sequence_rows) for key in _SEQUENCE_KEYS}
    totals["response_rate"] = fraction(totals["responded"], totals["sent"])
    totals["requalification_rate"] = fraction(totals["requalified"], totals["enrolled"])
    per_sequence = Report(
        "nurture", programs, period, "sequence", list(_SEQUENCE_COLUMNS), sequence_rows, totals
    )
    if by == "sequence":
        return per_sequence
    report = Report("nurture", programs, period, "", list(_TOUCH_COLUMNS), touch_rows, totals)
    report.sections["Sequences"] = per_sequence
    return report
