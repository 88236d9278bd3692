"""The demo data set that `make run` and `leadflow demo` load."""

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from leadflow.accounts.models import User
from leadflow.config.schedule import PERIODIC_JOBS
from leadflow.demo.catch_up import tick_after
from leadflow.demo.seed import DELIVERY_SLUG, PARTNERS_SLUG, USERNAMES, demo_load, demo_password
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.notifications.models import MessageStatus, OutboxMessage
from leadflow.notifications.services import email_enqueue
from leadflow.partners.services import leads_route
from leadflow.programs.models import HandOffMode, Program
from tests import factories
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


def test_demo_loads_both_programs_every_role_and_five_hundred_and_two_leads() -> None:
    """500 leads of every channel, and the two its partners registered themselves."""
    result = demo_load(now=NOW)
    assert result.created
    assert dict(Program.objects.values_list("slug", "hand_off_mode")) == {
        PARTNERS_SLUG: HandOffMode.PARTNERS,
        DELIVERY_SLUG: HandOffMode.DELIVERY,
    }
    for username in USERNAMES:
        assert authenticate(username=username, password=demo_password(username)) is not None
    assert User.objects.get(username="admin").is_superuser
    leads = Lead.objects.all()
    assert leads.count() == result.leads == 502
    assert (
        leads.filter(created_at__gte=NOW - timedelta(days=183), created_at__lte=NOW).count() == 502
    )
    assert len(Counter(leads.values_list("channel", flat=True))) == 9
    assert set(leads.values_list("rating", flat=True)) == {"hot", "a", "b", "c", "fyi", None}
    statuses = set(leads.values_list("status", flat=True))
    assert {
        "new",
        "qualifying",
        "in_review",
        "approved",
        "delivered",
        "nurturing",
        "dead_file",
        "disqualified",
    } <= statuses


def test_every_demo_lead_has_its_history_from_creation_on() -> None:
    demo_load(now=NOW)
    created = LeadEvent.objects.filter(kind=EventKind.CREATED).count()
    assert created == 502
    assert not LeadEvent.objects.filter(at__gt=NOW).exists()


def test_loading_the_demo_again_changes_nothing() -> None:
    demo_load(now=NOW)
    counts = (Lead.objects.count(), LeadEvent.objects.count(), User.objects.count())
    again = demo_load(now=NOW + timedelta(days=1))
    assert not again.created
    assert (Lead.objects.count(), LeadEvent.objects.count(), User.objects.count()) == counts


def test_the_demo_leaves_no_hand_off_for_a_starting_worker_to_replay(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[list[object]]],
) -> None:
    """The demo replays six months of history with the apps' own services; the hand-offs its
    approvals announce are replayed by the delivery and partner demos, not queued for later."""
    with django_capture_on_commit_callbacks(execute=True):
        demo_load(now=NOW)
    assert not DBTaskResult.objects.filter(
        task_path="leadflow.lib.tasks.event_handle_task"
    ).exists()


def test_the_demo_tells_its_progress_and_records_its_past_notifications_as_sent() -> None:
    """The worker `make run` starts finds none of the demo's ~165 past e-mails to send (and
    print); a message queued before the load is not the demo's and still waits."""
    waiting = email_enqueue(key="before", to=["a@example.com"], subject="S", body="B", now=NOW)
    lines: list[str] = []
    demo_load(now=NOW, progress=lines.append)
    assert lines[:3] == [
        "Creating 500 leads …",
        "Creating 500 leads … 100/500",
        "Creating 500 leads … 200/500",
    ]
    assert "Creating 500 leads … 500/500" in lines
    assert len(lines) < 15
    demo_messages = OutboxMessage.objects.exclude(pk=waiting.pk)
    assert demo_messages.count() > 100
    assert set(demo_messages.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert not demo_messages.filter(sent_at__isnull=True).exists()
    waiting.refresh_from_db()
    assert waiting.status == MessageStatus.PENDING


def test_first_ticks_after_the_demo_are_quiet_and_a_new_waiting_lead_still_alerts() -> None:
    """Every periodic job run once after the load (as the first start's scheduler does) finds
    nothing to alert, remind or mail: the demo raised its alerts when they were due, in the
    history and the outbox (recorded as sent then). A lead that starts waiting in the routing
    queue after the load is alerted once past its limit, as ever."""
    demo_load(now=NOW)
    routing_alerts = LeadEvent.objects.filter(kind=EventKind.ALERT, action="routing_waiting")
    assert routing_alerts.exists()
    assert all(event.at < NOW - timedelta(days=1) for event in routing_alerts)
    events, messages = LeadEvent.objects.count(), OutboxMessage.objects.count()
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        for job in PERIODIC_JOBS:
            import_string(job.task).func()
    assert (LeadEvent.objects.count(), OutboxMessage.objects.count()) == (events, messages)
    assert not OutboxMessage.objects.filter(status=MessageStatus.PENDING).exists()

    program = Program.objects.get(slug=PARTNERS_SLUG)
    lead = factories.rated_lead(program=program, rating="a", qualifying=True, country="JP")
    (result,) = leads_route(lead_ids=[lead.pk], now=NOW)
    assert result.status == "queued"  # no demo partner covers Japan
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        import_string("leadflow.partners.tasks.routing_queue_alert_task").func()
    assert lead.events.filter(kind=EventKind.ALERT, action="routing_waiting").count() == 1
    (message,) = OutboxMessage.objects.filter(key__startswith=f"routing-alert:{lead.pk}:")
    assert message.status == MessageStatus.PENDING


def test_a_job_s_catch_up_runs_at_its_first_tick_after_the_due_time() -> None:
    every = timedelta(minutes=10)
    due = NOW + timedelta(minutes=3, seconds=1)
    assert tick_after(due, every) == NOW + timedelta(minutes=10)
    assert tick_after(NOW, every) == NOW
