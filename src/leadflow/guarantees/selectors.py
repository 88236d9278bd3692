"""Reads of disputes and the guarantee ledger, always starting from what the caller may see.

Who sees what: client contacts see the disputes and ledgers of their client's programs; QA
reviewers, sales managers and admins those of their programs. QA reviewers and admins decide;
sales managers and admins change the terms. Everyone else sees none (404 on every page).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, reduce
from operator import or_
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils.module_loading import import_string

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.config.guarantees import LEDGER_SECTIONS
from leadflow.core.guarantee import (
    Ledger,
    LedgerRow,
    Period,
    PeriodCounts,
    PeriodKind,
    dispute_deadline,
    dispute_window_start,
    guarantee_ledger,
)
from leadflow.delivery.models import Delivery
from leadflow.guarantees.models import Dispute, DisputeStatus, GuaranteeTerms
from leadflow.leads.models import Lead
from leadflow.leads.selectors import lead_scope
from leadflow.programs.models import HandOffMode, Program
from leadflow.programs.selectors import program_list

#: How many disputable leads the client's page lists at most (newest deliveries first).
DISPUTABLE_LIMIT = 200


def dispute_scope(*, user: User) -> QuerySet[Dispute]:
    """Every dispute the user may see, with what the pages show of it."""
    disputes = Dispute.objects.select_related(
        "program__client",
        "delivery_item__lead",
        "delivery_item__delivery",
        "raised_by",
        "decided_by",
        "replacement__lead",
        "replacement__delivery",
    )
    if user.sees_everything:
        return disputes
    if not user_can(user, Capability.DISPUTES_VIEW):
        return disputes.none()
    return disputes.filter(program__in=program_list(user=user))


def dispute_list(*, user: User, status: DisputeStatus | None = None) -> QuerySet[Dispute]:
    """The user's disputes, newest first, optionally of one status."""
    disputes = dispute_scope(user=user).order_by("-raised_at", "-id")
    return disputes.filter(status=status) if status else disputes


def dispute_get(*, user: User, dispute_id: int) -> Dispute:
    """One dispute, or Dispute.DoesNotExist out of the user's scope (a 404, never 403)."""
    return dispute_scope(user=user).get(pk=dispute_id)


def dispute_review_queue(*, user: User) -> QuerySet[Dispute]:
    """Open disputes a QA reviewer (or admin) may decide, oldest first."""
    if not user_can(user, Capability.DISPUTES_DECIDE):
        return Dispute.objects.none()
    return dispute_scope(user=user).filter(status=DisputeStatus.OPEN).order_by("raised_at", "id")


def guarantee_terms_for(*, program: Program) -> GuaranteeTerms:
    """The program's saved terms, or the defaults (unsaved) when a manager has set none."""
    return GuaranteeTerms.objects.filter(program=program).first() or GuaranteeTerms(program=program)


def delivered_lead_get(*, user: User, lead_id: int) -> Lead:
    """A lead delivered to the client contact's client, with its delivery and any dispute (for
    the dispute form). Anything else, and every other role, is Lead.DoesNotExist (404)."""
    if not user_can(user, Capability.DISPUTES_RAISE):
        raise Lead.DoesNotExist("only client contacts dispute leads")
    return (
        lead_scope(user=user)
        .filter(delivery_item__isnull=False)
        .select_related("delivery_item__delivery", "delivery_item__dispute")
        .get(pk=lead_id)
    )


@dataclass(frozen=True)
class DisputableLead:
    lead: Lead
    delivered_at: datetime
    closes_at: datetime


@dataclass(frozen=True)
class DisputableLeads:
    """The leads a client contact may still dispute, as a queryset to page through (newest
    delivery first; ``delivered_at`` annotated), and each program's window to tell when a
    lead's closes."""

    leads: QuerySet[Lead]
    windows: dict[int, tuple[int, str]]

    def with_windows(self, leads: Iterable[Lead]) -> list[DisputableLead]:
        """The given leads (a page of ``leads``) with their delivery time and window's end."""
        found = []
        for lead in leads:
            delivered_at: datetime = lead.delivered_at  # type: ignore[attr-defined]
            days, timezone = self.windows[lead.program_id]
            closes = dispute_deadline(delivered_at, days=days, timezone=timezone)
            found.append(DisputableLead(lead=lead, delivered_at=delivered_at, closes_at=closes))
        return found


def disputable_lead_search(*, user: User, now: datetime, search: str = "") -> DisputableLeads:
    """Leads delivered to the client contact that may still be disputed (inside their program's
    window, not yet disputed), newest delivery first, whose name, company or e-mail contains
    ``search`` (any case; every word must match somewhere). One query for the programs with
    their terms; the leads are a lazy queryset, so a page of them is one more."""
    nothing = DisputableLeads(Lead.objects.none(), {})
    if not user_can(user, Capability.DISPUTES_RAISE):
        return nothing
    programs = list(program_list(user=user).select_related("guarantee_terms").order_by("pk"))
    windows: dict[int, tuple[int, str]] = {}
    conditions = []
    for program in programs:
        terms = getattr(program, "guarantee_terms", None) or GuaranteeTerms(program=program)
        if not terms.is_active:
            continue
        timezone = program.client.timezone
        windows[program.pk] = (terms.dispute_window_days, timezone)
        start = dispute_window_start(now, days=terms.dispute_window_days, timezone=timezone)
        conditions.append(Q(program_id=program.pk, delivery_item__delivery__created_at__gte=start))
    if not conditions:
        return nothing
    leads = lead_scope(user=user).filter(
        reduce(or_, conditions), delivery_item__dispute__isnull=True
    )
    for word in search.split():
        leads = leads.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(company__icontains=word)
            | Q(email__icontains=word)
        )
    leads = (
        leads.select_related("program__client")
        .annotate(delivered_at=F("delivery_item__delivery__created_at"))
        .order_by("-delivered_at", "-id")
    )
    return DisputableLeads(leads, windows)


def disputable_leads(
    *, user: User, now: datetime, limit: int = DISPUTABLE_LIMIT
) -> list[DisputableLead]:
    """The first ``limit`` leads of ``disputable_lead_search``, with their windows."""
    found = disputable_lead_search(user=user, now=now)
    return found.with_windows(found.leads[:limit])


def ledger_programs(*, user: User) -> QuerySet[Program]:
    """The programs whose guarantee ledger the user may read: those delivered to a client."""
    if not user_can(user, Capability.DISPUTES_VIEW):
        return Program.objects.none()
    return program_list(user=user).filter(
        hand_off_mode__in=(HandOffMode.DELIVERY, HandOffMode.BOTH)
    )


def ledger_program_get(*, user: User, slug: str) -> Program:
    """A program for its ledger page, or Program.DoesNotExist (404)."""
    return ledger_programs(user=user).get(slug=slug)


@dataclass(frozen=True)
class LedgerColumn:
    key: str
    label: str
    strong: bool = False


@dataclass(frozen=True)
class LedgerLink:
    """A link a section shows with the terms; ``capability``: only for those who hold it."""

    label: str
    url: str
    capability: str = ""


@dataclass(frozen=True)
class LedgerSection:
    """Columns an app above adds to a program's ledger (``config/guarantees.py``): its figures
    per period of the guarantee's terms and their totals, what its terms say (shown with the
    guarantee's terms, as (term, words) pairs), a line of help, and links."""

    key: str
    title: str
    columns: tuple[LedgerColumn, ...]
    rows: Mapping[Period, Mapping[str, int]]
    totals: Mapping[str, int]
    first_day: date | None = None
    facts: tuple[tuple[str, str], ...] = ()
    help: str = ""
    links: tuple[LedgerLink, ...] = ()

    def values(self, period: Period | None) -> list[int]:
        """The section's figures of one period (None: the totals), in column order."""
        found = self.totals if period is None else self.rows.get(period, {})
        return [found.get(column.key, 0) for column in self.columns]


@dataclass(frozen=True)
class LedgerLine:
    """One period of the ledger: the leads' row and each section's figures beside it."""

    row: LedgerRow
    sections: tuple[list[int], ...]


@dataclass(frozen=True)
class ProgramLedger:
    program: Program
    terms: GuaranteeTerms
    terms_saved: bool
    ledger: Ledger
    sections: tuple[LedgerSection, ...] = field(default=())

    @property
    def lines(self) -> list[LedgerLine]:
        """Every period, newest first, with the sections side by side."""
        return [
            LedgerLine(row, tuple(s.values(row.period) for s in self.sections))
            for row in reversed(self.ledger.rows)
        ]

    @property
    def total_line(self) -> LedgerLine:
        return LedgerLine(self.ledger.totals, tuple(s.values(None) for s in self.sections))


@cache
def _section_function(path: str) -> Any:
    return import_string(path)


def ledger_sections(
    *, program: Program, terms: GuaranteeTerms, now: datetime, since: date | None
) -> tuple[LedgerSection, ...]:
    """What the apps of ``config/guarantees.py`` add to the program's ledger."""
    found = []
    for path in LEDGER_SECTIONS:
        section = _section_function(path)(program=program, terms=terms, now=now, since=since)
        if section is not None:
            found.append(section)
    return tuple(found)


def program_ledger(*, program: Program, now: datetime) -> ProgramLedger:
    """The guarantee ledger of a program up to the current period (core.guarantee).

    Four queries whatever the number of leads: the terms, the deliveries' lead counts per day
    in the client's timezone and the replacements among them, and the disputes counted per
    day of the delivery they count for; then what the sections of ``config/guarantees.py``
    read for their columns (the appointments beside the leads).
    Replacements are left out of the deliveries: they count in the period of the dispute they
    replace (``replaced``).
    """
    terms = guarantee_terms_for(program=program)
    timezone = program.client.timezone
    zone = ZoneInfo(timezone)
    counts: list[tuple[date, PeriodCounts]] = []
    # Each delivery's own count of its leads, less the replacements it carried (few): the
    # deliveries, not every delivered lead, are read.
    delivered: dict[date, int] = {
        row["day"]: row["n"] or 0
        for row in Delivery.objects.filter(program=program)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(n=Sum("lead_count"))
        .order_by()
    }
    for row in (
        Dispute.objects.filter(program=program, replacement__isnull=False)
        .annotate(day=TruncDate("replacement__delivery__created_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    ):
        delivered[row["day"]] = delivered.get(row["day"], 0) - row["n"]
    counts += [(day, PeriodCounts(delivered=n)) for day, n in delivered.items() if n]
    upheld = Q(status=DisputeStatus.UPHELD)
    disputes = (
        Dispute.objects.filter(program=program)
        .annotate(day=TruncDate("ledger_at", tzinfo=zone))
        .values("day")
        .annotate(
            disputed=Count("id"),
            open=Count("id", filter=Q(status=DisputeStatus.OPEN)),
            upheld=Count("id", filter=upheld),
            replaced=Count("id", filter=upheld & Q(replacement__isnull=False)),
        )
        .order_by()
    )
    counts += [
        (
            row["day"],
            PeriodCounts(
                disputed=row["disputed"],
                open=row["open"],
                upheld=row["upheld"],
                replaced=row["replaced"],
            ),
        )
        for row in disputes
    ]
    days = [day for day, _ in counts]
    if terms.starts_on is not None:
        days.append(terms.starts_on)
    sections = ledger_sections(
        program=program, terms=terms, now=now, since=min(days) if days else None
    )
    # A section that counted something before the leads did starts the ledger there.
    counts += [(s.first_day, PeriodCounts()) for s in sections if s.first_day is not None]
    ledger = guarantee_ledger(
        kind=PeriodKind(terms.period),
        timezone=timezone,
        owed_per_period=terms.leads_per_period if terms.is_active else 0,
        counts=counts,
        now=now,
        starts_on=terms.starts_on,
    )
    return ProgramLedger(
        program=program,
        terms=terms,
        terms_saved=terms.pk is not None,
        ledger=ledger,
        sections=sections,
    )
