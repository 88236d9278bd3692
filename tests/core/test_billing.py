"""The billing statement against a hand-computed fixture: charges per rating and appointment,
replacements at no charge, credits of disputes upheld (also of deliverables billed in a closed
period), and a credit balance carried into the next statements."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.core.billing import (
    BillingError,
    Deliverable,
    DeliverableKind,
    PriceList,
    Statement,
    StatementClosed,
    UpheldDispute,
    billing_statement,
    credit_period,
    minor_unit,
    money,
    statement_check_open,
    statement_close,
)
from leadflow.core.enums import Rating
from leadflow.core.guarantee import PeriodKind, period_containing

BERLIN = "Europe/Berlin"
LEAD = DeliverableKind.LEAD
APPOINTMENT = DeliverableKind.APPOINTMENT
PRICES = PriceList(
    currency="eur",
    per_rating={Rating.HOT: Decimal("150"), Rating.A: Decimal("100.00"), Rating.B: Decimal("60")},
    per_appointment=Decimal("250"),
)
OCTOBER = period_containing(date(2026, 10, 1), PeriodKind.MONTH)
NOVEMBER = OCTOBER.next()
DECEMBER = NOVEMBER.next()
JANUARY = DECEMBER.next()


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(BERLIN))  # type: ignore[misc]


def lead(id: int, rating: Rating, *when: int, replaces: int | None = None) -> Deliverable:
    return Deliverable(id, LEAD, berlin(*when), rating=rating, replaces=replaces)


def appointment(id: int, *when: int) -> Deliverable:
    return Deliverable(id, APPOINTMENT, berlin(*when))


def statement(period_: object, deliverables: list[Deliverable], **kwargs: object) -> Statement:
    return billing_statement(
        period=period_,  # type: ignore[arg-type]
        timezone=BERLIN,
        prices=PRICES,
        deliverables=deliverables,
        **kwargs,  # type: ignore[arg-type]
    )


def october() -> Statement:
    return statement(
        OCTOBER,
        [
            lead(1, Rating.HOT, 2026, 10, 5, 10),
            lead(2, Rating.A, 2026, 10, 7, 10),
            lead(3, Rating.B, 2026, 10, 12, 10),
            lead(4, Rating.C, 2026, 10, 13, 10),
            appointment(101, 2026, 10, 20, 15),
            lead(5, Rating.A, 2026, 10, 31, 23, 30),  # 22:30 UTC: still October in Berlin
        ],
        disputes=[UpheldDispute(2, LEAD, berlin(2026, 10, 25, 9), reason="wrong person")],
    )


def november(carried_in: Decimal = Decimal(0)) -> Statement:
    return statement(
        NOVEMBER,
        [
            lead(6, Rating.A, 2026, 11, 1, 0, 10),  # 23:10 UTC on 31 October
            lead(7, Rating.A, 2026, 11, 3, 10, replaces=2),
            appointment(102, 2026, 11, 10, 15),
        ],
        disputes=[
            # billed on October's closed statement: credited at what was billed then
            UpheldDispute(1, LEAD, berlin(2026, 11, 4, 9), billed=Decimal("150.00")),
            UpheldDispute(101, APPOINTMENT, berlin(2026, 11, 6, 9), billed=Decimal("250.00")),
            # billed on this statement
            UpheldDispute(102, APPOINTMENT, berlin(2026, 11, 20, 9), reason="no show"),
        ],
        carried_in=carried_in,
    )


def amounts(result: Statement) -> list[tuple[object, str, str]]:
    return [(x.deliverable_id, x.line.value, str(x.amount)) for x in result.lines]


def test_october_charges_each_deliverable_at_its_price_and_credits_the_upheld_dispute() -> None:
    result = october()
    assert amounts(result) == [
        (1, "charge", "150.00"),
        (2, "charge", "100.00"),
        (3, "charge", "60.00"),
        (4, "not_billable", "0.00"),
        (101, "charge", "250.00"),
        (5, "charge", "100.00"),
        (2, "credit", "-100.00"),
    ]
    assert (result.charges, result.credits, result.total) == (
        Decimal("660.00"),
        Decimal("100.00"),
        Decimal("560.00"),
    )
    assert str(result.total) == "560.00"
    assert result.carried_forward == 0


def test_subtotals_count_and_add_up_by_kind_and_rating() -> None:
    result = october()
    assert [(s.label, s.count, str(s.amount)) for s in result.subtotals] == [
        ("Hot leads: charged", 1, "150.00"),
        ("A leads: charged", 2, "200.00"),
        ("B leads: charged", 1, "60.00"),
        ("Appointments: charged", 1, "250.00"),
        ("C leads: not billable", 1, "0.00"),
        ("Leads: credit for an upheld dispute", 1, "-100.00"),
    ]
    assert sum(s.amount for s in result.subtotals) == result.total


def test_credits_beyond_the_charges_total_zero_and_carry_the_rest_forward() -> None:
    result = november()
    assert amounts(result) == [
        (6, "charge", "100.00"),
        (7, "replacement", "0.00"),
        (102, "charge", "250.00"),
        (1, "credit", "-150.00"),
        (101, "credit", "-250.00"),
        (102, "credit", "-250.00"),
    ]
    assert (result.charges, result.credits) == (Decimal("350.00"), Decimal("650.00"))
    assert result.balance == Decimal("-300.00")
    assert (str(result.total), str(result.carried_forward)) == ("0.00", "300.00")
    assert result.lines[1].description == "A lead, replacing #2 at no charge"


def test_the_carried_credit_is_used_up_over_the_next_statements() -> None:
    december = statement(
        DECEMBER,
        [lead(8, Rating.HOT, 2026, 12, 2, 10), lead(9, Rating.B, 2026, 12, 3, 10)],
        carried_in=november().carried_forward,
    )
    assert (december.charges, december.carried_in) == (Decimal("210.00"), Decimal("300.00"))
    assert (december.total, december.carried_forward) == (Decimal("0.00"), Decimal("90.00"))
    january = statement(
        JANUARY, [lead(10, Rating.HOT, 2027, 1, 4, 10)], carried_in=december.carried_forward
    )
    assert (str(january.total), january.carried_forward) == ("60.00", Decimal("0.00"))


def test_a_replacement_disputed_in_turn_credits_what_it_was_billed_nothing() -> None:
    result = statement(
        NOVEMBER,
        [lead(7, Rating.A, 2026, 11, 3, 10, replaces=2)],
        disputes=[UpheldDispute(7, LEAD, berlin(2026, 11, 9, 9))],
    )
    assert amounts(result) == [(7, "replacement", "0.00"), (7, "credit", "0.00")]
    assert result.total == 0


def test_a_dispute_upheld_after_its_period_closed_is_credited_on_the_next_open_one() -> None:
    late = datetime(2026, 10, 31, 22, 50, tzinfo=UTC)  # 23:50 on 31 October in Berlin
    assert credit_period(late, kind=PeriodKind.MONTH, timezone=BERLIN, closed=set()) == OCTOBER
    assert credit_period(late, kind=PeriodKind.MONTH, timezone=BERLIN, closed={OCTOBER}) == NOVEMBER
    assert (
        credit_period(late, kind=PeriodKind.MONTH, timezone=BERLIN, closed={OCTOBER, NOVEMBER})
        == DECEMBER
    )
    moved = statement(
        NOVEMBER,
        [],
        disputes=[UpheldDispute(3, LEAD, late, billed=Decimal("60.00"))],
    )
    assert (moved.credits, moved.total, moved.carried_forward) == (
        Decimal("60.00"),
        Decimal("0.00"),
        Decimal("60.00"),
    )


def test_a_closed_statement_refuses_to_change() -> None:
    closed = statement_close(october())
    assert closed.closed
    assert closed.total == october().total
    with pytest.raises(StatementClosed, match="2026-10 is closed"):
        statement_check_open(closed)
    with pytest.raises(StatementClosed):
        statement_close(closed)


def test_a_statement_without_lines_totals_zero_in_the_currencys_places() -> None:
    result = statement(OCTOBER, [])
    assert (str(result.charges), str(result.total), result.lines) == ("0.00", "0.00", ())


# --- Money -----


@pytest.mark.parametrize(("currency", "places"), [("EUR", 2), ("jpy", 0), ("KWD", 3), ("USD", 2)])
def test_the_minor_unit_follows_iso_4217(currency: str, places: int) -> None:
    assert minor_unit(currency) == places


def test_an_amount_is_written_with_the_currencys_places_and_never_rounded() -> None:
    assert str(money("12.5", "EUR")) == "12.50"
    assert str(money(1500, "JPY")) == "1500"
    assert str(money("1.250", "KWD")) == "1.250"
    with pytest.raises(BillingError, match="more than 2 decimal places"):
        money("12.345", "EUR")
    with pytest.raises(BillingError, match="more than 0 decimal places"):
        money("1500.5", "JPY")
    with pytest.raises(BillingError, match="not an amount"):
        money("twelve", "EUR")
    with pytest.raises(BillingError, match="not an amount"):
        money("NaN", "EUR")


def test_an_unknown_currency_or_a_negative_price_is_refused() -> None:
    with pytest.raises(BillingError, match="unknown currency") as refused:
        PriceList(currency="EURO")
    assert refused.value.field == "currency"
    with pytest.raises(BillingError, match="negative"):
        PriceList(currency="EUR", per_rating={Rating.HOT: Decimal("-1")})


@pytest.mark.parametrize(
    ("deliverables", "disputes", "message"),
    [
        ([lead(1, Rating.A, 2026, 9, 30, 10)], [], "not delivered in 2026-10"),
        ([lead(1, Rating.A, 2026, 10, 2, 10), lead(1, Rating.B, 2026, 10, 3, 10)], [], "twice"),
        ([Deliverable(1, LEAD, berlin(2026, 10, 2, 10))], [], "has no rating"),
        ([Deliverable(1, APPOINTMENT, berlin(2026, 10, 2, 10), rating=Rating.A)], [], "rating"),
        ([], [UpheldDispute(9, LEAD, berlin(2026, 10, 9, 9))], "on no statement"),
        (
            [],
            [UpheldDispute(9, LEAD, berlin(2026, 11, 9, 9), billed=Decimal("10"))],
            "upheld after 2026-10",
        ),
        (
            [],
            [
                UpheldDispute(
                    9, LEAD, berlin(2026, 10, 9, 9), billed=Decimal(10), billed_currency="USD"
                )
            ],
            "billed in USD",
        ),
        (
            [lead(1, Rating.A, 2026, 10, 2, 10)],
            [
                UpheldDispute(1, LEAD, berlin(2026, 10, 9, 9)),
                UpheldDispute(1, LEAD, berlin(2026, 10, 9, 10)),
            ],
            "credited twice",
        ),
    ],
)
def test_inputs_that_cannot_describe_real_billing_are_refused(
    deliverables: list[Deliverable], disputes: list[UpheldDispute], message: str
) -> None:
    with pytest.raises(BillingError, match=message):
        statement(OCTOBER, deliverables, disputes=disputes)


def test_a_negative_carried_credit_is_refused() -> None:
    with pytest.raises(BillingError, match="cannot be negative"):
        statement(OCTOBER, [], carried_in=Decimal("-5"))


# --- Properties -----

RATINGS = st.sampled_from(list(Rating))


@st.composite
def months(draw: st.DrawFn) -> tuple[list[Deliverable], list[UpheldDispute]]:
    deliverables: list[Deliverable] = []
    for n in range(draw(st.integers(0, 8))):
        day = draw(st.integers(1, 28))
        if draw(st.booleans()):
            deliverables.append(Deliverable(n, APPOINTMENT, berlin(2026, 10, day, 12)))
        else:
            replaces = draw(st.none() | st.just(999))
            deliverables.append(
                Deliverable(
                    n, LEAD, berlin(2026, 10, day, 12), rating=draw(RATINGS), replaces=replaces
                )
            )
    disputes = [
        UpheldDispute(
            f"old-{n}", LEAD, berlin(2026, 10, 28, 12), billed=Decimal(draw(st.integers(0, 400)))
        )
        for n in range(draw(st.integers(0, 5)))
    ]
    return deliverables, disputes


@given(months(), st.integers(0, 1000))
def test_the_total_is_never_negative_and_nothing_is_lost_to_the_carry(
    month: tuple[list[Deliverable], list[UpheldDispute]], carried: int
) -> None:
    deliverables, disputes = month
    result = statement(OCTOBER, deliverables, disputes=disputes, carried_in=Decimal(carried))
    assert result.total >= 0
    assert result.carried_forward >= 0
    assert min(result.total, result.carried_forward) == 0
    assert (
        result.total - result.carried_forward == result.charges - result.credits - result.carried_in
    )
    assert sum(x.amount for x in result.lines) == result.charges - result.credits
    assert sum(s.count for s in result.subtotals) == len(result.lines)
    assert all(x.amount.as_tuple().exponent == -2 for x in result.lines)
