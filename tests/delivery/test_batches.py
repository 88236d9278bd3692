"""Scheduled batches (issue 6, part 2): which approved leads go in a program's batch, what
happens to C and FYI leads, and how the schedule moves on."""

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection, connections

from leadflow.core.delivery_files import Column
from leadflow.core.lifecycle import LeadStatus
from leadflow.core.schedule import Frequency
from leadflow.delivery.models import (
    CHandling,
    Delivery,
    DeliveryItem,
    DeliveryKind,
    DeliverySchedule,
    FyiHandling,
    SummaryEntry,
)
from leadflow.delivery.services import (
    DeliveryError,
    ScheduleSettings,
    deliveries_run_due,
    delivery_batch_run,
    schedule_save,
)
from leadflow.leads.models import EventKind, Lead
from leadflow.notifications.models import OutboxMessage
from leadflow.programs.models import Client, HandOffMode, Program
from leadflow.programs.services import program_create
from tests.conftest import NOW
from tests.delivery.conftest import LeadMaker

WEEKLY_MONDAY = ScheduleSettings(frequency=Frequency.WEEKLY, weekday=0)


def statuses(*leads: Lead) -> list[str]:
    return [Lead.objects.get(pk=lead.pk).status for lead in leads]


def test_a_batch_delivers_approved_a_and_b_leads_by_rating_then_score(
    program: Program, approved_lead: LeadMaker
) -> None:
    b = approved_lead(program, "b")
    a_low = approved_lead(program, "a")
    a_high = approved_lead(program, "a", profile={"x": 1})
    Lead.objects.filter(pk=a_high.pk).update(score=90)
    result = delivery_batch_run(program=program, now=NOW)
    delivery = result.delivery
    assert delivery is not None
    assert (delivery.kind, delivery.number, delivery.lead_count) == (DeliveryKind.BATCH, 1, 3)
    items = list(DeliveryItem.objects.filter(delivery=delivery).order_by("position"))
    assert [item.lead_id for item in items] == [a_high.pk, a_low.pk, b.pk]
    assert [item.position for item in items] == [1, 2, 3]
    assert statuses(a_high, a_low, b) == ["delivered"] * 3
    assert delivery.summary["ratings"] == {"a": 2, "b": 1}
    assert result.message == "Delivery 1: 3 leads."


def test_each_delivered_lead_has_its_lifecycle_event(
    program: Program, approved_lead: LeadMaker
) -> None:
    lead = approved_lead(program, "a")
    delivery_batch_run(program=program, now=NOW)
    event = lead.events.latest("id")
    assert (event.kind, event.action, event.from_status, event.to_status) == (
        EventKind.STATUS_CHANGED,
        "deliver",
        "approved",
        "delivered",
    )
    assert (event.at, event.reason) == (NOW, "delivery 1")


def test_a_lead_is_delivered_once_a_second_batch_has_nothing(
    program: Program, approved_lead: LeadMaker
) -> None:
    approved_lead(program, "a")
    delivery_batch_run(program=program, now=NOW)
    second = delivery_batch_run(program=program, now=NOW + timedelta(days=7))
    assert second.delivery is None
    assert second.message == "Nothing to deliver."
    assert Delivery.objects.count() == 1


def test_leads_not_yet_approved_or_of_other_programs_are_left_alone(
    program: Program, approved_lead: LeadMaker
) -> None:
    in_review = approved_lead(program, "a", status="in_review")
    other = program_create(client=program.client, name="Other", slug="other", actor=None, now=NOW)
    elsewhere = approved_lead(other, "a")
    result = delivery_batch_run(program=program, now=NOW)
    assert result.delivery is None
    assert statuses(in_review, elsewhere) == ["in_review", "approved"]


def test_c_leads_go_to_nurture_and_fyi_leads_are_listed_once_in_the_summary(
    program: Program, approved_lead: LeadMaker
) -> None:
    a = approved_lead(program, "a")
    c = approved_lead(program, "c")
    fyi = approved_lead(program, "fyi", title="Analyst")
    result = delivery_batch_run(program=program, now=NOW)
    assert (result.delivered, result.nurtured, result.listed) == (1, 1, 1)
    assert statuses(a, c, fyi) == ["delivered", "nurturing", "approved"]
    delivery = result.delivery
    assert delivery is not None
    assert delivery.summary["nurtured"] == 1
    assert delivery.summary["listed"] == [
        {
            "lead_id": fyi.pk,
            "name": f"{fyi.first_name} {fyi.last_name}",
            "title": "Analyst",
            "company": fyi.company,
            "rating": "FYI",
        }
    ]
    assert list(delivery.items.values_list("lead_id", flat=True)) == [a.pk]
    assert SummaryEntry.objects.get().lead_id == fyi.pk
    nurture_event = c.events.latest("id")
    assert (nurture_event.action, nurture_event.to_status) == ("nurture", "nurturing")
    # The next batch does not list the FYI lead again.
    approved_lead(program, "b")
    later = delivery_batch_run(program=program, now=NOW + timedelta(days=7))
    assert later.delivery is not None
    assert later.listed == 0
    assert later.delivery.summary["listed"] == []


def test_fyi_leads_alone_make_a_summary_only_delivery_without_a_file_row(
    program: Program, approved_lead: LeadMaker
) -> None:
    approved_lead(program, "fyi")
    result = delivery_batch_run(program=program, now=NOW)
    assert result.delivery is not None
    assert (result.delivery.lead_count, result.listed) == (0, 1)
    assert result.delivery.items.count() == 0


@pytest.mark.parametrize(
    ("c_handling", "fyi_handling", "expected"),
    [
        (CHandling.INCLUDE, FyiHandling.INCLUDE, ["delivered", "delivered", "delivered"]),
        (CHandling.HOLD, FyiHandling.HOLD, ["delivered", "approved", "approved"]),
    ],
)
def test_c_and_fyi_may_be_delivered_or_held_instead(
    program: Program,
    approved_lead: LeadMaker,
    c_handling: CHandling,
    fyi_handling: FyiHandling,
    expected: list[str],
) -> None:
    schedule_save(
        program=program,
        settings=ScheduleSettings(
            frequency=Frequency.WEEKLY, weekday=0, c_handling=c_handling, fyi_handling=fyi_handling
        ),
        actor=None,
        now=NOW,
    )
    a, c, fyi = (
        approved_lead(program, "a"),
        approved_lead(program, "c"),
        approved_lead(program, "fyi"),
    )
    result = delivery_batch_run(program=program, now=NOW)
    assert statuses(a, c, fyi) == expected
    if c_handling == CHandling.HOLD:
        assert result.held == {"c": 1, "fyi": 1}
        assert result.message == "Delivery 1: 1 lead; held: 1 C, 1 FYI."


def test_ratings_left_out_of_the_batch_stay_approved(
    program: Program, approved_lead: LeadMaker
) -> None:
    schedule_save(
        program=program,
        settings=ScheduleSettings(frequency=Frequency.WEEKLY, weekday=0, batch_ratings=("a",)),
        actor=None,
        now=NOW,
    )
    a, b = approved_lead(program, "a"), approved_lead(program, "b")
    result = delivery_batch_run(program=program, now=NOW)
    assert statuses(a, b) == ["delivered", "approved"]
    assert result.held == {"b": 1}


def test_a_hot_lead_still_approved_at_batch_time_goes_first_in_the_batch(
    program: Program, approved_lead: LeadMaker
) -> None:
    a = approved_lead(program, "a")
    hot = approved_lead(program, "hot")
    result = delivery_batch_run(program=program, now=NOW)
    assert result.delivery is not None
    assert list(result.delivery.items.values_list("lead_id", flat=True)) == [hot.pk, a.pk]


def test_deliveries_are_numbered_per_program(program: Program, approved_lead: LeadMaker) -> None:
    approved_lead(program, "a")
    first = delivery_batch_run(program=program, now=NOW).delivery
    approved_lead(program, "b")
    second = delivery_batch_run(program=program, now=NOW + timedelta(hours=1)).delivery
    assert first is not None
    assert second is not None
    assert (first.number, second.number) == (1, 2)


def test_a_partner_program_has_no_deliveries(other_program: Program) -> None:
    with pytest.raises(DeliveryError, match="partners only"):
        delivery_batch_run(program=other_program, now=NOW)


def test_a_batch_with_a_custom_column_map_uses_it(
    program: Program, approved_lead: LeadMaker
) -> None:
    schedule_save(
        program=program,
        settings=ScheduleSettings(
            frequency=Frequency.WEEKLY,
            weekday=0,
            column_map=(Column("E-mail", "email"), Column("Budget", "answers.budget")),
        ),
        actor=None,
        now=NOW,
    )
    approved_lead(program, "a", email="grace@cobol.example")
    delivery = delivery_batch_run(program=program, now=NOW).delivery
    assert delivery is not None
    assert delivery.columns == ["E-mail", "Budget"]
    csv = bytes(delivery.files.get(format="csv").content).decode()
    assert csv == "E-mail,Budget\r\ngrace@cobol.example,approved\r\n"


# The schedule and the periodic run


def test_saving_a_schedule_sets_its_next_run_in_the_client_s_timezone(program: Program) -> None:
    schedule = schedule_save(
        program=program,
        settings=ScheduleSettings(frequency=Frequency.WEEKLY, weekday=0, time_of_day=time(9, 0)),
        actor=None,
        now=NOW,  # Monday 2 November 2026, 14:30 UTC = 09:30 in New York
    )
    assert schedule.next_run_at == datetime(2026, 11, 9, 14, 0, tzinfo=UTC)


def test_a_biweekly_schedule_without_an_anchor_counts_from_this_week(program: Program) -> None:
    schedule = schedule_save(
        program=program,
        settings=ScheduleSettings(frequency=Frequency.BIWEEKLY, weekday=2),
        actor=None,
        now=NOW,
    )
    assert schedule.anchor_date == NOW.date()
    assert schedule.next_run_at == datetime(2026, 11, 4, 14, 0, tzinfo=UTC)  # this Wednesday


def test_a_bad_schedule_is_refused_whole_with_every_reason(program: Program) -> None:
    bad = ScheduleSettings(
        frequency=Frequency.MONTHLY,
        day_of_month=40,
        batch_ratings=("a", "hot"),
        recipients=("buyer@acme.example", "not an address"),
        column_map=(Column("Email", "email"), Column("email", "nonsense")),
        webhook_url="ftp://crm.example",
    )
    with pytest.raises(DeliveryError) as refused:
        schedule_save(program=program, settings=bad, actor=None, now=NOW)
    message = str(refused.value)
    for part in (
        "not hot",
        "day of month must be 1 to 31",
        "'not an address' is not an e-mail address",
        "repeats column 1",
        "unknown source field 'nonsense'",
        "https://",
    ):
        assert part in message
    assert not DeliverySchedule.objects.exists()


def test_a_webhook_url_gets_a_signing_secret_kept_across_saves(program: Program) -> None:
    settings = ScheduleSettings(
        frequency=Frequency.WEEKLY, weekday=0, webhook_url="https://crm.example/hook"
    )
    first = schedule_save(program=program, settings=settings, actor=None, now=NOW)
    assert first.webhook_secret.startswith("whsec_")
    assert len(first.webhook_secret) > 40
    again = schedule_save(program=program, settings=settings, actor=None, now=NOW)
    assert again.webhook_secret == first.webhook_secret


def test_the_periodic_run_runs_due_schedules_and_moves_them_on(
    program: Program, approved_lead: LeadMaker
) -> None:
    schedule = schedule_save(program=program, settings=WEEKLY_MONDAY, actor=None, now=NOW)
    approved_lead(program, "a")
    due = schedule.next_run_at
    assert due is not None
    assert deliveries_run_due(now=due - timedelta(minutes=1)).batches == []
    run = deliveries_run_due(now=due + timedelta(minutes=3))
    assert [result.program for result in run.batches] == [program]
    schedule.refresh_from_db()
    assert schedule.next_run_at == due + timedelta(days=7)
    assert schedule.last_run_at == due + timedelta(minutes=3)
    assert deliveries_run_due(now=due + timedelta(minutes=4)).batches == []


def test_a_worker_that_was_down_for_weeks_runs_once_then_waits_for_the_next_day(
    program: Program, approved_lead: LeadMaker
) -> None:
    schedule = schedule_save(program=program, settings=WEEKLY_MONDAY, actor=None, now=NOW)
    approved_lead(program, "a")
    late = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # a Thursday, weeks after the due run
    assert len(deliveries_run_due(now=late).batches) == 1
    schedule.refresh_from_db()
    assert schedule.next_run_at == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def test_deliver_now_before_the_due_time_keeps_the_schedule(
    program: Program, approved_lead: LeadMaker
) -> None:
    schedule = schedule_save(program=program, settings=WEEKLY_MONDAY, actor=None, now=NOW)
    approved_lead(program, "a")
    result = delivery_batch_run(program=program, now=NOW + timedelta(hours=1))
    assert result.delivery is not None
    schedule.refresh_from_db()
    assert schedule.next_run_at == result.next_run_at == datetime(2026, 11, 9, 14, 0, tzinfo=UTC)


def test_inactive_schedules_and_partner_programs_are_not_run(
    program: Program, approved_lead: LeadMaker
) -> None:
    schedule_save(
        program=program,
        settings=ScheduleSettings(frequency=Frequency.WEEKLY, weekday=0, is_active=False),
        actor=None,
        now=NOW,
    )
    approved_lead(program, "a")
    assert deliveries_run_due(now=NOW + timedelta(days=30)).batches == []
    assert DeliverySchedule.objects.get().next_run_at is None


def test_a_program_switched_to_partner_routing_keeps_its_schedule_but_is_not_run(
    program: Program, approved_lead: LeadMaker
) -> None:
    schedule_save(program=program, settings=WEEKLY_MONDAY, actor=None, now=NOW)
    approved_lead(program, "a")
    Program.objects.filter(pk=program.pk).update(hand_off_mode=HandOffMode.PARTNERS)
    assert deliveries_run_due(now=NOW + timedelta(days=30)).batches == []


def test_a_batch_that_fails_is_rolled_back_whole_and_stays_due(
    program: Program, approved_lead: LeadMaker, caplog: pytest.LogCaptureFixture
) -> None:
    schedule = schedule_save(program=program, settings=WEEKLY_MONDAY, actor=None, now=NOW)
    lead = approved_lead(program, "a")
    # A column map broken behind the service's back (say, edited in the database).
    DeliverySchedule.objects.filter(pk=schedule.pk).update(column_map=[{"header": "X"}])
    due = schedule.next_run_at
    assert due is not None
    run = deliveries_run_due(now=due + timedelta(minutes=1))
    assert (run.batches, run.failed) == ([], [program.slug])
    assert "delivery batch of acme-demand failed" in caplog.text
    schedule.refresh_from_db()
    assert schedule.next_run_at == due
    assert statuses(lead) == [LeadStatus.APPROVED]
    assert not Delivery.objects.exists()
    assert not OutboxMessage.objects.exists()


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_several_workers_running_due_batches_run_each_schedule_once(
    program: Program, approved_lead: LeadMaker
) -> None:
    programs = [program] + [
        program_create(
            client=program.client, name=f"Program {n}", slug=f"program-{n}", actor=None, now=NOW
        )
        for n in range(3)
    ]
    for each in programs:
        schedule_save(program=each, settings=WEEKLY_MONDAY, actor=None, now=NOW)
        approved_lead(each, "a")
        approved_lead(each, "b")
    due = NOW + timedelta(days=7)
    barrier = threading.Barrier(3)
    ran: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            run = deliveries_run_due(now=due)
            ran.extend(result.program.pk for result in run.batches)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(ran) == sorted(each.pk for each in programs)
    assert Delivery.objects.count() == len(programs)
    assert DeliveryItem.objects.count() == 2 * len(programs)
    assert set(DeliverySchedule.objects.values_list("next_run_at", flat=True)) == {
        datetime(2026, 11, 16, 14, 0, tzinfo=UTC)
    }


def test_a_program_with_both_hand_offs_delivers_to_the_client_too(
    client_a: Client, approved_lead: LeadMaker
) -> None:
    both = program_create(
        client=client_a,
        name="Both",
        slug="both",
        hand_off_mode=HandOffMode.BOTH,
        actor=None,
        now=NOW,
    )
    lead = approved_lead(both, "a")
    result = delivery_batch_run(program=both, now=NOW)
    assert result.delivery is not None
    assert statuses(lead) == ["delivered"]
