"""Reads of billing, always starting from what the caller may see.

A program's statements are read by its client's contacts and by the managers (and admins) whose
scope holds the program (``deliveries.view``: the people deliveries are for and the people who
set them up); its terms are changed by the managers (``deliveries.manage``). Any other program,
and every page for the other roles, is 404.

A statement of a period not closed is computed when read, from the sources of
``config/billing.py``; a closed one is read back from its stored lines, unchanged by anything
that happened later.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.module_loading import import_string

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.billing.models import BillingTerms
from leadflow.billing.models import Statement as StoredStatement
from leadflow.billing.models import StatementLine as StoredLine
from leadflow.billing.sources import SourceItems
from leadflow.config.billing import BILLING_SOURCES
from leadflow.core.billing import (
    ZERO,
    Deliverable,
    DeliverableKind,
    LineKind,
    PriceList,
    Statement,
    StatementLine,
    Subtotal,
    UpheldDispute,
    billing_statement,
    credit_period,
)
from leadflow.core.enums import Rating
from leadflow.core.guarantee import Period, PeriodKind, period_containing
from leadflow.delivery.selectors import program_people
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_list

MONTH = PeriodKind.MONTH


def billing_programs(*, user: User) -> QuerySet[Program]:
    """The programs whose statements the user may read."""
    if not user_can(user, Capability.DELIVERIES_VIEW):
        return Program.objects.none()
    return (
        program_list(user=user)
        .select_related("client", "billing_terms")
        .order_by("client__name", "name")
    )


def billing_program_get(*, user: User, slug: str) -> Program:
    return billing_programs(user=user).get(slug=slug)


def terms_editable(*, user: User) -> bool:
    return user_can(user, Capability.DELIVERIES_MANAGE)


def billing_terms_for(*, program: Program) -> BillingTerms | None:
    return BillingTerms.objects.filter(program=program).first()


def price_list(terms: BillingTerms) -> PriceList:
    return PriceList(
        currency=terms.currency,
        per_rating={rating: terms.price_for(rating) for rating in Rating},
        per_appointment=Decimal(terms.price_appointment),
    )


def month_of(day: date) -> Period:
    return period_containing(day, MONTH)


def month_parse(year: int, month: int) -> Period:
    """The month ``year``-``month``; ValueError for one that is not a month."""
    return month_of(date(year, month, 1))


def previous_month(period: Period) -> Period:
    return month_of(period.start - timedelta(days=1))


def local_midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone))


def billing_contacts(*, program: Program, terms: BillingTerms) -> list[str]:
    """Who receives the monthly statement: the terms' billing contacts, or the client's
    contacts whose scope covers the program."""
    if terms.billing_contacts:
        return list(terms.billing_contacts)
    return program_people(program_ids=[program.pk], role="client").get(program.pk, [])


@dataclass(frozen=True)
class StatementView:
    program: Program
    period: Period
    statement: Statement
    stored: StoredStatement | None

    @property
    def closed(self) -> bool:
        return self.stored is not None


def closed_periods(*, program: Program) -> set[Period]:
    return {
        month_of(start)
        for start in StoredStatement.objects.filter(program=program).values_list(
            "period_start", flat=True
        )
    }


def statement_view(*, program: Program, period: Period) -> StatementView | None:
    """The program's statement of the month: stored when closed, else computed now; None for
    a program without billing terms and no stored statement."""
    stored = StoredStatement.objects.filter(program=program, period_start=period.start).first()
    if stored is not None:
        return StatementView(program, period, stored_statement(stored, period), stored)
    terms = billing_terms_for(program=program)
    if terms is None:
        return None
    return StatementView(program, period, statement_compute(program=program, terms=terms,
                                                           period=period), None)  # fmt: skip


def statement_compute(*, program: Program, terms: BillingTerms, period: Period) -> Statement:
    """The statement of a period not closed, from the sources (``config/billing.py``)."""
    timezone = program.client.timezone
    closed = closed_periods(program=program)
    # Credits landing here were upheld in this period, or in the closed periods right before it.
    earliest = period
    while previous_month(earliest) in closed:
        earliest = previous_month(earliest)
    start = local_midnight(period.start, timezone)
    end = local_midnight(period.end, timezone)
    deliverables: list[Deliverable] = []
    upheld: list[UpheldDispute] = []
    for source in BILLING_SOURCES:
        items: SourceItems = _function(source.collect)(
            program=program,
            start=start,
            end=end,
            upheld_from=local_midnight(earliest.start, timezone),
        )
        deliverables.extend(items.deliverables)
        upheld.extend(items.disputes)
    here = {d.key for d in deliverables}
    stored = _stored_lines(program, {d.key for d in upheld})
    disputes = []
    for dispute in upheld:
        lands = credit_period(dispute.upheld_at, kind=MONTH, timezone=timezone, closed=closed)
        if lands != period or dispute.key in stored.credited:
            continue
        billed = stored.billed.get(dispute.key)
        if billed is None and dispute.key not in here:
            billed = ZERO  # delivered before billing began: it was on no statement
        disputes.append(
            UpheldDispute(
                deliverable_id=dispute.deliverable_id,
                kind=dispute.kind,
                upheld_at=dispute.upheld_at,
                billed=billed,
                reason=dispute.reason,
            )
        )
    previous = (
        StoredStatement.objects.filter(program=program, period_start__lt=period.start)
        .order_by("-period_start")
        .first()
    )
    return billing_statement(
        period=period,
        timezone=timezone,
        prices=price_list(terms),
        deliverables=deliverables,
        disputes=disputes,
        carried_in=Decimal(previous.carried_forward) if previous is not None else ZERO,
    )


@dataclass(frozen=True)
class _Stored:
    billed: dict[tuple[DeliverableKind, int | str], Decimal]
    credited: set[tuple[DeliverableKind, int | str]]


def _stored_lines(program: Program, keys: set[tuple[DeliverableKind, int | str]]) -> _Stored:
    billed: dict[tuple[DeliverableKind, int | str], Decimal] = {}
    credited: set[tuple[DeliverableKind, int | str]] = set()
    if not keys:
        return _Stored(billed, credited)
    wanted = {(kind.value, str(i)) for kind, i in keys}
    rows = StoredLine.objects.filter(
        statement__program=program, deliverable_id__in={i for _, i in wanted}
    ).values_list("kind", "deliverable_id", "line", "amount", "statement__currency")
    original = {(kind.value, str(i)): (kind, i) for kind, i in keys}
    for kind, deliverable_id, line, amount, _currency in rows:
        key = original.get((kind, deliverable_id))
        if key is None:
            continue
        if line == LineKind.CREDIT:
            credited.add(key)
        else:
            billed[key] = Decimal(amount)
    return _Stored(billed, credited)


@cache
def _function(path: str) -> Any:
    return import_string(path)


def stored_statement(stored: StoredStatement, period: Period) -> Statement:
    """A closed statement as it was stored."""
    lines = tuple(_line(row, stored.currency) for row in stored.lines.all())
    places = _places(stored.currency)
    return Statement(
        period=period,
        currency=stored.currency,
        lines=lines,
        subtotals=subtotals_of(lines),
        charges=_q(stored.charges, places),
        credits=_q(stored.credits, places),
        carried_in=_q(stored.carried_in, places),
        total=_q(stored.total, places),
        carried_forward=_q(stored.carried_forward, places),
        closed=True,
    )


def _places(currency: str) -> Decimal:
    from leadflow.core.billing import minor_unit

    return Decimal(1).scaleb(-minor_unit(currency))


def _q(amount: Decimal, places: Decimal) -> Decimal:
    return Decimal(amount).quantize(places)


def _deliverable_id(kind: DeliverableKind, text: str) -> int | str:
    return int(text) if kind is DeliverableKind.LEAD and text.isdigit() else text


def _line(row: StoredLine, currency: str) -> StatementLine:
    kind = DeliverableKind(row.kind)
    return StatementLine(
        deliverable_id=_deliverable_id(kind, row.deliverable_id),
        kind=kind,
        line=LineKind(row.line),
        at=row.at,
        amount=_q(row.amount, _places(currency)),
        rating=Rating(row.rating) if row.rating else None,
        replaces=_deliverable_id(kind, row.replaces) if row.replaces else None,
        reason=row.reason,
    )


def subtotals_of(lines: Iterable[StatementLine]) -> tuple[Subtotal, ...]:
    """Per kind of line, deliverable and rating: how many and their sum (the order of
    ``core.billing``'s subtotals)."""
    groups: dict[tuple[LineKind, DeliverableKind, Rating | None], list[Decimal]] = {}
    for line in lines:
        rating = line.rating if line.line is not LineKind.CREDIT else None
        groups.setdefault((line.line, line.kind, rating), []).append(line.amount)
    ratings = list(Rating)

    def order(key: tuple[LineKind, DeliverableKind, Rating | None]) -> tuple[int, int, int]:
        return (
            list(LineKind).index(key[0]),
            list(DeliverableKind).index(key[1]),
            ratings.index(key[2]) if key[2] is not None else len(ratings),
        )

    return tuple(
        Subtotal(line=k[0], kind=k[1], rating=k[2], count=len(v), amount=sum(v, ZERO))
        for k, v in sorted(groups.items(), key=lambda item: order(item[0]))
    )


def statement_months(*, program: Program, today: date) -> list[Period]:
    """The months listed on the program's billing page: this month and every month back to the
    first delivery or stored statement, at most two years, newest first."""
    from leadflow.delivery.models import Delivery

    first = Delivery.objects.filter(program=program).order_by("created_at").first()
    oldest_stored = StoredStatement.objects.filter(program=program).order_by("period_start").first()
    current = month_of(today)
    starts = [current.start]
    if first is not None:
        starts.append(first.created_at.astimezone(ZoneInfo(program.client.timezone)).date())
    if oldest_stored is not None:
        starts.append(oldest_stored.period_start)
    earliest = max(month_of(min(starts)).start, date(today.year - 2, today.month, 1))
    months = []
    period = current
    while period.start >= earliest:
        months.append(period)
        period = previous_month(period)
    return months


def deliverable_urls(*, user: User, lines: Iterable[StatementLine]) -> dict[tuple[str, str], str]:
    """Where each line's deliverable is for this viewer, by (kind, id)."""
    by_kind: dict[str, set[str]] = {}
    for line in lines:
        by_kind.setdefault(line.kind.value, set()).add(str(line.deliverable_id))
        if line.replaces is not None:
            by_kind[line.kind.value].add(str(line.replaces))
    found: dict[tuple[str, str], str] = {}
    for source in BILLING_SOURCES:
        ids = by_kind.get(source.kind)
        if ids:
            urls = _function(source.urls)(user=user, ids=ids)
            found.update({(source.kind, str(i)): url for i, url in urls.items()})
    return found
