"""Sales tasks: the inquiry flow by inquiry type, due dates on the program's working days,
doing and cancelling, the owner's checks, the history's notes, and the reminders."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import override_settings

from leadflow.accounts.models import Role, User
from leadflow.core.enums import InquiryType
from leadflow.core.errors import DomainRefused, InputError
from leadflow.core.lifecycle import Action
from leadflow.leads.models import Lead
from leadflow.leads.services import lead_transition
from leadflow.leads.services.queue import lead_hold
from leadflow.notifications.models import OutboxMessage
from leadflow.programs.models import Program
from leadflow.sales.models import SalesSettings, Task, TaskKind, TaskState
from leadflow.sales.selectors.tasks import my_tasks, tasks_for_user
from leadflow.sales.services.tasks import (
    lead_flow_start,
    task_cancel,
    task_create,
    task_done,
    task_reminders_send,
    task_update,
    working_due,
)
from tests.factories import NOW
from tests.tasks import IMMEDIATE

pytestmark = pytest.mark.django_db

# NOW is Monday 2 November 2026, 14:30 UTC (09:30 in New York, the client's timezone).
THU_5_NOV_10_EST = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)


def notes(lead: Lead, action: str) -> list[str]:
    return list(lead.events.filter(action=action).order_by("id").values_list("reason", flat=True))


@pytest.fixture
def seller(make_user: Callable[..., User], program: Program) -> User:
    return make_user(Role.QUALIFIER, programs=(program,), email="sam@acme.example")


def _flow(lead: Lead) -> list[tuple[str, str, datetime]]:
    return [
        (task.kind, task.title, task.due_at)
        for task in Task.objects.filter(lead=lead).order_by("due_at", "id")
    ]


def test_a_general_inquiry_gets_a_call_the_kit_and_a_follow_up_three_working_days_later(
    make_lead: Callable[..., Lead], program: Program, seller: User
) -> None:
    lead = make_lead(program, inquiry_type=InquiryType.INFORMATION_REQUEST)
    lead_flow_start(lead=lead, owner=seller, actor=None, now=NOW)
    assert _flow(lead) == [
        (TaskKind.PREQUALIFY_CALL, "", NOW),
        (TaskKind.SEND_SALES_KIT, "", NOW),
        (TaskKind.FOLLOW_UP_CALL, "", THU_5_NOV_10_EST),
    ]
    assert set(Task.objects.filter(lead=lead).values_list("owner", "state")) == {
        (seller.pk, TaskState.OPEN)
    }
    assert notes(lead, "sales_task_added")[-1] == (
        "Task added: Follow-up call, due Thu 5 Nov 2026, 10:00 EST, for user1."
    )


@pytest.mark.parametrize(
    ("inquiry_type", "expected"),
    [
        (
            InquiryType.NEEDS_ASSESSMENT_REQUEST,
            [
                (TaskKind.PREQUALIFY_CALL, ""),
                (TaskKind.SEND_SALES_KIT, "Send the needs-assessment kit"),
            ],
        ),
        (InquiryType.DEMO_REQUEST, [(TaskKind.DEMO_PREPARATION, "Schedule the demo")]),
        (
            InquiryType.DEMO_AND_PROPOSAL_REQUEST,
            [
                (TaskKind.DEMO_PREPARATION, "Schedule the demo"),
                (TaskKind.PROPOSAL_FOLLOW_UP, "Prepare the proposal"),
            ],
        ),
    ],
)
def test_each_inquiry_type_gets_its_own_flow(
    make_lead: Callable[..., Lead],
    program: Program,
    seller: User,
    inquiry_type: InquiryType,
    expected: list[tuple[str, str]],
) -> None:
    lead = make_lead(program, inquiry_type=inquiry_type)
    lead_flow_start(lead=lead, owner=seller, actor=None, now=NOW)
    assert [(kind, title) for kind, title, _ in _flow(lead)] == expected


def test_the_flow_is_a_program_setting_and_never_gives_a_step_twice(
    make_lead: Callable[..., Lead], program: Program, seller: User
) -> None:
    SalesSettings.objects.create(
        program=program,
        task_flow={
            "information_request": [
                {"kind": "follow_up_call", "after_working_days": 1, "title": "Call back"},
                {"kind": "nonsense", "after_working_days": 1},
                {"kind": "other", "after_working_days": -2},
            ]
        },
    )
    lead = make_lead(program)
    first = lead_flow_start(lead=lead, owner=seller, actor=None, now=NOW)
    again = lead_flow_start(lead=lead, owner=seller, actor=None, now=NOW + timedelta(days=1))
    assert [task.title for task in first] == ["Call back"]
    assert again == []
    # One working day after Monday, at the program's task hour (10:00 New York).
    assert _flow(lead) == [
        (TaskKind.FOLLOW_UP_CALL, "Call back", datetime(2026, 11, 3, 15, 0, tzinfo=UTC))
    ]


def test_due_dates_skip_weekends_public_holidays_and_closure_days(program: Program) -> None:
    # Tuesday 10 November: Wednesday 11 is Veterans Day, then Thursday, Friday, (weekend),
    # Monday 16 — and with Monday a closure day, Tuesday 17.
    start = datetime(2026, 11, 10, 20, 0, tzinfo=UTC)
    assert working_due(program=program, start=start, working_days=3) == datetime(
        2026, 11, 16, 15, 0, tzinfo=UTC
    )
    program.closure_days = ["2026-11-16"]
    program.save(update_fields=["closure_days"])
    assert working_due(program=program, start=start, working_days=3) == datetime(
        2026, 11, 17, 15, 0, tzinfo=UTC
    )
    assert working_due(program=program, start=start, working_days=0) == start


def test_the_day_is_the_client_s_local_day(program: Program) -> None:
    """Friday 23:30 in New York is Saturday in UTC: one working day later is Monday."""
    friday_night = datetime(2026, 11, 7, 4, 30, tzinfo=UTC)
    assert working_due(program=program, start=friday_night, working_days=1) == datetime(
        2026, 11, 9, 15, 0, tzinfo=UTC
    )


@override_settings(TASKS=IMMEDIATE)
def test_a_qualifier_taking_a_lead_up_gets_its_flow(
    make_lead: Callable[..., Lead],
    program: Program,
    seller: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    lead = make_lead(program, inquiry_type=InquiryType.DEMO_REQUEST)
    with django_capture_on_commit_callbacks(execute=True):
        lead_hold(lead=lead, user=seller, now=NOW)
    task = Task.objects.get(lead=lead)
    assert (task.kind, task.owner, task.flow_step) == (
        TaskKind.DEMO_PREPARATION,
        seller,
        "demo_request:0",
    )


@override_settings(TASKS=IMMEDIATE)
def test_a_lead_nobody_holds_or_owns_gets_no_flow(
    make_lead: Callable[..., Lead], program: Program, django_capture_on_commit_callbacks: Any
) -> None:
    lead = make_lead(program)
    with django_capture_on_commit_callbacks(execute=True):
        lead_transition(lead=lead, action=Action.START_QUALIFYING, actor=None, now=NOW)
    assert not Task.objects.filter(lead=lead).exists()


def test_a_task_is_done_once_with_its_outcome_and_every_step_is_a_note(
    make_lead: Callable[..., Lead], program: Program, seller: User
) -> None:
    lead = make_lead(program)
    task = task_create(
        lead=lead,
        kind=TaskKind.PREQUALIFY_CALL,
        owner=seller,
        due_at=NOW + timedelta(hours=1),
        actor=seller,
        now=NOW,
    )
    task = task_update(task=task, due_at=NOW + timedelta(days=1), actor=seller, now=NOW)
    task = task_done(task=task, outcome="Verified the contact; budget Q1", actor=seller, now=NOW)
    assert (task.state, task.done_at, task.outcome) == (
        TaskState.DONE,
        NOW,
        "Verified the contact; budget Q1",
    )
    with pytest.raises(DomainRefused, match="done, no longer open"):
        task_cancel(task=task, actor=seller, now=NOW)
    assert notes(lead, "sales_task_changed") == [
        "Task changed: Pre-qualify call, due Tue 3 Nov 2026, 09:30 EST."
    ]
    assert notes(lead, "sales_task_done") == [
        "Task done: Pre-qualify call. Outcome: Verified the contact; budget Q1"
    ]


def test_a_cancelled_task_says_why(
    make_lead: Callable[..., Lead], program: Program, seller: User
) -> None:
    lead = make_lead(program)
    task = task_create(
        lead=lead, kind=TaskKind.OTHER, title="Send pricing", owner=seller, due_at=NOW,
        actor=seller, now=NOW,
    )  # fmt: skip
    task_cancel(task=task, reason="the prospect called first", actor=seller, now=NOW)
    assert notes(lead, "sales_task_cancelled") == [
        "Task cancelled: Send pricing (the prospect called first)."
    ]


def test_the_owner_must_see_the_lead_and_do_sales_work(
    make_lead: Callable[..., Lead],
    program: Program,
    other_program: Program,
    make_user: Callable[..., User],
) -> None:
    lead = make_lead(program)
    elsewhere = make_user(Role.QUALIFIER, programs=(other_program,))
    marketer = make_user(Role.MARKETER, programs=(program,))
    for owner, reason in ((elsewhere, "cannot see this lead"), (marketer, "does not do sales")):
        with pytest.raises(InputError, match=reason) as caught:
            task_create(
                lead=lead, kind=TaskKind.OTHER, owner=owner, due_at=NOW, actor=None, now=NOW
            )
        assert caught.value.field == "owner"
    with pytest.raises(InputError) as caught:
        task_create(lead=lead, kind="lunch", owner=marketer, due_at=NOW, actor=None, now=NOW)
    assert caught.value.field == "kind"


def test_my_tasks_are_overdue_today_and_upcoming(
    make_lead: Callable[..., Lead], program: Program, seller: User, make_user: Callable[..., User]
) -> None:
    lead = make_lead(program)
    other = make_user(Role.QUALIFIER, programs=(program,))

    def add(due: datetime, owner: User = seller) -> Task:
        return task_create(
            lead=lead, kind=TaskKind.OTHER, owner=owner, due_at=due, actor=None, now=NOW
        )

    late = add(NOW - timedelta(days=2))
    soon = add(NOW + timedelta(hours=2))
    later = add(NOW + timedelta(days=3))
    add(NOW, owner=other)
    done = add(NOW - timedelta(days=1))
    task_done(task=done, actor=seller, now=NOW)
    mine = my_tasks(user=seller, now=NOW)
    assert (mine.overdue, mine.today, mine.upcoming) == ([late], [soon], [later])
    assert list(tasks_for_user(seller, due_before=NOW + timedelta(days=1))) == [late, soon]


def test_reminders_go_by_e_mail_once_at_their_time(
    make_lead: Callable[..., Lead], program: Program, seller: User
) -> None:
    lead = make_lead(program)
    task = task_create(
        lead=lead,
        kind=TaskKind.FOLLOW_UP_CALL,
        owner=seller,
        due_at=NOW + timedelta(hours=2),
        note="Ask about the budget",
        actor=None,
        now=NOW,
    )
    assert task.remind_at == NOW + timedelta(hours=1, minutes=30)
    assert task_reminders_send(now=NOW) == 0
    assert task_reminders_send(now=NOW + timedelta(hours=1, minutes=30)) == 1
    assert task_reminders_send(now=NOW + timedelta(hours=2)) == 0
    message = OutboxMessage.objects.get(key__startswith="sales-reminder:")
    assert message.content["to"] == ["sam@acme.example"]
    assert message.content["subject"] == (
        "Reminder: Follow-up call for Ada Lovelace (Analytical Engines Ltd)"
    )
    assert "is due Mon 2 Nov 2026, 11:30 EST" in message.content["body"]
    assert "Ask about the budget" in message.content["body"]
    # A new due time gives a new reminder.
    task_update(task=task, due_at=NOW + timedelta(days=1), actor=None, now=NOW)
    assert task_reminders_send(now=NOW + timedelta(days=1)) == 1
    assert OutboxMessage.objects.filter(key__startswith="sales-reminder:").count() == 2


def test_a_task_due_already_has_no_reminder(
    make_lead: Callable[..., Lead], program: Program, seller: User
) -> None:
    lead = make_lead(program)
    task = task_create(
        lead=lead, kind=TaskKind.OTHER, owner=seller, due_at=NOW, actor=None, now=NOW
    )
    assert task.remind_at is None
    assert task_reminders_send(now=NOW + timedelta(days=5)) == 0
