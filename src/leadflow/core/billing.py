"""The agency's billing statement of one program and period (issue 20, item 3) as arithmetic.

Inputs are plain values the app reads from its rows; the output is the statement, every line
naming its deliverable.

- **Charges.** Each deliverable first delivered in the period (a lead with its rating, or an
  appointment) is one line at the program's price for it: per rating (Hot, A, B, C, FYI) and
  per appointment. A rating without a price is listed at no charge ("not billable"), so the
  client sees everything delivered.
- **Replacements** (a deliverable that makes good an upheld dispute) are delivered at no
  charge: a line of 0 naming the deliverable it replaces.
- **Credits.** A dispute upheld in the period credits the amount its deliverable was billed at,
  wherever that was billed: in this statement, or in an earlier one (the app passes the billed
  amount it stored with that statement's line). A replacement disputed in turn was billed 0 and
  credits 0. The credit lands on the period the dispute was upheld in; when that period is
  already closed, on the first open period after it (`credit_period`): a closed statement is
  frozen and never changes.
- **Total.** charges - credits - the credit balance carried in. A statement never totals below
  zero: what the credits exceed is **carried forward** as a credit balance to the next
  statement (``carried_forward``), which takes it as ``carried_in``.

Money is `Decimal` in the program's currency, quantised to its minor unit (2 places, 0 for yen,
3 for dinars, ISO 4217); a price with more places than that is refused, not rounded.

Pure: no clock, no database; the period and every instant are parameters.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType

import pycountry

from leadflow.core.enums import Rating
from leadflow.core.errors import DomainRefused, InputError
from leadflow.core.guarantee import Period, PeriodKind, period_of

#: ISO 4217 currencies whose minor unit is not 2 decimal places.
_MINOR_UNITS = MappingProxyType(
    {
        **dict.fromkeys(
            ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX",
             "UYI", "VND", "VUV", "XAF", "XOF", "XPF"),
            0,
        ),
        **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
        **dict.fromkeys(("CLF", "UYW"), 4),
    }
)  # fmt: skip

ZERO = Decimal(0)


class BillingError(InputError):
    """Statement inputs that cannot describe real billing (an unknown currency, a price with
    too many decimals, a deliverable outside the period...)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(field, message)


class StatementClosed(DomainRefused):
    """A closed statement was asked to change (409)."""


def currency_code(code: str) -> str:
    """The ISO 4217 code, upper case; `BillingError` for a code that is not one."""
    cleaned = code.strip().upper()
    if len(cleaned) != 3 or pycountry.currencies.get(alpha_3=cleaned) is None:
        raise BillingError(f"unknown currency {code!r}", "currency")
    return cleaned


def minor_unit(currency: str) -> int:
    """Decimal places of the currency's minor unit (2 for EUR, 0 for JPY, 3 for KWD)."""
    return _MINOR_UNITS.get(currency_code(currency), 2)


def money(amount: Decimal | int | str, currency: str, *, field: str = "price") -> Decimal:
    """``amount`` quantised to the currency's minor unit; `BillingError` for a value that is
    not a number or has more decimal places than the currency has."""
    try:
        value = Decimal(amount) if not isinstance(amount, Decimal) else amount
    except InvalidOperation:
        raise BillingError(f"{amount!r} is not an amount", field) from None
    if not value.is_finite():
        raise BillingError(f"{amount!r} is not an amount", field)
    places = minor_unit(currency)
    quantum = Decimal(1).scaleb(-places)
    quantised = value.quantize(quantum)
    if quantised != value:
        raise BillingError(f"{value} {currency} has more than {places} decimal places", field)
    return quantised


class DeliverableKind(StrEnum):
    LEAD = "lead"
    APPOINTMENT = "appointment"

    @property
    def label(self) -> str:
        return {"lead": "Lead", "appointment": "Appointment"}[self.value]


class LineKind(StrEnum):
    CHARGE = "charge"
    NOT_BILLABLE = "not_billable"
    REPLACEMENT = "replacement"
    CREDIT = "credit"

    @property
    def label(self) -> str:
        return {
            "charge": "Charged",
            "not_billable": "Not billable",
            "replacement": "Replacement, no charge",
            "credit": "Credit for an upheld dispute",
        }[self.value]


@dataclass(frozen=True)
class PriceList:
    """A program's prices: per lead rating and per appointment, in one currency."""

    currency: str
    per_rating: Mapping[Rating, Decimal] = field(default_factory=dict)
    per_appointment: Decimal = ZERO

    def __post_init__(self) -> None:
        currency = currency_code(self.currency)
        object.__setattr__(self, "currency", currency)
        prices = {}
        for rating, price in self.per_rating.items():
            value = money(price, currency, field=f"price_{Rating(rating).value}")
            if value < 0:
                raise BillingError("a price cannot be negative", f"price_{rating}")
            prices[Rating(rating)] = value
        object.__setattr__(self, "per_rating", MappingProxyType(prices))
        appointment = money(self.per_appointment, currency, field="price_appointment")
        if appointment < 0:
            raise BillingError("a price cannot be negative", "price_appointment")
        object.__setattr__(self, "per_appointment", appointment)

    def price_of(self, deliverable: Deliverable) -> Decimal | None:
        """The price of one deliverable; None for a rating the program does not bill."""
        if deliverable.kind is DeliverableKind.APPOINTMENT:
            return self.per_appointment
        if deliverable.rating is None:
            return None
        return self.per_rating.get(deliverable.rating)


@dataclass(frozen=True)
class Deliverable:
    """A lead or appointment delivered to the client. ``replaces`` is the deliverable (of the
    same kind) whose upheld dispute it makes good; a lead carries the rating it was
    delivered with."""

    id: int | str
    kind: DeliverableKind
    delivered_at: datetime
    rating: Rating | None = None
    replaces: int | str | None = None

    @property
    def key(self) -> tuple[DeliverableKind, int | str]:
        return (self.kind, self.id)


@dataclass(frozen=True)
class UpheldDispute:
    """A dispute QA upheld. ``billed`` is the amount its deliverable was billed at on an
    earlier statement (None: billed on this statement, which then knows it)."""

    deliverable_id: int | str
    kind: DeliverableKind
    upheld_at: datetime
    billed: Decimal | None = None
    billed_currency: str | None = None
    reason: str = ""

    @property
    def key(self) -> tuple[DeliverableKind, int | str]:
        return (self.kind, self.deliverable_id)


@dataclass(frozen=True)
class StatementLine:
    """One line: a deliverable charged, listed at no charge, or credited (a negative amount)."""

    deliverable_id: int | str
    kind: DeliverableKind
    line: LineKind
    at: datetime
    amount: Decimal
    rating: Rating | None = None
    replaces: int | str | None = None
    reason: str = ""

    @property
    def description(self) -> str:
        what = self.kind.label
        if self.rating is not None:
            what = f"{self.rating.label} lead"
        if self.line is LineKind.REPLACEMENT and self.replaces is not None:
            return f"{what}, replacing #{self.replaces} at no charge"
        if self.line is LineKind.CREDIT:
            return f"Credit: {what.lower()} #{self.deliverable_id} disputed and upheld"
        if self.line is LineKind.NOT_BILLABLE:
            return f"{what}, not billable"
        return what


@dataclass(frozen=True)
class Subtotal:
    """Lines of one kind of line and deliverable (and rating): how many, and their sum."""

    line: LineKind
    kind: DeliverableKind
    rating: Rating | None
    count: int
    amount: Decimal

    @property
    def label(self) -> str:
        what = f"{self.rating.label} leads" if self.rating is not None else f"{self.kind.label}s"
        return f"{what}: {self.line.label.lower()}"


@dataclass(frozen=True)
class Statement:
    period: Period
    currency: str
    lines: tuple[StatementLine, ...]
    subtotals: tuple[Subtotal, ...]
    charges: Decimal
    credits: Decimal
    carried_in: Decimal
    total: Decimal
    carried_forward: Decimal
    closed: bool = False

    @property
    def balance(self) -> Decimal:
        """charges - credits - carried in: negative when the credits exceed the charges."""
        return self.charges - self.credits - self.carried_in


def credit_period(
    upheld_at: datetime, *, kind: PeriodKind, timezone: str, closed: Collection[Period]
) -> Period:
    """The statement a dispute upheld at ``upheld_at`` is credited on: its period, or the first
    period after it that is not closed."""
    period = period_of(upheld_at, kind, timezone)
    while period in closed:
        period = period.next()
    return period


def billing_statement(
    *,
    period: Period,
    timezone: str,
    prices: PriceList,
    deliverables: Iterable[Deliverable],
    disputes: Iterable[UpheldDispute] = (),
    carried_in: Decimal = ZERO,
    closed: bool = False,
) -> Statement:
    """The statement of ``period`` (in the client's ``timezone``). Every deliverable must have
    been delivered in the period and every dispute upheld no later than its end (one upheld
    earlier was moved here from a closed period by `credit_period`)."""
    currency = prices.currency
    carried = money(carried_in, currency, field="carried_in")
    if carried < 0:
        raise BillingError("a credit balance carried in cannot be negative", "carried_in")
    lines: list[StatementLine] = []
    billed_here: dict[tuple[DeliverableKind, int | str], Decimal] = {}
    for deliverable in sorted(deliverables, key=lambda d: (d.delivered_at, d.kind, str(d.id))):
        if period_of(deliverable.delivered_at, period.kind, timezone) != period:
            raise BillingError(
                f"{deliverable.kind.label.lower()} #{deliverable.id} was not delivered in "
                f"{period.label}"
            )
        if deliverable.key in billed_here:
            raise BillingError(
                f"{deliverable.kind.label.lower()} #{deliverable.id} is listed twice"
            )
        line = _charge_line(deliverable, prices)
        billed_here[deliverable.key] = line.amount
        lines.append(line)
    seen: set[tuple[DeliverableKind, int | str]] = set()
    for dispute in sorted(disputes, key=lambda d: (d.upheld_at, d.kind, str(d.deliverable_id))):
        if dispute.key in seen:
            raise BillingError(f"#{dispute.deliverable_id} is credited twice")
        seen.add(dispute.key)
        if period_of(dispute.upheld_at, period.kind, timezone) > period:
            raise BillingError(
                f"the dispute of #{dispute.deliverable_id} was upheld after {period.label}"
            )
        lines.append(_credit_line(dispute, billed_here, currency))
    charges = _exact(sum((x.amount for x in lines if x.amount > 0), ZERO), currency)
    credits = _exact(-sum((x.amount for x in lines if x.amount < 0), ZERO), currency)
    balance = charges - credits - carried
    return Statement(
        period=period,
        currency=currency,
        lines=tuple(lines),
        subtotals=_subtotals(lines),
        charges=charges,
        credits=credits,
        carried_in=carried,
        total=_exact(max(balance, ZERO), currency),
        carried_forward=_exact(max(-balance, ZERO), currency),
        closed=closed,
    )


def statement_close(statement: Statement) -> Statement:
    """The statement frozen: nothing may change it afterwards (`statement_check_open`)."""
    statement_check_open(statement)
    return Statement(**{**statement.__dict__, "closed": True})


def statement_check_open(statement: Statement) -> None:
    """Refuses (`StatementClosed`) to change a closed statement."""
    if statement.closed:
        raise StatementClosed(
            f"the statement of {statement.period.label} is closed; later credits go on the next"
        )


def _exact(amount: Decimal, currency: str) -> Decimal:
    """A sum of exact amounts written with the currency's places (0 as 0.00)."""
    return amount.quantize(Decimal(1).scaleb(-minor_unit(currency))) + ZERO


def _charge_line(deliverable: Deliverable, prices: PriceList) -> StatementLine:
    if deliverable.kind is DeliverableKind.LEAD and deliverable.rating is None:
        raise BillingError(f"lead #{deliverable.id} has no rating")
    if deliverable.kind is DeliverableKind.APPOINTMENT and deliverable.rating is not None:
        raise BillingError(f"appointment #{deliverable.id} cannot have a rating")

    def line(kind: LineKind, amount: Decimal) -> StatementLine:
        return StatementLine(
            deliverable_id=deliverable.id,
            kind=deliverable.kind,
            line=kind,
            at=deliverable.delivered_at,
            amount=amount,
            rating=deliverable.rating,
            replaces=deliverable.replaces,
        )

    if deliverable.replaces is not None:
        return line(LineKind.REPLACEMENT, money(0, prices.currency))
    price = prices.price_of(deliverable)
    if price is None or price == 0:
        return line(LineKind.NOT_BILLABLE, money(0, prices.currency))
    return line(LineKind.CHARGE, price)


def _credit_line(
    dispute: UpheldDispute,
    billed_here: Mapping[tuple[DeliverableKind, int | str], Decimal],
    currency: str,
) -> StatementLine:
    if dispute.billed is not None:
        if (
            dispute.billed_currency is not None
            and currency_code(dispute.billed_currency) != currency
        ):
            raise BillingError(
                f"#{dispute.deliverable_id} was billed in {dispute.billed_currency}, "
                f"this statement is in {currency}"
            )
        billed = money(dispute.billed, currency, field="billed")
    elif dispute.key in billed_here:
        billed = billed_here[dispute.key]
    else:
        raise BillingError(
            f"{dispute.kind.label.lower()} #{dispute.deliverable_id} is on no statement: "
            "pass the amount it was billed at"
        )
    if billed < 0:
        raise BillingError(f"#{dispute.deliverable_id} cannot have been billed below 0")
    return StatementLine(
        deliverable_id=dispute.deliverable_id,
        kind=dispute.kind,
        line=LineKind.CREDIT,
        at=dispute.upheld_at,
        amount=-billed,
        reason=dispute.reason,
    )


def _subtotals(lines: Iterable[StatementLine]) -> tuple[Subtotal, ...]:
    groups: dict[tuple[LineKind, DeliverableKind, Rating | None], list[StatementLine]] = {}
    for line in lines:
        rating = line.rating if line.line is not LineKind.CREDIT else None
        groups.setdefault((line.line, line.kind, rating), []).append(line)
    line_order = list(LineKind)
    rating_order = list(Rating)

    def order(key: tuple[LineKind, DeliverableKind, Rating | None]) -> tuple[int, int, int]:
        line, kind, rating = key
        return (
            line_order.index(line),
            list(DeliverableKind).index(kind),
            rating_order.index(rating) if rating is not None else len(rating_order),
        )

    return tuple(
        Subtotal(
            line=key[0],
            kind=key[1],
            rating=key[2],
            count=len(group),
            amount=sum((x.amount for x in group), ZERO),  # exact: every amount is
        )
        for key, group in sorted(groups.items(), key=lambda item: order(item[0]))
    )
