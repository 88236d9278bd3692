"""Single ownership and the open-lead cap under real concurrency (PostgreSQL, many threads):
two partners never both own a lead, no partner ever exceeds its capacity, and concurrent
sweeps record each missed clock once (DESIGN.md, "Non-functional")."""

import random
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models import Count

from leadflow.core.errors import DomainError
from leadflow.core.sla import SlaTerms
from leadflow.leads.models import Lead
from leadflow.partners.models import Assignment, Partner, Violation
from leadflow.partners.services import (
    lead_claim,
    lead_decline,
    leads_route,
    partner_capacity_set,
    sla_policy_set,
    sla_sweep,
)
from leadflow.programs.models import Program
from tests.conftest import NOW

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]


def run_together(jobs: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Start every job at the same moment in its own thread (and database connection)."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            value = job()
            with lock:
                results.append(value)
        except BaseException as exc:  # collected for the test's own assertions
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def assert_single_owners_and_caps() -> None:
    doubled = Assignment.objects.active().values("lead_id").annotate(n=Count("id")).filter(n__gt=1)
    assert list(doubled) == []
    for partner in Partner.objects.all():
        assert Assignment.objects.open().filter(partner=partner).count() <= partner.capacity


def test_two_partners_claiming_one_lead_end_with_exactly_one_winner(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    owner = make_partner("Owner", program_level="platinum", members=4)
    other = make_partner("Other", members=4)
    lead = make_approved(partner_program, "hot")
    leads_route(lead_ids=[lead.pk], now=NOW)
    users = [m.user for p in (owner, other) for m in p.members.select_related("user")]
    jobs = [(lambda user=user: lead_claim(lead_id=lead.pk, user=user, now=NOW)) for user in users]
    results, errors = run_together(jobs)
    assert len(results) == 1
    kinds = Counter(type(error).__name__ for error in errors)
    assert kinds == {"InvalidTransition": 3, "DoesNotExist": 4}
    (assignment,) = Assignment.objects.filter(lead=lead)
    assert assignment.partner == owner
    assert assignment.claimed_by is not None
    assert lead.events.filter(action="claim").count() == 1


def test_claims_racing_a_decline_never_leave_two_owners(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    """While the first partner declines, the second partner's users keep trying to claim: the
    lead ends with one active assignment, and a claim succeeds only for the owner of the day."""
    first = make_partner("First", program_level="platinum", members=2)
    second = make_partner("Second", members=4)
    for _ in range(5):
        lead = make_approved(partner_program, "a")
        leads_route(lead_ids=[lead.pk], now=NOW)
        decliner, claimer = [m.user for m in first.members.order_by("id")]
        lead_id = lead.pk
        jobs: list[Callable[[], Any]] = [
            partial(
                lead_decline, lead_id=lead_id, user=decliner, reason="no_capacity", note="", now=NOW
            ),
            partial(lead_claim, lead_id=lead_id, user=claimer, now=NOW),
        ]
        jobs += [
            partial(lead_claim, lead_id=lead_id, user=m.user, now=NOW) for m in second.members.all()
        ]
        _, errors = run_together(jobs)
        assert all(isinstance(e, DomainError | Assignment.DoesNotExist) for e in errors), errors
        assert_single_owners_and_caps()
        active = Assignment.objects.active().get(lead=lead)
        claims = lead.events.filter(action="claim").count()
        lead.refresh_from_db()
        if active.partner == second:
            assert lead.status in ("assigned", "claimed")
            assert (active.claimed_at is not None) == (lead.status == "claimed")
        else:
            assert lead.status == "claimed"
            assert claims == 1


def test_one_partner_claiming_past_its_capacity_from_two_browsers_gets_one_lead(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    partner = make_partner(capacity=4, members=2)
    leads = [make_approved(partner_program) for _ in range(4)]
    leads_route(lead_ids=[lead.pk for lead in leads], now=NOW)
    partner_capacity_set(partner_id=partner.pk, capacity=1)
    browsers = [m.user for m in partner.members.all()]
    for attempt in range(3):
        first, second = leads[2 * (attempt % 2)], leads[2 * (attempt % 2) + 1]
        jobs = [
            partial(lead_claim, lead_id=first.pk, user=browsers[0], now=NOW),
            partial(lead_claim, lead_id=second.pk, user=browsers[1], now=NOW),
        ]
        results, errors = run_together(jobs)
        if attempt == 0:
            assert len(results) == 1
            assert [type(e).__name__ for e in errors] == ["CapacityReached"]
        claimed = Assignment.objects.open().filter(partner=partner, claimed_at__isnull=False)
        assert claimed.count() == 1


def test_concurrent_routing_never_exceeds_a_cap_nor_gives_a_lead_two_partners(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    make_partner("Big", capacity=10, program_level="platinum")
    make_partner("Small", capacity=3)
    rng = random.Random(7)
    leads = [make_approved(partner_program, rng.choice(["hot", "a", "b"])).pk for _ in range(30)]
    orders = [rng.sample(leads, len(leads)) for _ in range(6)]
    jobs = [(lambda order=order: leads_route(lead_ids=order[:20], now=NOW)) for order in orders]
    results, errors = run_together(jobs)
    assert errors == []
    assert_single_owners_and_caps()
    assert Assignment.objects.count() == 13
    assigned = [r for batch in results for r in batch if r.status == "assigned"]
    assert len(assigned) == 13
    assert Lead.objects.filter(status="assigned").count() == 13


def test_concurrent_sweeps_record_each_missed_clock_once(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    sla_policy_set(program=partner_program, terms=SlaTerms(violation_threshold=100))
    for _ in range(3):
        make_partner(capacity=40)
    leads = [make_approved(partner_program, "hot").pk for _ in range(24)]
    leads_route(lead_ids=leads, now=NOW)
    later = NOW + timedelta(days=4)
    results, errors = run_together([partial(sla_sweep, now=later, limit=5) for _ in range(4)])
    assert errors == []
    assert Violation.objects.count() == 24
    assert sum(r.violations for r in results) == 24
    assert Violation.objects.values("assignment").distinct().count() == 24
    assert_single_owners_and_caps()
    assert Assignment.objects.active().count() == 24
