"""What every report shares: its result, its scope and its cohort (docs/REPORTS.md).

A report is named (``funnel``, ``qualifying``, ``deliverables``, ``partners``, ``nurture``),
asked for one program or every program of the caller's scope, for a period of days read in
each program's client's timezone (``from`` inclusive, ``to`` exclusive), optionally broken down
(``by``). Its result is the same for the pages, the exports, the API and the CLI: ``rows`` (a
table: one dict per row, the same keys in each) and ``totals`` (one dict).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.core.errors import InputError
from leadflow.core.reports import Period
from leadflow.partners.models import PartnerMember
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_list

#: The reports and the capability each needs.
REPORT_CAPABILITY: dict[str, Capability] = {
    "funnel": Capability.REPORTS_FUNNEL,
    "qualifying": Capability.REPORTS_QUALIFYING,
    "deliverables": Capability.REPORTS_DELIVERABLES,
    "partners": Capability.REPORTS_PARTNERS,
    "nurture": Capability.REPORTS_NURTURE,
}

REPORT_TITLES: dict[str, str] = {
    "funnel": "Funnel",
    "qualifying": "Qualifying process",
    "deliverables": "Deliverables",
    "partners": "Partners",
    "nurture": "Nurture",
}


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a report's table: its key in ``rows``, its heading, and its kind
    (``text``, ``count``, ``fraction``, ``hours``, ``money``) for formatting; ``chart``
    off: shown in the table, left out of its chart's bars."""

    key: str
    label: str
    kind: str = "count"
    chart: bool = True


@dataclass(slots=True)
class Report:
    name: str
    programs: list[Program]
    period: Period
    by: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    totals: dict[str, Any]
    #: Extra tables of the same report, by title (a dashboard's second and third table).
    sections: dict[str, "Report"] = field(default_factory=dict)

    def as_json(self, program_slug: str | None) -> dict[str, Any]:
        return {
            "report": self.name,
            "program": program_slug,
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "by": self.by or None,
            "rows": self.rows,
            "totals": self.totals,
        }


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose figures a report may show: the programs, and for a partner's user its partner."""

    programs: list[Program]
    partner_id: int | None = None


ReportFunction = Callable[..., Report]


def report_scope(*, user: User, name: str, program_slug: str | None) -> Scope:
    """The programs (and partner) of ``name`` the user may see; a report the user's role does
    not read, or a program outside its scope, is ``Program.DoesNotExist`` (a 404)."""
    capability = REPORT_CAPABILITY.get(name)
    if capability is None or not user_can(user, capability):
        raise Program.DoesNotExist(f"no report {name!r} for this user")
    programs = program_list(user=user).order_by("client__name", "name")
    partner_id = None
    if not user.sees_everything and user_can(user, Capability.PORTAL_USE):
        member = _partner_of(user)
        if member is None:
            raise Program.DoesNotExist("this user belongs to no partner")
        partner_id, client_id = member
        programs = Program.objects.select_related("client").filter(client_id=client_id)
    if program_slug:
        programs = programs.filter(slug=program_slug)
        found = list(programs)
        if not found:
            raise Program.DoesNotExist(f"no program {program_slug!r} in scope")
        return Scope(found, partner_id)
    return Scope(list(programs.distinct()), partner_id)


def _partner_of(user: User) -> tuple[int, int] | None:
    """The user's partner and its client."""
    return (
        PartnerMember.objects.filter(user=user)
        .values_list("partner_id", "partner__client_id")
        .first()
    )


#: The days a report may read: no client's midnight falls outside what the databases store.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def _day(field: str, value: str | date | None) -> date | None:
    if not isinstance(value, str):
        day = value
    else:
        try:
            day = date.fromisoformat(value)
        except ValueError as exc:
            raise InputError(field, "dates are YYYY-MM-DD") from exc
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise InputError(field, f"a day from {FIRST_DAY} to {LAST_DAY}")
    return day


def period_parse(start: str | date | None, end: str | date | None, today: date) -> Period:
    """The period from ``from`` and ``to`` (ISO dates); without them, the last 30 days
    (today excluded)."""
    first, last = _day("from", start), _day("to", end)
    if last is None:
        last = today
    if first is None:
        first = date.fromordinal(last.toordinal() - 30)
    if last <= first:
        raise InputError("to", "the period must end after it starts (to is exclusive)")
    if (last - first).days > 3_700:
        raise InputError("from", "a period is at most ten years")
    return Period(first, last)


def cohort_days(programs: Sequence[Program], period: Period, day: str = "day") -> Q:
    """Rollup rows of the period's days in these programs (a rollup's day is already its
    client's local day)."""
    return Q(
        program_id__in=[each.pk for each in programs],
        **{f"{day}__gte": period.start, f"{day}__lt": period.end},
    )


def fraction(part: int, whole: int) -> float | None:
    return part / whole if whole else None
