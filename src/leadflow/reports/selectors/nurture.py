"""Nurture (docs/REPORTS.md, "Nurture"): per sequence and touch, the touches that went out in
the period and the responses to them; per sequence, the leads that entered it in the period,
how many re-qualified out of nurture, and the unsubscribes of the period.

A response without a touch of its own (a reply, a phone response, a form fill: only clicks
name the touch they came from) answers the last touch that went out to the lead before it.
Everything is counted by the database: each response is matched to its touch in one
subquery, never in Python.
"""

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from leadflow.core.errors import InputError
from leadflow.core.lifecycle import Action
from leadflow.core.reports import Period
from leadflow.leads.models import LeadEvent
from leadflow.nurture.models import (
    Engagement,
    EngagementKind,
    Enrollment,
    LeaveReason,
    Sequence,
    Touch,
    TouchKind,
    TouchSent,
)
from leadflow.programs.models import Program
from leadflow.reports.selectors.common import Column, Report, cohort, fraction

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


def _sent_in(programs: list[Program], period: Period) -> Any:
    """Touches done in the period (each client's days), sent or skipped."""
    return TouchSent.objects.filter(
        cohort(programs, period, created="done_at", program="enrollment__sequence__program_id")
    )


def _responses(programs: list[Program], period: Period, sent_in_period: Any) -> Any:
    """The responses to the touches of the period, each with the touch it answers (only the
    programs' leads' responses since the period's first instant are matched: none earlier
    can answer a touch of the period)."""
    earliest = min(period.bounds(program.client.timezone or "UTC")[0] for program in programs)
    last_before = (
        TouchSent.objects.filter(lead_id=OuterRef("lead_id"), done_at__lte=OuterRef("at"))
        .filter(skipped="")
        .order_by("-done_at", "-id")
        .values("id")[:1]
    )
    answered = Engagement.objects.filter(lead__program__in=programs, at__gte=earliest).annotate(
        answers=Coalesce(F("sent_id"), Subquery(last_before))
    )
    of = TouchSent.objects.filter(pk=OuterRef("answers"))
    return (
        answered.filter(answers__in=sent_in_period.values("id"))
        .annotate(
            touch=Subquery(of.values("touch_id")[:1]),
            sequence=Subquery(of.values("enrollment__sequence_id")[:1]),
        )
        .order_by()
        .values("sequence", "touch")
        .annotate(
            responded=Count("answers", distinct=True),
            clicks=Count("pk", filter=Q(kind=EngagementKind.EMAIL_CLICK)),
            replies=Count("pk", filter=Q(kind=EngagementKind.REPLY)),
            phone=Count("pk", filter=Q(kind=EngagementKind.PHONE)),
            form_fills=Count("pk", filter=Q(kind=EngagementKind.FORM_FILL)),
        )
    )


def _touch_rows(
    programs: list[Program], period: Period, sequences: list[Sequence]
) -> list[dict[str, Any]]:
    sent_in_period = _sent_in(programs, period)
    figures: dict[tuple[int, int | None], dict[str, int]] = {}
    sent = (
        sent_in_period.order_by()
        .values("enrollment__sequence_id", "touch_id")
        .annotate(
            sent=Count("pk", filter=Q(skipped="")), skipped=Count("pk", filter=~Q(skipped=""))
        )
    )
    for row in sent:
        key = (row["enrollment__sequence_id"], row["touch_id"])
        figures.setdefault(key, {}).update(sent=row["sent"], skipped=row["skipped"])
    for row in _responses(programs, period, sent_in_period) if programs else []:
        figures.setdefault((row["sequence"], row["touch"]), {}).update(row)
    touches = Touch.objects.filter(sequence__in=sequences).order_by("sequence", "position", "id")
    by_sequence: dict[int, list[Touch]] = {}
    for touch in touches:
        by_sequence.setdefault(touch.sequence_id, []).append(touch)
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
                    "sequence_label": sequence.name,
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
    entered = (
        Enrollment.objects.filter(
            cohort(programs, period, created="entered_at", program="sequence__program_id")
        )
        .annotate(
            during=Exists(_requalified_after(bounded=True)),
            since=Exists(_requalified_after(bounded=False)),
        )
        .order_by()
        .values("sequence_id")
        .annotate(
            enrolled=Count("pk"),
            requalified=Count("pk", filter=Q(during=True) | Q(left_at__isnull=True, since=True)),
        )
    )
    unsubscribed = (
        Enrollment.objects.filter(
            cohort(programs, period, created="left_at", program="sequence__program_id"),
            left_reason=LeaveReason.UNSUBSCRIBED,
        )
        .order_by()
        .values("sequence_id")
        .annotate(unsubscribed=Count("pk"))
    )
    figures: dict[int, dict[str, int]] = {}
    for row in [*entered, *unsubscribed]:
        figures.setdefault(row["sequence_id"], {}).update(row)
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
                "sequence_label": sequence.name,
                "program": sequence.program.slug,
                **values,
                "response_rate": fraction(values["responded"], values["sent"]),
                "requalification_rate": fraction(values["requalified"], values["enrolled"]),
            }
        )
    return rows


def _requalified_after(*, bounded: bool) -> Any:
    """The lead's re-qualification out of nurture while it was in this enrollment: from its
    entry to its leaving (the re-qualification and the leaving share one instant), or from
    its entry on while it has not left."""
    events = LeadEvent.objects.filter(
        lead_id=OuterRef("lead_id"),
        action=Action.REQUALIFY_FROM_NURTURE,
        at__gte=OuterRef("entered_at"),
    )
    return events.filter(at__lte=OuterRef("left_at")) if bounded else events


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
