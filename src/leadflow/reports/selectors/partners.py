"""Partners (docs/REPORTS.md, "Partners"): each partner's SLA record for the cohort's leads
(claimed, first contact and follow-up on time, violations, declines) and what came of them
(won, lost, conversion to won); by partner and territory (the lead's country and subdivision);
and the partners' deal registrations (``by=registrations``).

Counted from the partners app's assignments: one row per hand-off of a lead to a partner,
with its deadlines (``claim_due``, ``contact_due``, ``followup_due``) and the times the partner
did each step (``claimed_at``, ``contacted_at``, ``closed_at``), as the clocks of
``core.sla.clocks`` read them — regrouped per program, day of the lead's creation, partner and
territory in the daily rollup ``PartnerDay`` (``services.rollup``), which this reads.
"""

from typing import Any

from django.db.models import Sum

from leadflow.core.errors import InputError
from leadflow.core.reports import Period
from leadflow.partners.models import Partner
from leadflow.programs.models import Program
from leadflow.reports.models import PartnerDay, RegistrationDay
from leadflow.reports.selectors.common import Column, Report, cohort_days, fraction

BREAKDOWNS = ("territory", "registrations")
#: The page's period line: the assignments follow the leads' cohort, the registrations their
#: own day.
COUNTED = "leads created and deal registrations made"

#: The section of the partners' deal registrations (its ``by``: ``registrations``).
REGISTRATIONS = "Deal registrations"

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
    return {f"n_{key}": Sum(key) for key in _KEYS}


def _figures(counts: dict[str, Any]) -> dict[str, Any]:
    figures = {key: counts.get(f"n_{key}") or 0 for key in _KEYS}
    return {**figures, "conversion": fraction(figures["won"], figures["assignments"])}


def territory_label(country: str, subdivision: str) -> str:
    if not country:
        return "(no country)"
    return f"{country}-{subdivision}" if subdivision else country


def _assignments(programs: list[Program], period: Period, partner_id: int | None) -> Any:
    """The period's rows of the daily rollup ``PartnerDay`` (the assignments of the cohort's
    leads, counted per program, day, partner and territory)."""
    days = PartnerDay.objects.filter(cohort_days(programs, period))
    if partner_id is not None:
        days = days.filter(partner_id=partner_id)
    return days


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
        .values("partner_id", "country", "subdivision")
        .annotate(**_counts())
    )
    rows = []
    for group in grouped:
        partner = names[group["partner_id"]]
        country, subdivision = group["country"], group["subdivision"]
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


_REGISTRATION_KEYS = (
    "registered", "accepted", "refused", "refused_held", "refused_registered",
    "refused_pipeline", "refused_closed", "refused_own", "pending", "approved", "rejected",
    "won", "lost", "open",
)  # fmt: skip

#: ``chart=False``: in the table, not among the chart's bars (four measures a partner).
_REGISTRATION_COLUMNS = [
    Column("program_label", "Program", "text"),
    Column("partner_label", "Partner", "text"),
    Column("registered", "Registered"),
    Column("accepted", "Accepted"),
    Column("refused", "Refused"),
    Column("refused_held", "Refused: held by a partner", chart=False),
    Column("refused_registered", "Refused: registered before", chart=False),
    Column("refused_pipeline", "Refused: in the pipeline", chart=False),
    Column("refused_closed", "Refused: closed before", chart=False),
    Column("refused_own", "Refused: its own already", chart=False),
    Column("pending", "Waiting for approval", chart=False),
    Column("approved", "Approved by a manager", chart=False),
    Column("rejected", "Rejected by a manager", chart=False),
    Column("won", "Won"),
    Column("lost", "Lost", chart=False),
    Column("open", "Accepted, still open", chart=False),
    Column("conversion", "Accepted to won", "fraction"),
]


def _registration_figures(counts: dict[str, Any]) -> dict[str, Any]:
    figures = {key: counts.get(f"n_{key}") or 0 for key in _REGISTRATION_KEYS}
    return {**figures, "conversion": fraction(figures["won"], figures["accepted"])}


def _registrations(
    programs: list[Program], period: Period, partner_id: int | None, partners: list[Partner]
) -> Report:
    """Per program and partner, the deal registrations made in the period (the client's days
    of ``registered_at``, not the leads' cohort: a refusal has no lead of its own): one read of
    the daily rollup ``RegistrationDay``. Only pairs with registrations."""
    days = RegistrationDay.objects.filter(cohort_days(programs, period))
    if partner_id is not None:
        days = days.filter(partner_id=partner_id)
    names = {partner.pk: partner for partner in partners}
    labels = {program.pk: program for program in programs}
    grouped = (
        days.filter(partner_id__in=names)
        .order_by()
        .values("program_id", "partner_id")
        .annotate(**{f"n_{key}": Sum(key) for key in _REGISTRATION_KEYS})
    )
    rows = []
    for group in grouped:
        program, partner = labels[group["program_id"]], names[group["partner_id"]]
        rows.append(
            {
                "program": program.slug,
                "program_label": program.name,
                "partner": partner.slug,
                "partner_label": partner.name,
                **_registration_figures(group),
            }
        )
    rows.sort(key=lambda row: (row["program_label"], row["partner_label"]))
    sums = {f"n_{key}": sum(row[key] for row in rows) for key in _REGISTRATION_KEYS}
    totals = _registration_figures(sums)
    return Report(
        "partners", programs, period, "registrations", _REGISTRATION_COLUMNS, rows, totals
    )


def partners(
    *,
    programs: list[Program],
    period: Period,
    by: str = "",
    partner_id: int | None = None,
    **_: Any,
) -> Report:
    if by and by not in BREAKDOWNS:
        raise InputError(
            "by", "the partners report is per partner, by=territory or by=registrations"
        )
    found = _partners(programs, partner_id)
    if by == "registrations":
        return _registrations(programs, period, partner_id, found)
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
    report.sections[REGISTRATIONS] = _registrations(programs, period, partner_id, found)
    return report
