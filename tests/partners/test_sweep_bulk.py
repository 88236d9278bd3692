"""The sweep and its e-mails set-based (issue 18): the statements of a sweep, of the
notification task it queues and of the outbox writes do not grow with the overdue leads."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadflow.core.sla import SlaTerms, pending_due
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.notifications.models import OutboxMessage
from leadflow.partners.models import Assignment, Partner, Violation
from leadflow.partners.selectors import assignment_times
from leadflow.partners.services import leads_route, sla_policy_set, sla_sweep
from leadflow.partners.services.notify import assignment_key, notifications_send
from leadflow.programs.models import Program
from tests.conftest import NOW

LATER = NOW + timedelta(days=20)


def _overdue(make_approved: Callable[..., Lead], program: Program, leads: int) -> None:
    routed = [make_approved(program, "hot").pk for _ in range(leads)]
    leads_route(lead_ids=routed, now=NOW)


def _sweep_and_notify() -> tuple[int, int, int]:
    """The sweep and then what its notification task does; returns the violations, the
    e-mails queued, and the e-mails expected (one per new assignment, one per partner that
    missed a clock: none of the partners has a manager)."""
    before = set(Violation.objects.values_list("pk", flat=True))
    held = set(Assignment.objects.values_list("pk", flat=True))
    result = sla_sweep(now=LATER)
    emails = notifications_send(
        assignment_ids=list(
            Assignment.objects.filter(assigned_at=LATER).values_list("pk", flat=True)
        ),
        violation_ids=list(Violation.objects.exclude(pk__in=before).values_list("pk", flat=True)),
        now=LATER,
    )
    new = Assignment.objects.filter(assigned_at=LATER).exclude(pk__in=held).count()
    missed = Violation.objects.exclude(pk__in=before).values("partner_id").distinct().count()
    return result.violations, emails, new + missed


@pytest.mark.django_db
def test_sweeping_fifty_overdue_leads_and_queueing_their_emails_takes_the_statements_of_five(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
    django_assert_max_num_queries: Any,
) -> None:
    sla_policy_set(program=partner_program, terms=SlaTerms(violation_threshold=100))
    for format_ in ("csv", "pdf", "link", "csv"):
        make_partner(capacity=60, notify_format=format_)
    _overdue(make_approved, partner_program, 5)
    with CaptureQueriesContext(connection) as few:
        violations, emails, expected = _sweep_and_notify()
    assert (violations, emails) == (5, expected)
    Assignment.objects.active().update(next_due=None)  # out of the next sweep
    _overdue(make_approved, partner_program, 50)
    with django_assert_max_num_queries(len(few)):
        violations, emails, expected = _sweep_and_notify()
    assert (violations, emails) == (50, expected)
    new = Assignment.objects.filter(assigned_at=LATER).order_by("pk")
    assert new.count() == 55
    keys = set(OutboxMessage.objects.values_list("key", flat=True))
    assert {assignment_key(a.pk) for a in new} <= keys
    notified = LeadEvent.objects.filter(kind=EventKind.NOTIFIED, at=LATER)
    assert notified.count() == 55  # one notified event for every new-lead e-mail


@pytest.mark.django_db
def test_the_notification_task_run_twice_queues_nothing_twice(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    for _ in range(2):
        make_partner(capacity=60, notify_format="csv")
    _overdue(make_approved, partner_program, 4)
    sla_sweep(now=LATER)
    ids = list(Assignment.objects.filter(assigned_at=LATER).values_list("pk", flat=True))
    violations = list(Violation.objects.values_list("pk", flat=True))
    first = notifications_send(assignment_ids=ids, violation_ids=violations, now=LATER)
    messages = OutboxMessage.objects.count()
    events = LeadEvent.objects.filter(kind=EventKind.NOTIFIED).count()
    assert first == len(ids) + Violation.objects.values("partner_id").distinct().count()
    assert notifications_send(assignment_ids=ids, violation_ids=violations, now=LATER) == 0
    assert OutboxMessage.objects.count() == messages
    assert LeadEvent.objects.filter(kind=EventKind.NOTIFIED).count() == events


@pytest.mark.django_db
def test_stale_next_due_times_are_put_right_together_without_a_violation(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    make_partner(capacity=60)
    _overdue(make_approved, partner_program, 6)
    early = NOW + timedelta(hours=1)  # every clock still runs: a next_due this early is stale
    Assignment.objects.update(next_due=NOW)
    with CaptureQueriesContext(connection) as captured:
        result = sla_sweep(now=early)
    assert result.violations == 0
    assert not Violation.objects.exists()
    for assignment in Assignment.objects.all():
        assert assignment.next_due == pending_due(assignment_times(assignment))
        assert assignment.next_due is not None
        assert assignment.next_due > early
    # one statement for the six (an executemany is logged once, as "6 times: UPDATE …")
    updates = [q["sql"] for q in captured.captured_queries if 'UPDATE "' in q["sql"]]
    assert len(updates) == 1, updates
