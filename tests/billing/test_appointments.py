"""Appointments on the statements of October to December 2026, against figures computed by hand:
an upheld appointment dispute credits what its call was billed, its replacement call is listed
at no charge, and the credit the charges cannot absorb is carried into the next periods.

Terms (conftest.py): Hot 150.00, A 100.00, B 60.00, appointment 200.00, USD. The attendee is
the client's contact (New York, weekdays 09:00-17:00); times below are UTC (New York + 4 in
October, + 5 from November).

October (closed 3 Nov): lead 1 Hot 150.00 (delivered 5 Oct); call A (Wed 7 Oct, delivered 5 Oct)
200.00; call B (Thu 8 Oct, delivered 6 Oct) 200.00. Charges 550.00, total 550.00. The client
disputes A on 9 Oct and B on 10 Oct (the prospect did not attend; both within the 10 days from
the call).

November: A upheld 4 Nov and B upheld 5 Nov, after October closed: credits 200.00 + 200.00 on
November. Call C (delivered 10 Nov) replaces A and call D (delivered 12 Nov) replaces B, each at
no charge; lead 2 B 60.00 (12 Nov). Charges 60.00, credits 400.00: total 0.00, carried forward
340.00.

December: call E 200.00 and lead 3 A 100.00 (2 Dec): charges 300.00, carried in 340.00: total
0.00, carried forward 40.00.
"""

from datetime import UTC, datetime, timedelta

import pytest

from leadflow.appointments.models import Appointment
from leadflow.appointments.services import (
    appointment_book,
    appointment_deliver,
    appointment_dispute_decide,
    appointment_dispute_raise,
)
from leadflow.billing.selectors import month_parse, statement_view
from leadflow.billing.services import statement_close
from leadflow.programs.models import Program
from tests import factories
from tests.billing.conftest import People, at, deliver, rated, terms_for

pytestmark = pytest.mark.django_db

OCTOBER, NOVEMBER, DECEMBER = (month_parse(2026, m) for m in (10, 11, 12))


def call(program: Program, people: People, number: int, booked: datetime, start: datetime) -> int:
    """A call with lead ``number`` (approved, Hot), booked at ``booked`` and delivered then."""
    lead = factories.rated_lead(
        program=program, rating="hot", status="approved", **factories.numbered_contact(number)
    )
    appointment = appointment_book(
        lead=lead,
        attendee=people.contact,
        kind="phone",
        starts_at=start,
        agenda="",
        prospect_confirmed=True,
        confirmation="",
        actor=people.qualifier,
        now=booked,
    )
    assert appointment_deliver(appointment_id=appointment.pk, now=booked)
    return appointment.pk


def summary(
    program: Program, month: int
) -> tuple[list[tuple[str, str, str, str]], tuple[str, ...]]:
    """Each line (line kind, deliverable kind, id, amount) and the totals (charges, credits,
    carried in, total, carried forward)."""
    view = statement_view(program=program, period=month_parse(2026, month))
    assert view is not None
    s = view.statement
    lines = [(x.line.value, x.kind.value, str(x.deliverable_id), str(x.amount)) for x in s.lines]
    return lines, tuple(str(v) for v in (s.charges, s.credits, s.carried_in, s.total,
                                          s.carried_forward))  # fmt: skip


def test_an_upheld_appointment_dispute_is_credited_and_its_replacement_is_free(
    program: Program, people: People
) -> None:
    terms_for(program)
    leads = {1: rated(program, 1, "hot", at(10, 4))}
    deliver(program, [leads[1]], at(10, 5))
    a = call(program, people, 11, at(10, 5), datetime(2026, 10, 7, 15, tzinfo=UTC))
    b = call(program, people, 12, at(10, 6), datetime(2026, 10, 8, 15, tzinfo=UTC))
    disputes = [
        appointment_dispute_raise(
            appointment_id=pk, user=people.contact, reason="no_show", note="", now=when
        ).pk
        for pk, when in ((a, at(10, 9)), (b, at(10, 10)))
    ]
    lines, totals = summary(program, 10)
    assert sorted(lines) == sorted(
        [
            ("charge", "lead", str(leads[1].pk), "150.00"),
            ("charge", "appointment", str(a), "200.00"),
            ("charge", "appointment", str(b), "200.00"),
        ]
    )
    assert totals == ("550.00", "0.00", "0.00", "550.00", "0.00")
    statement_close(program=program, period=OCTOBER, user=None, now=at(11, 3, 12))

    for dispute_id, when in zip(disputes, (at(11, 4), at(11, 5)), strict=True):
        appointment_dispute_decide(
            dispute_id=dispute_id, user=people.reviewer, uphold=True, note="No-show", now=when
        )
    c = call(program, people, 13, at(11, 10), datetime(2026, 11, 12, 15, tzinfo=UTC))
    d = call(program, people, 14, at(11, 12), datetime(2026, 11, 13, 16, tzinfo=UTC))
    leads[2] = rated(program, 2, "b", at(11, 11))
    deliver(program, [leads[2]], at(11, 12))
    lines, totals = summary(program, 11)
    assert sorted(lines) == sorted(
        [
            ("credit", "appointment", str(a), "-200.00"),
            ("credit", "appointment", str(b), "-200.00"),
            ("replacement", "appointment", str(c), "0.00"),
            ("replacement", "appointment", str(d), "0.00"),
            ("charge", "lead", str(leads[2].pk), "60.00"),
        ]
    )
    assert totals == ("60.00", "400.00", "0.00", "0.00", "340.00")
    view = statement_view(program=program, period=NOVEMBER)
    assert view is not None
    replaced = {str(x.deliverable_id): str(x.replaces) for x in view.statement.lines
                if x.line.value == "replacement"}  # fmt: skip
    assert replaced == {str(c): str(a), str(d): str(b)}
    statement_close(program=program, period=NOVEMBER, user=None, now=at(12, 3, 12))

    e = call(program, people, 15, at(12, 2) - timedelta(hours=1), at(12, 3))
    leads[3] = rated(program, 3, "a", at(12, 1))
    deliver(program, [leads[3]], at(12, 2))
    lines, totals = summary(program, 12)
    assert sorted(lines) == sorted(
        [
            ("charge", "appointment", str(e), "200.00"),
            ("charge", "lead", str(leads[3].pk), "100.00"),
        ]
    )
    assert totals == ("300.00", "0.00", "340.00", "0.00", "40.00")
    # The closed months are as they were.
    assert summary(program, 10)[1] == ("550.00", "0.00", "0.00", "550.00", "0.00")
    assert Appointment.objects.filter(replaced_dispute__isnull=False).count() == 2
