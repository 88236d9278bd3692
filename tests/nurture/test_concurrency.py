"""Exactly-once touches with concurrent workers (PostgreSQL: real row locks, real threads)."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from leadflow.leads.models import Lead
from leadflow.notifications.models import OutboxMessage
from leadflow.nurture.models import NurtureSettings, Sequence, TouchSent
from leadflow.nurture.services import leads_enrol, touches_due_process
from leadflow.programs.models import Program
from tests.factories import NOW


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_do_every_due_touch_exactly_once(
    program: Program, sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    NurtureSettings.objects.create(program=program, per_minute=10_000)
    leads = [nurtured(email=f"lead{number}@example.com") for number in range(120)]
    leads_enrol(leads=leads, sequence=sequence, actor=None, now=NOW)
    workers = 4
    barrier = threading.Barrier(workers)
    handled: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            handled.append(touches_due_process(now=NOW, batch_size=10))
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
    assert sum(handled) == 120
    assert len([count for count in handled if count]) > 1  # the workers shared the work
    assert TouchSent.objects.count() == 120
    assert OutboxMessage.objects.filter(key__startswith="nurture:").count() == 120
    assert sorted(TouchSent.objects.values_list("lead_id", flat=True)) == sorted(
        lead.pk for lead in leads
    )
