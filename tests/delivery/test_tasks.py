"""The background tasks are thin wrappers: each runs its service with the current time."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from leadflow.delivery.models import Delivery
from leadflow.delivery.tasks import (
    deliveries_run_due_task,
    hot_leads_alert_task,
    hot_leads_deliver_task,
)
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests.delivery.conftest import LeadMaker
from tests.tasks import IMMEDIATE

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_tasks_run_their_services(program: Program, approved_lead: LeadMaker) -> None:
    now = timezone.now()
    # Approved with the database task backend: the hand-off their approval announced waits in
    # the queue, unrun, so the tasks below find the leads approved.
    hot = approved_lead(program, "hot", captured=now - timedelta(hours=1))
    waiting = approved_lead(program, "hot", captured=now - timedelta(hours=25), status="in_review")
    missed = approved_lead(program, "hot", captured=now - timedelta(hours=2))
    with override_settings(TASKS=IMMEDIATE):
        _run_the_tasks(hot, waiting, missed)


def _run_the_tasks(hot: Lead, waiting: Lead, missed: Lead) -> None:
    delivered = hot_leads_deliver_task.enqueue([hot.pk, waiting.pk]).return_value
    assert delivered is not None
    assert len(delivered) == 1
    run = deliveries_run_due_task.enqueue().return_value
    assert run is not None
    [swept] = run["hot"]  # the Hot lead the hand-off did not pass
    assert Delivery.objects.get(pk=swept).items.get().lead_id == missed.pk
    assert (run["batches"], run["failed"]) == ([], [])
    alerts = hot_leads_alert_task.enqueue().return_value
    assert alerts == {"alerted": 1, "past_limit": 0, "emails": 0}
