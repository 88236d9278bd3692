"""The guarantee ledger after disputes: upheld, rejected, open and replaced, across two months
and a month end in the client's timezone (New York), counted in a fixed number of queries."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from pytest_django import DjangoAssertNumQueries

from leadflow.core.guarantee import LedgerRow, PeriodKind
from leadflow.delivery.models import Delivery, DeliveryItem
from leadflow.guarantees.models import Dispute
from leadflow.guarantees.selectors import program_ledger
from leadflow.guarantees.services import (
    delivery_replacements_fill,
    dispute_decide,
    dispute_raise,
    guarantee_terms_save,
)
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests.guarantees.conftest import People, deliver

# 03:00 UTC on 1 November is 23:00 on 31 October in New York: an October delivery.
OCTOBER_AT = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
NOVEMBER_AT = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
DECEMBER_AT = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
REASON = "Does not meet the program's criteria"


def figures(row: LedgerRow) -> dict[str, int]:
    return {
        "owed": row.owed,
        "delivered": row.delivered,
        "valid": row.valid,
        "disputed": row.disputed,
        "open": row.open,
        "upheld": row.upheld,
        "rejected": row.rejected,
        "replaced": row.replaced,
        "awaiting": row.awaiting_replacement,
        "still_owed": row.still_owed,
    }


@dataclass
class Story:
    program: Program
    people: People


def _raise(lead: Lead, people: People, at: datetime) -> Dispute:
    return dispute_raise(lead_id=lead.pk, user=people.contact, reason=REASON, note="", now=at)


def _decide(dispute: Dispute, people: People, uphold: bool, at: datetime) -> Dispute:
    return dispute_decide(
        dispute_id=dispute.pk, user=people.reviewer, uphold=uphold, note="checked", now=at
    )


@pytest.fixture
def story(
    program: Program,
    make_delivered: Callable[..., list[Lead]],
    make_lead: Callable[..., Lead],
    people: People,
) -> Story:
    """October: 4 delivered (L1 upheld and replaced, L2 rejected, L3 open, L4 fine).
    November: 3 delivered (L5 upheld and replaced, L6 upheld and still awaiting, L7 fine).
    December: a delivery of 2 that replaces L1 and L5 (the replacement of L1 is disputed, still
    open), then a delivery of 1 new lead."""
    guarantee_terms_save(
        program=program,
        user=people.manager,
        leads_per_period=5,
        period=PeriodKind.MONTH,
        dispute_window_days=10,
        dispute_reasons=[REASON],
        is_active=True,
        now=OCTOBER_AT,
    )
    l1, l2, l3, _l4 = make_delivered(program, 4, at=OCTOBER_AT)
    l5, l6, _l7 = make_delivered(program, 3, at=NOVEMBER_AT)
    _decide(_raise(l1, people, OCTOBER_AT + timedelta(days=2)), people, True, NOVEMBER_AT)
    _decide(_raise(l2, people, OCTOBER_AT + timedelta(days=2)), people, False, NOVEMBER_AT)
    _raise(l3, people, OCTOBER_AT + timedelta(days=3))
    l6_dispute = _raise(l6, people, NOVEMBER_AT + timedelta(days=1))
    _decide(
        _raise(l5, people, NOVEMBER_AT + timedelta(days=1)),
        people,
        True,
        NOVEMBER_AT + timedelta(days=2),
    )
    replacements = deliver(program, [make_lead(program), make_lead(program)], at=DECEMBER_AT)
    assert delivery_replacements_fill(delivery=replacements, now=DECEMBER_AT) == 2
    fresh = deliver(program, [make_lead(program)], at=DECEMBER_AT + timedelta(days=1))
    assert delivery_replacements_fill(delivery=fresh, now=DECEMBER_AT) == 0
    _decide(l6_dispute, people, True, DECEMBER_AT + timedelta(days=2))
    replacing_l1 = DeliveryItem.objects.get(delivery=replacements, position=1).lead
    _raise(replacing_l1, people, DECEMBER_AT + timedelta(days=3))
    return Story(program=program, people=people)


def test_the_ledger_after_disputes_across_two_months_and_a_month_end(story: Story) -> None:
    ledger = program_ledger(program=story.program, now=NOW).ledger
    assert [row.period.label for row in ledger.rows if row.period] == [
        "2026-10",
        "2026-11",
        "2026-12",
    ]
    october, november, december = ledger.rows
    assert figures(october) == {
        "owed": 5,
        "delivered": 4,
        "valid": 4,  # 4 delivered + 1 replacement - 1 upheld
        "disputed": 4,  # L1, L2, L3, and the replacement of L1
        "open": 2,
        "upheld": 1,
        "rejected": 1,
        "replaced": 1,
        "awaiting": 0,
        "still_owed": 1,
    }
    assert figures(november) == {
        "owed": 5,
        "delivered": 3,
        "valid": 2,  # 3 delivered + 1 replacement - 2 upheld
        "disputed": 2,
        "open": 0,
        "upheld": 2,
        "rejected": 0,
        "replaced": 1,
        "awaiting": 1,
        "still_owed": 3,
    }
    # The two replacements delivered in December count for October and November.
    assert figures(december) == {
        "owed": 5,
        "delivered": 1,
        "valid": 1,
        "disputed": 0,
        "open": 0,
        "upheld": 0,
        "rejected": 0,
        "replaced": 0,
        "awaiting": 0,
        "still_owed": 4,
    }
    assert december.current
    assert figures(ledger.totals)["still_owed"] == 8


def test_in_utc_the_month_end_delivery_would_have_been_november(story: Story) -> None:
    client = story.program.client
    client.timezone = "UTC"
    client.save()
    ledger = program_ledger(program=Program.objects.get(pk=story.program.pk), now=NOW).ledger
    november = next(row for row in ledger.rows if row.period and row.period.label == "2026-11")
    assert november.delivered == 7
    assert [row.period.label for row in ledger.rows if row.period] == ["2026-11", "2026-12"]


def test_an_upheld_replacement_is_itself_owed_again_in_the_original_period(
    story: Story, make_lead: Callable[..., Lead]
) -> None:
    program, people = story.program, story.people
    reopened = Dispute.objects.get(status="open", delivery_item__delivery__created_at=DECEMBER_AT)
    _decide(reopened, people, True, NOW - timedelta(hours=1))
    october = program_ledger(program=program, now=NOW).ledger.rows[0]
    # 4 delivered + 1 replacement - 2 upheld (L1 and its replacement): one more is owed.
    assert (october.valid, october.upheld, october.replaced, october.awaiting_replacement) == (
        3,
        2,
        1,
        1,
    )
    again = deliver(
        program, [make_lead(program), make_lead(program)], at=NOW - timedelta(minutes=30)
    )
    assert delivery_replacements_fill(delivery=again, now=NOW) == 2  # L6's, then this one
    october = program_ledger(program=program, now=NOW).ledger.rows[0]
    assert (october.valid, october.replaced, october.awaiting_replacement) == (4, 2, 0)


def test_the_terms_period_and_start_shape_the_ledger(story: Story) -> None:
    program, people = story.program, story.people
    guarantee_terms_save(
        program=program,
        user=people.manager,
        leads_per_period=12,
        period=PeriodKind.QUARTER,
        starts_on=date(2026, 11, 1),
        dispute_window_days=10,
        dispute_reasons=[REASON],
        is_active=True,
        now=NOW,
    )
    (quarter,) = program_ledger(program=program, now=NOW).ledger.rows
    assert quarter.period is not None
    assert quarter.period.label == "2026-Q4"
    assert (quarter.owed, quarter.delivered, quarter.valid, quarter.still_owed) == (12, 8, 7, 5)


def test_a_program_without_terms_promises_nothing_but_counts(
    program: Program, make_delivered: Callable[..., list[Lead]]
) -> None:
    make_delivered(program, 2, at=NOVEMBER_AT)
    result = program_ledger(program=program, now=NOW)
    assert not result.terms_saved
    assert result.terms.dispute_window_days == 10
    assert [(row.owed, row.delivered, row.still_owed) for row in result.ledger.rows] == [
        (0, 2, 0),
        (0, 0, 0),
    ]


def test_the_ledger_takes_four_queries_whatever_the_number_of_leads(
    story: Story,
    make_delivered: Callable[..., list[Lead]],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    """Four for the leads, and two for the appointments' section of ``config/guarantees.py``
    (its terms and its delivered calls: none here)."""
    program = Program.objects.select_related("client").get(pk=story.program.pk)
    with django_assert_max_num_queries(4 + 2):
        program_ledger(program=program, now=NOW)
    make_delivered(program, 30, at=NOVEMBER_AT + timedelta(days=3))
    assert Delivery.objects.filter(program=program).count() == 5
    with django_assert_max_num_queries(4 + 2):
        ledger = program_ledger(program=program, now=NOW).ledger
    assert ledger.rows[1].delivered == 33
