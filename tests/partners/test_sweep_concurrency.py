"""Two schedulers running the set-based sweep at once, and its notification tasks run twice,
also at once (issue 18, item 4; PostgreSQL, row locks): every missed clock is handled once,
with one violation, one history entry per step and one e-mail per key."""

from collections.abc import Callable
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection
from django.db.models import Count
from django_tasks_db.models import DBTaskResult

from leadflow.core.sla import SlaTerms
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.notifications.models import OutboxMessage
from leadflow.partners.models import Assignment, Partner, Violation
from leadflow.partners.services import leads_route, sla_policy_set, sla_sweep
from leadflow.partners.services.notify import notifications_send
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.partners.test_concurrency import assert_single_owners_and_caps, run_together

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]

LATER = NOW + timedelta(days=4)
LEADS = 30


def _doubled(kind: EventKind) -> list[dict[str, int]]:
    return list(
        LeadEvent.objects.filter(at=LATER, kind=kind)
        .values("lead_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )


def test_two_sweeps_at_once_write_each_transition_event_and_email_once(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    sla_policy_set(program=partner_program, terms=SlaTerms(violation_threshold=100))
    for _ in range(3):
        make_partner(capacity=40)
    leads = [make_approved(partner_program, "hot").pk for _ in range(LEADS)]
    leads_route(lead_ids=leads, now=NOW)
    DBTaskResult.objects.all().delete()  # the hand-off's own tasks: not what is proven here

    results, errors = run_together([partial(sla_sweep, now=LATER, limit=4) for _ in range(2)])

    assert errors == []
    assert sum(r.violations for r in results) == LEADS
    assert Violation.objects.count() == LEADS
    assert Violation.objects.values("assignment").distinct().count() == LEADS
    assert_single_owners_and_caps()
    assert Assignment.objects.active().count() == LEADS
    # Each lead: one violation entry, one reassignment (assigned → assigned to the next partner).
    assert LeadEvent.objects.filter(at=LATER, kind=EventKind.VIOLATION).count() == LEADS
    assert LeadEvent.objects.filter(at=LATER, kind=EventKind.STATUS_CHANGED).count() == LEADS
    assert _doubled(EventKind.VIOLATION) == []
    assert _doubled(EventKind.STATUS_CHANGED) == []

    # The notification tasks the sweeps queued (one per batch), each run twice at once, as
    # two workers picking up the same task (or a second scheduler's retry) would.
    tasks = [
        task.args_kwargs["kwargs"]
        for task in DBTaskResult.objects.filter(task_path__endswith="partner_notifications_task")
    ]
    assert len(tasks) == sum(r.batches for r in results if r.violations)
    queued, errors = run_together(
        [partial(notifications_send, now=LATER, **kwargs) for kwargs in tasks for _ in range(2)]
    )

    assert errors == []
    keys = list(OutboxMessage.objects.filter(created_at=LATER).values_list("key", flat=True))
    assert len(keys) == len(set(keys)) == sum(queued)
    new_lead_mails = [key for key in keys if key.startswith("partner-notify:assignment:")]
    assert len(new_lead_mails) == LEADS  # one per new assignment
    assert LeadEvent.objects.filter(at=LATER, kind=EventKind.NOTIFIED).count() == LEADS
    assert _doubled(EventKind.NOTIFIED) == []
    # The violation notices: one per partner and batch that missed a clock, never twice.
    assert len(keys) - LEADS == len({key for key in keys if key.startswith("partner-violation")})
