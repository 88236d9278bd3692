"""The demo data set that `make run` and `leadflow demo` load."""

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django_tasks_db.models import DBTaskResult

from leadflow.accounts.models import User
from leadflow.demo.seed import DELIVERY_SLUG, PARTNERS_SLUG, USERNAMES, demo_load, demo_password
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.notifications.models import MessageStatus, OutboxMessage
from leadflow.notifications.services import email_enqueue
from leadflow.programs.models import HandOffMode, Program
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


def test_demo_loads_both_programs_every_role_and_five_hundred_leads() -> None:
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
    assert leads.count() == 500
    assert (
        leads.filter(created_at__gte=NOW - timedelta(days=183), created_at__lte=NOW).count() == 500
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
    assert created == 500
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
