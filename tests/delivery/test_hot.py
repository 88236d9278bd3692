"""Hot-lead exceptions (issue 6, part 3): an approved Hot lead is delivered at once on its own,
exactly once; its time from capture is measured against the 24-hour target and 48-hour limit;
a Hot lead still waiting 24 hours after capture raises one alert to the program's managers."""

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection, connections

from leadflow.accounts.models import Role, User
from leadflow.delivery.models import Delivery, DeliveryItem, DeliveryKind
from leadflow.delivery.selectors import hot_leads_waiting, hot_timings
from leadflow.delivery.services import (
    deliveries_run_due,
    delivery_batch_run,
    hot_leads_alert,
    hot_leads_deliver,
)
from leadflow.delivery.services.hot import HOT_ALERT_ACTION
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.notifications.models import OutboxMessage
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.delivery.conftest import LeadMaker


def test_an_approved_hot_lead_is_delivered_at_once_on_its_own(
    program: Program, approved_lead: LeadMaker
) -> None:
    hot = approved_lead(program, "hot", captured=NOW - timedelta(hours=5))
    approved_lead(program, "a")
    [delivery] = hot_leads_deliver(lead_ids=[hot.pk], now=NOW)
    assert (delivery.kind, delivery.number, delivery.lead_count) == (DeliveryKind.HOT, 1, 1)
    assert list(delivery.items.values_list("lead_id", flat=True)) == [hot.pk]
    assert Lead.objects.get(pk=hot.pk).status == "delivered"
    assert delivery.captured_at == hot.created_at
    assert delivery.hours_to_delivery == 5.0
    assert (delivery.hot_target_met, delivery.hot_limit_met) == (True, True)


def test_the_hand_off_may_pass_every_approved_lead_only_hot_ones_are_delivered(
    program: Program, other_program: Program, approved_lead: LeadMaker
) -> None:
    a = approved_lead(program, "a")
    in_review = approved_lead(program, "hot", status="in_review")
    partner_hot = approved_lead(other_program, "hot")
    hot = approved_lead(program, "hot")
    deliveries = hot_leads_deliver(
        lead_ids=[a.pk, in_review.pk, partner_hot.pk, hot.pk, 999_999], now=NOW
    )
    assert [d.items.get().lead_id for d in deliveries] == [hot.pk]


def test_delivering_a_hot_lead_twice_makes_one_delivery(
    program: Program, approved_lead: LeadMaker
) -> None:
    hot = approved_lead(program, "hot")
    assert len(hot_leads_deliver(lead_ids=[hot.pk, hot.pk], now=NOW)) == 1
    assert hot_leads_deliver(lead_ids=[hot.pk], now=NOW + timedelta(minutes=1)) == []
    assert delivery_batch_run(program=program, now=NOW).delivery is None
    assert Delivery.objects.count() == 1


def test_each_hot_lead_is_a_delivery_of_its_own(program: Program, approved_lead: LeadMaker) -> None:
    leads = [approved_lead(program, "hot") for _ in range(3)]
    deliveries = hot_leads_deliver(lead_ids=[lead.pk for lead in leads], now=NOW)
    assert [d.number for d in deliveries] == [1, 2, 3]
    assert [d.items.get().lead_id for d in deliveries] == [lead.pk for lead in leads]


def test_the_periodic_run_delivers_a_hot_lead_the_hand_off_missed(
    program: Program, approved_lead: LeadMaker
) -> None:
    hot = approved_lead(program, "hot")
    run = deliveries_run_due(now=NOW)
    assert [d.items.get().lead_id for d in run.hot] == [hot.pk]


def test_hot_timings_count_deliveries_within_the_target_and_the_limit(
    program: Program, approved_lead: LeadMaker
) -> None:
    for hours in (3, 30, 50):
        lead = approved_lead(program, "hot", captured=NOW - timedelta(hours=hours))
        hot_leads_deliver(lead_ids=[lead.pk], now=NOW)
    timings = hot_timings(program=program, now=NOW)
    assert (timings.count, timings.within_target, timings.within_limit) == (3, 1, 2)
    assert timings.average_hours == pytest.approx((3 + 30 + 50) / 3, abs=0.1)
    late = timings.deliveries[0]
    assert (late.hot_target_met, late.hot_limit_met) == (False, False)


def test_waiting_hot_leads_show_their_time_since_capture(
    program: Program, approved_lead: LeadMaker
) -> None:
    old = approved_lead(program, "hot", captured=NOW - timedelta(hours=30), status="in_review")
    approved_lead(program, "a", captured=NOW - timedelta(hours=30))
    [waiting] = hot_leads_waiting(program=program, now=NOW)
    assert waiting.lead == old
    assert (waiting.hours, waiting.past_target, waiting.past_limit) == (30.0, True, False)


# Alerts


@pytest.fixture
def managers(program: Program, make_user: Callable[..., User]) -> list[User]:
    people = [
        make_user(Role.MANAGER, clients=(program.client,)),
        make_user(Role.MANAGER, programs=(program,)),
        make_user(Role.MANAGER),  # another scope: not told
        make_user(Role.REVIEWER, programs=(program,)),  # not a manager: not told
    ]
    for number, person in enumerate(people):
        person.email = f"person{number}@agency.example"
        person.save(update_fields=["email"])
    return people


def test_a_hot_lead_waiting_24_hours_alerts_the_program_s_managers_once(
    program: Program, approved_lead: LeadMaker, managers: list[User]
) -> None:
    lead = approved_lead(program, "hot", captured=NOW - timedelta(hours=25), status="in_review")
    result = hot_leads_alert(now=NOW)
    assert (result.alerted, result.past_limit, result.emails) == (1, 0, 1)
    event = LeadEvent.objects.get(lead=lead, kind=EventKind.ALERT)
    assert event.action == HOT_ALERT_ACTION
    assert event.reason == "Hot lead not delivered 24 hours after capture"
    assert event.after["waited_hours"] == 25.0
    message = OutboxMessage.objects.get(key=f"hot-alert:{lead.pk}")
    assert message.content["to"] == ["person0@agency.example", "person1@agency.example"]
    assert "Hot lead waiting 25 hours" in str(message.content["subject"])
    assert "missed the 24-hour target" in str(message.content["body"])
    # Once per lead.
    assert hot_leads_alert(now=NOW + timedelta(hours=30)).alerted == 0
    assert LeadEvent.objects.filter(kind=EventKind.ALERT).count() == 1


def test_a_hot_lead_first_seen_past_48_hours_is_alerted_saying_so(
    program: Program, approved_lead: LeadMaker, managers: list[User]
) -> None:
    lead = approved_lead(program, "hot", captured=NOW - timedelta(hours=60))
    result = hot_leads_alert(now=NOW)
    assert (result.alerted, result.past_limit) == (1, 1)
    event = LeadEvent.objects.get(lead=lead, kind=EventKind.ALERT)
    assert event.reason.endswith("past the 48-hour limit")
    body = str(OutboxMessage.objects.get(key=f"hot-alert:{lead.pk}").content["body"])
    assert "The 48-hour limit from capture to delivery has passed" in body


def test_no_alert_before_24_hours_after_delivery_or_for_other_leads(
    program: Program, other_program: Program, approved_lead: LeadMaker, managers: list[User]
) -> None:
    approved_lead(program, "hot", captured=NOW - timedelta(hours=23))
    delivered = approved_lead(program, "hot", captured=NOW - timedelta(hours=30))
    hot_leads_deliver(lead_ids=[delivered.pk], now=NOW - timedelta(hours=1))
    approved_lead(program, "a", captured=NOW - timedelta(hours=30))
    approved_lead(other_program, "hot", captured=NOW - timedelta(hours=30))
    assert hot_leads_alert(now=NOW).alerted == 0
    assert not OutboxMessage.objects.filter(key__startswith="hot-alert:").exists()


def test_an_alert_without_a_manager_to_tell_is_still_recorded(
    program: Program, approved_lead: LeadMaker
) -> None:
    lead = approved_lead(program, "hot", captured=NOW - timedelta(hours=25))
    assert hot_leads_alert(now=NOW).emails == 0
    assert LeadEvent.objects.filter(lead=lead, kind=EventKind.ALERT).exists()


# Concurrency (PostgreSQL: real row locks, real threads)


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_hot_lead_make_one_delivery(
    program: Program, approved_lead: LeadMaker
) -> None:
    leads = [approved_lead(program, "hot") for _ in range(3)]
    ids = [lead.pk for lead in leads]
    workers = 4
    barrier = threading.Barrier(workers)
    made: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            made.extend(d.pk for d in hot_leads_deliver(lead_ids=ids, now=NOW))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(made) == 3
    assert sorted(DeliveryItem.objects.values_list("lead_id", flat=True)) == sorted(ids)
    assert sorted(Delivery.objects.values_list("number", flat=True)) == [1, 2, 3]
    assert OutboxMessage.objects.filter(key__startswith="delivery:").count() == 0  # no recipients
    events = LeadEvent.objects.filter(lead__in=ids, action="deliver")
    assert events.count() == 3


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_hot_lead_raced_by_a_batch_and_a_hot_worker_is_delivered_once(
    program: Program, approved_lead: LeadMaker, make_user: Callable[..., User]
) -> None:
    contact = make_user(Role.CLIENT, clients=(program.client,))
    contact.email = "buyer@acme.example"
    contact.save(update_fields=["email"])
    hot = approved_lead(program, "hot")
    approved_lead(program, "a")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    jobs = [
        lambda: hot_leads_deliver(lead_ids=[hot.pk], now=NOW),
        lambda: delivery_batch_run(program=program, now=NOW),
    ]
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert DeliveryItem.objects.filter(lead=hot).count() == 1
    assert LeadEvent.objects.filter(lead=hot, action="deliver").count() == 1
    delivery = DeliveryItem.objects.get(lead=hot).delivery
    emails = OutboxMessage.objects.filter(key__startswith="delivery:", key__endswith=":email")
    assert emails.count() == Delivery.objects.count()
    assert delivery.email_key in set(emails.values_list("key", flat=True))


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_alert_workers_alert_a_waiting_hot_lead_once(
    program: Program, approved_lead: LeadMaker, managers: list[User]
) -> None:
    leads = [approved_lead(program, "hot", captured=NOW - timedelta(hours=26)) for _ in range(5)]
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            hot_leads_alert(now=NOW)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert LeadEvent.objects.filter(kind=EventKind.ALERT).count() == len(leads)
    assert OutboxMessage.objects.filter(key__startswith="hot-alert:").count() == len(leads)
