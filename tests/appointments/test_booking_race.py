"""No double booking (PostgreSQL: real row locks, two threads each with its own connection):
two qualifiers booking the same slot with one attendee at once end with exactly one call."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from leadflow.appointments.models import Appointment
from leadflow.appointments.services import SlotTaken
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests import factories
from tests.appointments.conftest import Book, People

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]


def race(*jobs: Callable[[], object]) -> list[BaseException | None]:
    barrier = threading.Barrier(len(jobs))
    outcomes: list[BaseException | None] = [None] * len(jobs)

    def run(index: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as exc:  # reported in the test's thread
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_bookings_of_one_slot_at_once_end_with_one_call(
    program: Program, people: People, hot_lead: Lead, book: Book
) -> None:
    other = factories.rated_lead(
        program=program, rating="a", status="approved", **factories.numbered_contact(2)
    )

    def booking(lead: Lead) -> Callable[[], object]:
        return lambda: book(
            lead, kind="video", agenda="", prospect_confirmed=False, confirmation=""
        )

    outcomes = race(booking(hot_lead), booking(other))
    assert sorted(type(o).__name__ for o in outcomes) == ["NoneType", "SlotTaken"]
    assert any(isinstance(o, SlotTaken) for o in outcomes)
    assert Appointment.objects.filter(attendee=people.seller, state="booked").count() == 1
