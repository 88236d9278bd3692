"""Partners (docs/REPORTS.md, "Partners"): each partner's SLA record for the cohort's leads
(claimed, first contact and follow-up on time, violations, declines) and what came of them
(won, lost, conversion to won); by partner and territory (the lead's country and subdivision).

Counted from the partners app's assignments: one row per hand-off of a lead to a partner,
with its deadlines (``claim_due``, ``contact_due``, ``followup_due``) and the times the partner
did each step (``claimed_at``, ``contacted_at``, ``closed_at``), as the clocks of
``core.sla.clocks`` read them.
"""

from typing import Any

from django.db.models import Count, F, Q

from leadflow.core.errors import InputError
from leadflow.core.reports import Period
from leadflow.partners.models import Assignment, Outcome, Partner
from leadflow.programs.models import Program
from leadflow.reports.selectors.common import Column, Report, cohort, fraction

BREAKDOWNS = ("territory",)

_KEYS = (
    "assignments",
    "claimed",
    "claimed_on_time",
    "contacted",
    "contact_on_time",
    "followed_up",
    "followup_on_time",
    "violations",
    "declines",
    "won",
    "lost",
)

_COLUMNS = [
    Column("assignments", "Leads assigned"),
    Column("claimed_on_time", "Claimed on time"),
    Column("contact_on_time", "First contact on time"),
    Column("followup_on_time", "Follow-up on time"),
    Column("violations", "Violations"),
    Column("declines", "Declined"),
    Column("won", "Won"),
    Column("lost", "Lost"),
    Column("conversion", "Conversion to won", "fraction"),
]


def _counts() -> dict[str, Any]:
    return {
        "assignments": Count("pk"),
        "claimed": Count("pk", filter=Q(claimed_at__isnull=False)),
        "claimed_on_time": Count("pk", filter=Q(claimed_at__lte=F("claim_due"))),
        "contacted": Count("pk", filter=Q(contacted_at__isnull=False)),
        "contact_on_time": Count("pk", filter=Q(contacted_at__lte=F("contact_due"))),
        "followed_up": Count("pk", filter=Q(closed_at__isnull=False)),
        "followup_on_time": Count("pk", filter=Q(closed_at__lte=F("followup_due"))),
        "violations": Count("violation"),
        "declines": Count("decline"),
        "won": Count("pk", filter=Q(outcome=Outcome.WON)),
        "lost": Count("pk", filter=Q(outcome=Outcome.LOST)),
    }


def _figures(counts: dict[str, Any]) -> dict[str, Any]:
    figures = {key: counts.get(key) or 0 for key in _KEYS}
    return {**figures, "conversion": fraction(figures["won"], figures["assignments"])}


def territory_label(country: str, subdivision: str) -> str:
    if not country:
        return "(no country)"
    return f"{country}-{subdivision}" if subdivision else country


def _assignments(programs: list[Program], period: Period, partner_id: int | None) -> Any:
    assignments = Assignment.objects.filter(
        cohort(programs, period, created="lead__created_at", program="lead__program_id")
    )
    if partner_id is not None:
        assignments = assignments.filter(partner_id=partner_id)
    return assignments


def _partners(programs: list[Program], partner_id: int | None) -> list[Partner]:
    partners = Partner.objects.filter(client_id__in={program.client_id for program in programs})
    if partner_id is not None:
        partners = partners.filter(pk=partner_id)
    return list(partners.order_by("name", "pk"))


def _by_territory(
    programs: list[Program], period: Period, assignments: Any, partners: list[Partner]
) -> Report:
    names = {partner.pk: partner for partner in partners}
    grouped = (
        assignments.filter(partner_id__in=names)
        .order_by()
        .values("partner_id", "lead__country", "lead__subdivision")
        .annotate(**_counts())
    )
    rows = []
    for group in grouped:
        partner = names[group["partner_id"]]
        country, subdivision = group["lead__country"], group["lead__subdivision"]
        rows.append(
            {
                "partner": partner.slug,
                "partner_label": partner.name,
                "territory": territory_label(country, subdivision),
                "country": country,
                "subdivision": subdivision,
                **_figures(group),
            }
        )
    rows.sort(key=lambda row: (row["partner_label"], -row["assignments"], row["territory"]))
    columns = [
        Column("partner_label", "Partner", "text"),
        Column("territory", "Territory", "text"),
        *_COLUMNS,
    ]
    totals = _figures(assignments.filter(partner_id__in=names).aggregate(**_counts()))
    return Report("partners", programs, period, "territory", columns, rows, totals)


def partners(
    *,
    programs: list[Program],
    period: Period,
    by: str = "",
    partner_id: int | None = None,
    **_: Any,
) -> Report:
    if by and by not in BREAKDOWNS:
        raise InputError("by", "the partners report is per partner, or by=territory")
    found = _partners(programs, partner_id)
    assignments = _assignments(programs, period, partner_id)
    territory = _by_territory(programs, period, assignments, found)
    if by == "territory":
        return territory
    grouped = {
        row["partner_id"]: row
        for row in assignments.order_by().values("partner_id").annotate(**_counts())
    }
    rows = [
        {
            "partner": partner.slug,
            "partner_label": partner.name,
            **_figures(grouped.get(partner.pk, {})),
        }
        for partner in found
    ]
    columns = [Column("partner_label", "Partner", "text"), *_COLUMNS]
    totals = territory.totals
    report = Report("partners", programs, period, "", columns, rows, totals)
    report.sections["By partner and territory"] = territory
    return report
