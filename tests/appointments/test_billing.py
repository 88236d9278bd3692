"""Appointments on the billing statement (docs/BILLING.md, "Adding deliverables"): a call
delivered to the client is billed once per invitation at the program's price per appointment
in the month it was first delivered; a moved call stays one line; a cancelled one is not billed;
each line links to the call for a viewer who may see it."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from leadflow.appointments.billing import appointment_urls, delivered_appointments
from leadflow.appointments.services import (
    appointment_cancel,
    appointment_deliver,
    appointment_reschedule,
)
from leadflow.billing.selectors import month_parse, statement_compute
from leadflow.billing.services import TermsInput, billing_terms_save
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests.appointments.conftest import TUESDAY_10_LA, Book, People
from tests.factories import NOW

pytestmark = pytest.mark.django_db

NOVEMBER = (datetime(2026, 11, 1, 4, tzinfo=UTC), datetime(2026, 12, 1, 5, tzinfo=UTC))


def collect(program: Program) -> list[object]:
    start, end = NOVEMBER
    return delivered_appointments(
        program=program, start=start, end=end, upheld_from=None
    ).deliverables


def test_a_delivered_call_is_one_line_priced_per_appointment(
    program: Program, people: People, hot_lead: Lead, book: Book
) -> None:
    appointment = book(hot_lead)
    assert collect(program) == []  # booked, not delivered yet
    appointment_deliver(appointment_id=appointment.pk, now=NOW)
    terms = billing_terms_save(
        program=program,
        user=None,
        data=TermsInput(
            currency="USD", prices={"price_appointment": Decimal("150.00")}, statement_day=1
        ),
        now=NOW,
    )
    statement = statement_compute(program=program, terms=terms, period=month_parse(2026, 11))
    lines = [line for line in statement.lines if line.kind == "appointment"]
    assert [(line.deliverable_id, line.amount) for line in lines] == [
        (appointment.pk, Decimal("150.00"))
    ]


def test_a_moved_call_stays_one_deliverable_and_a_cancelled_one_is_not_billed(
    program: Program, people: People, hot_lead: Lead, book: Book
) -> None:
    first = book(hot_lead)
    appointment_deliver(appointment_id=first.pk, now=NOW)
    moved = appointment_reschedule(
        appointment=first,
        starts_at=TUESDAY_10_LA + timedelta(days=1),
        actor=people.qualifier,
        now=NOW,
    )
    appointment_deliver(appointment_id=moved.pk, now=NOW)
    [deliverable] = collect(program)
    assert deliverable.id == first.pk  # type: ignore[attr-defined]
    appointment_cancel(appointment=moved, actor=people.qualifier, now=NOW)
    assert collect(program) == []


def test_each_line_links_to_the_calls_latest_page_for_those_who_see_it(
    program: Program, people: People, hot_lead: Lead, book: Book
) -> None:
    first = book(hot_lead)
    moved = appointment_reschedule(
        appointment=first,
        starts_at=TUESDAY_10_LA + timedelta(days=1),
        actor=people.qualifier,
        now=NOW,
    )
    assert appointment_urls(user=people.seller, ids=[first.pk]) == {
        str(first.pk): f"/appointments/{moved.pk}/"
    }
    assert appointment_urls(user=people.outsider, ids=[first.pk]) == {}
