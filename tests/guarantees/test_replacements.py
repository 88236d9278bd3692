"""Replacements: the next delivery fills the upheld disputes first, oldest decision first, with
its leads in position order; two deliveries at once never fill one dispute twice."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections

from leadflow.delivery.models import Delivery, DeliveryItem, DeliveryKind
from leadflow.guarantees.models import Dispute
from leadflow.guarantees.services import (
    delivery_replacements_fill,
    dispute_decide,
    dispute_raise,
)
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.programs.models import Program
from tests.guarantees.conftest import People, deliver

DELIVERED_AT = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
RAISED_AT = DELIVERED_AT + timedelta(days=1)
NEXT_DELIVERY_AT = DELIVERED_AT + timedelta(days=7)
REASON = "Wrong contact or company"

MakeDelivered = Callable[..., list[Lead]]


def disputed(
    lead: Lead, people: People, *, uphold: bool | None, decided_at: datetime = RAISED_AT
) -> Dispute:
    """A dispute of ``lead``, upheld (True), rejected (False) or left open (None)."""
    dispute = dispute_raise(
        lead_id=lead.pk, user=people.contact, reason=REASON, note="", now=RAISED_AT
    )
    if uphold is None:
        return dispute
    return dispute_decide(
        dispute_id=dispute.pk, user=people.reviewer, uphold=uphold, note="checked", now=decided_at
    )


def next_delivery(
    program: Program,
    make_lead: Callable[..., Lead],
    count: int,
    *,
    at: datetime = NEXT_DELIVERY_AT,
    kind: DeliveryKind = DeliveryKind.BATCH,
) -> Delivery:
    return deliver(program, [make_lead(program) for _ in range(count)], at=at, kind=kind)


def replacing_leads(delivery: Delivery) -> list[int]:
    return list(
        DeliveryItem.objects.filter(delivery=delivery)
        .order_by("position")
        .values_list("lead_id", flat=True)
    )


def test_the_oldest_upheld_disputes_take_the_first_leads_of_the_next_delivery(
    program: Program,
    make_delivered: MakeDelivered,
    make_lead: Callable[..., Lead],
    people: People,
) -> None:
    first, second, third = make_delivered(program, 3, at=DELIVERED_AT)
    # Decided in another order than delivered: the oldest decision is owed first.
    late = disputed(first, people, uphold=True, decided_at=RAISED_AT + timedelta(hours=3))
    early = disputed(second, people, uphold=True, decided_at=RAISED_AT + timedelta(hours=1))
    middle = disputed(third, people, uphold=True, decided_at=RAISED_AT + timedelta(hours=2))
    delivery = next_delivery(program, make_lead, 5)
    positions = replacing_leads(delivery)

    assert delivery_replacements_fill(delivery=delivery, now=NEXT_DELIVERY_AT) == 3

    filled = {d.pk: d for d in Dispute.objects.select_related("replacement")}
    assert [filled[d.pk].replacement.lead_id for d in (early, middle, late)] == positions[:3]  # type: ignore[union-attr]
    assert {filled[d.pk].replaced_at for d in (early, middle, late)} == {NEXT_DELIVERY_AT}
    events = LeadEvent.objects.filter(kind=EventKind.REPLACEMENT).order_by("lead_id")
    assert [(e.lead_id, e.after["replaces_lead"]) for e in events] == [
        (positions[0], second.pk),
        (positions[1], third.pk),
        (positions[2], first.pk),
    ]
    assert events[0].reason == f"Replaces lead #{second.pk} (dispute #{early.pk}: {REASON})"


def test_more_disputes_than_leads_leave_the_newest_for_the_delivery_after(
    program: Program,
    make_delivered: MakeDelivered,
    make_lead: Callable[..., Lead],
    people: People,
) -> None:
    leads = make_delivered(program, 3, at=DELIVERED_AT)
    upheld = [
        disputed(lead, people, uphold=True, decided_at=RAISED_AT + timedelta(minutes=i))
        for i, lead in enumerate(leads)
    ]
    small = next_delivery(program, make_lead, 2)
    assert delivery_replacements_fill(delivery=small, now=NEXT_DELIVERY_AT) == 2
    assert Dispute.objects.get(pk=upheld[2].pk).replacement is None

    later = next_delivery(program, make_lead, 2, at=NEXT_DELIVERY_AT + timedelta(days=7))
    assert delivery_replacements_fill(delivery=later, now=NEXT_DELIVERY_AT) == 1
    assert Dispute.objects.get(pk=upheld[2].pk).replacement.lead_id == replacing_leads(later)[0]  # type: ignore[union-attr]


def test_only_upheld_disputes_of_the_same_program_are_replaced(
    program: Program,
    other_program: Program,
    make_delivered: MakeDelivered,
    make_lead: Callable[..., Lead],
    people: People,
) -> None:
    upheld_lead, open_lead, rejected_lead = make_delivered(program, 3, at=DELIVERED_AT)
    disputed(open_lead, people, uphold=None)
    disputed(rejected_lead, people, uphold=False)
    upheld = disputed(upheld_lead, people, uphold=True)
    elsewhere = next_delivery(other_program, make_lead, 2)
    assert delivery_replacements_fill(delivery=elsewhere, now=NEXT_DELIVERY_AT) == 0

    delivery = next_delivery(program, make_lead, 3)
    assert delivery_replacements_fill(delivery=delivery, now=NEXT_DELIVERY_AT) == 1
    assert list(Dispute.objects.exclude(replacement=None).values_list("pk", flat=True)) == [
        upheld.pk
    ]


def test_filling_again_fills_nothing_more(
    program: Program,
    make_delivered: MakeDelivered,
    make_lead: Callable[..., Lead],
    people: People,
) -> None:
    (lead,) = make_delivered(program, at=DELIVERED_AT)
    disputed(lead, people, uphold=True)
    delivery = next_delivery(program, make_lead, 2)
    assert delivery_replacements_fill(delivery=delivery, now=NEXT_DELIVERY_AT) == 1
    assert delivery_replacements_fill(delivery=delivery, now=NEXT_DELIVERY_AT) == 0
    assert LeadEvent.objects.filter(kind=EventKind.REPLACEMENT).count() == 1


def test_a_hot_delivery_fills_a_replacement_too(
    program: Program,
    make_delivered: MakeDelivered,
    make_lead: Callable[..., Lead],
    people: People,
) -> None:
    (lead,) = make_delivered(program, at=DELIVERED_AT)
    upheld = disputed(lead, people, uphold=True)
    hot = next_delivery(program, make_lead, 1, kind=DeliveryKind.HOT)
    assert delivery_replacements_fill(delivery=hot, now=NEXT_DELIVERY_AT) == 1
    assert Dispute.objects.get(pk=upheld.pk).replacement.delivery == hot  # type: ignore[union-attr]


def test_a_delivery_without_leads_fills_nothing(
    program: Program, make_delivered: MakeDelivered, people: People
) -> None:
    (lead,) = make_delivered(program, at=DELIVERED_AT)
    disputed(lead, people, uphold=True)
    empty = deliver(program, [], at=NEXT_DELIVERY_AT)
    assert delivery_replacements_fill(delivery=empty, now=NEXT_DELIVERY_AT) == 0


def test_a_dispute_of_a_replacement_counts_for_the_period_of_the_lead_it_replaced(
    program: Program,
    make_delivered: MakeDelivered,
    make_lead: Callable[..., Lead],
    people: People,
) -> None:
    (lead,) = make_delivered(program, at=DELIVERED_AT)
    disputed(lead, people, uphold=True)
    delivery = next_delivery(program, make_lead, 1)
    delivery_replacements_fill(delivery=delivery, now=NEXT_DELIVERY_AT)
    replacement = Lead.objects.get(pk=replacing_leads(delivery)[0])
    again = dispute_raise(
        lead_id=replacement.pk,
        user=people.contact,
        reason=REASON,
        note="",
        now=NEXT_DELIVERY_AT + timedelta(days=1),
    )
    assert again.ledger_at == DELIVERED_AT


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_never_fill_one_dispute_twice(
    program: Program,
    make_delivered: MakeDelivered,
    make_lead: Callable[..., Lead],
    people: People,
) -> None:
    leads = make_delivered(program, 4, at=DELIVERED_AT)
    for i, lead in enumerate(leads):
        disputed(lead, people, uphold=True, decided_at=RAISED_AT + timedelta(minutes=i))
    deliveries = [next_delivery(program, make_lead, 3) for _ in range(3)]
    barrier = threading.Barrier(len(deliveries))
    filled: list[int] = []
    errors: list[BaseException] = []

    def run(delivery: Delivery) -> None:
        try:
            barrier.wait()
            filled.append(delivery_replacements_fill(delivery=delivery, now=NEXT_DELIVERY_AT))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(delivery,)) for delivery in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    # Every upheld dispute filled exactly once; nothing filled twice, no lead used twice.
    assert sum(filled) == 4
    assert Dispute.objects.filter(replacement=None).count() == 0
    events = LeadEvent.objects.filter(kind=EventKind.REPLACEMENT)
    assert events.count() == 4
    assert len({event.lead_id for event in events}) == 4
    assert len({event.after["dispute"] for event in events}) == 4
