"""The appointments beside the leads on the guarantee ledger (issue 20, item 2), through the
guarantees' extension point (``config/guarantees.py``), and the pages of the disputes of calls.

November 2026 at Acme (monthly periods, New York), 2 valid appointments promised:

- call 1 (Tue 3 Nov): delivered 2 Nov; the attendee recorded the prospect did not attend; the
  client disputed it, QA upheld: one replacement owed;
- call 2 (Tue 3 Nov, afternoon): delivered 2 Nov, held;
- call 3 (Thu 5 Nov): delivered 2 Nov, cancelled the same day: not counted;
- call 4 (Wed 4 Nov): booked and delivered after the decision: the replacement of call 1,
  counted as replaced in November (the period of the call it replaces).

Appointments of November: owed 2, delivered 2, held 1, not attended 1, valid 2 + 1 - 1 = 2,
disputed 1, open 0, upheld 1, replaced 1, awaiting replacement 0, still owed 0.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client

from leadflow.accounts.models import User
from leadflow.appointments.models import Appointment, AppointmentDispute
from leadflow.appointments.services import (
    appointment_cancel,
    appointment_deliver,
    appointment_dispute_decide,
    appointment_dispute_raise,
    appointment_outcome_record,
    appointment_terms_save,
)
from leadflow.guarantees.selectors import program_ledger
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests import factories
from tests.appointments.conftest import TUESDAY_10_LA, Book, People
from tests.factories import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_http")]

AFTER_THE_CALLS = TUESDAY_10_LA + timedelta(hours=6)  # Tue 3 Nov, 16:00 in Los Angeles
LATER = datetime(2026, 11, 20, 15, 0, tzinfo=NOW.tzinfo)

#: November's appointment figures, in the ledger's column order.
NOVEMBER = [2, 2, 1, 1, 2, 1, 0, 1, 1, 0, 0]


@dataclass
class Story:
    program: Program
    calls: dict[int, Appointment]
    dispute: AppointmentDispute
    reviewer: User


def november_story(
    *, program: Program, people: People, hot_lead: Lead, book: Book, reviewer: User
) -> Story:
    """The module's November (see its docstring)."""
    appointment_terms_save(program=program, user=people.manager, appointments_per_period=2, now=NOW)
    second = factories.rated_lead(
        program=program, rating="a", status="approved", **factories.numbered_contact(2)
    )
    calls = {
        1: book(hot_lead),
        2: book(second, TUESDAY_10_LA + timedelta(hours=4)),
        3: book(hot_lead, TUESDAY_10_LA + timedelta(days=2)),
    }
    for call in calls.values():
        appointment_deliver(appointment_id=call.pk, now=NOW)
    appointment_cancel(appointment=calls[3], actor=people.qualifier, now=NOW)
    appointment_outcome_record(
        appointment=calls[1], held=False, actor=people.seller, now=AFTER_THE_CALLS
    )
    appointment_outcome_record(
        appointment=calls[2], held=True, actor=people.seller, now=AFTER_THE_CALLS
    )
    dispute = appointment_dispute_raise(
        appointment_id=calls[1].pk,
        user=people.seller,
        reason="no_show",
        note="Nobody joined",
        now=AFTER_THE_CALLS,
    )
    appointment_dispute_decide(
        dispute_id=dispute.pk,
        user=reviewer,
        uphold=True,
        note="The attendee waited 15 minutes",
        now=AFTER_THE_CALLS,
    )
    third = factories.rated_lead(
        program=program, rating="b", status="approved", **factories.numbered_contact(3)
    )
    calls[4] = book(third, TUESDAY_10_LA + timedelta(days=1), now=AFTER_THE_CALLS)
    appointment_deliver(appointment_id=calls[4].pk, now=AFTER_THE_CALLS)
    return Story(program, calls, AppointmentDispute.objects.get(pk=dispute.pk), reviewer)


@pytest.fixture
def reviewer(program: Program, make_user) -> User:
    from leadflow.accounts.models import Role

    return make_user(Role.REVIEWER, programs=(program,))


@pytest.fixture
def story(program: Program, people: People, hot_lead: Lead, book: Book, reviewer: User) -> Story:
    return november_story(
        program=program, people=people, hot_lead=hot_lead, book=book, reviewer=reviewer
    )


def section_of(program: Program) -> object:
    result = program_ledger(program=Program.objects.get(pk=program.pk), now=LATER)
    [section] = result.sections
    return section, result


def test_the_replacement_is_the_next_new_call_delivered(story: Story) -> None:
    assert story.dispute.replacement_id == story.calls[4].pk


def test_the_ledger_counts_the_appointments_of_the_period_beside_the_leads(story: Story) -> None:
    section, result = section_of(story.program)
    [line] = [
        x for x in result.lines if x.row.period is not None and x.row.period.label == "2026-11"
    ]
    assert line.sections == (NOVEMBER,)
    assert result.total_line.sections == (NOVEMBER,)
    assert section.title == "Appointments"  # type: ignore[attr-defined]
    assert ("Valid appointments owed", "2 per month") in section.facts  # type: ignore[attr-defined]


def test_an_upheld_dispute_awaits_its_replacement_until_a_new_call_is_delivered(
    program: Program, people: People, hot_lead: Lead, book: Book, reviewer: User
) -> None:
    call = book(hot_lead)
    appointment_deliver(appointment_id=call.pk, now=NOW)
    dispute = appointment_dispute_raise(
        appointment_id=call.pk,
        user=people.seller,
        reason="wrong_person",
        note="",
        now=AFTER_THE_CALLS,
    )
    section, result = section_of(program)
    figures = dict(
        zip([c.key for c in section.columns], result.total_line.sections[0], strict=True)
    )  # type: ignore[attr-defined]
    assert (figures["disputed"], figures["open"], figures["valid"]) == (1, 1, 1)
    appointment_dispute_decide(
        dispute_id=dispute.pk, user=reviewer, uphold=True, note="The CFO's assistant", now=LATER
    )
    section, result = section_of(program)
    figures = dict(
        zip([c.key for c in section.columns], result.total_line.sections[0], strict=True)
    )  # type: ignore[attr-defined]
    assert (figures["upheld"], figures["valid"], figures["awaiting_replacement"]) == (1, 0, 1)
    assert (figures["owed"], figures["still_owed"]) == (0, 0)  # no number promised


def test_a_program_without_calls_or_promise_shows_leads_only(program: Program) -> None:
    result = program_ledger(program=Program.objects.get(pk=program.pk), now=LATER)
    assert result.sections == ()


def cells(page: str, period: str) -> list[int]:
    row = re.search(rf'<tr data-period="{period}">(.*?)</tr>', page, re.S)
    assert row is not None
    return [int(x) for x in re.findall(r'<td class="num[^"]*">(?:<strong>)?(\d+)', row.group(1))]


def test_the_ledger_page_shows_leads_and_appointments_side_by_side(
    client: Client, story: Story, people: People
) -> None:
    for user in (people.manager, people.seller, story.reviewer):
        client.force_login(user)
        with time_machine.travel(LATER, tick=False):
            response = client.get(f"/disputes/programs/{story.program.slug}/ledger")
        assert response.status_code == 200
        page = response.content.decode()
        for words in (">Leads</th>", ">Appointments</th>", ">Not attended</th>"):
            assert words in page
        assert "Valid appointments owed" in page
        assert cells(page, "2026-11")[10:] == NOVEMBER
        assert cells(page, "total")[10:] == NOVEMBER
        edits = f"/appointments/programs/{story.program.slug}/terms" in page
        assert edits == (user == people.manager)


def test_the_manager_sets_the_appointments_owed(
    client: Client, program: Program, people: People
) -> None:
    client.force_login(people.manager)
    url = f"/appointments/programs/{program.slug}/terms"
    assert client.get(url).status_code == 200
    assert client.post(url, {"appointments_per_period": "-1"}).status_code == 400
    response = client.post(url, {"appointments_per_period": "3"})
    assert response.status_code == 302
    assert program.appointment_terms.appointments_per_period == 3
    client.force_login(people.seller)
    assert client.post(url, {"appointments_per_period": "9"}).status_code == 403


# --- The pages of the disputes of calls ------------------------------------------------------


def test_the_client_disputes_a_call_on_its_page_and_qa_upholds_it(
    client: Client, program: Program, people: People, hot_lead: Lead, book: Book, reviewer: User
) -> None:
    call = book(hot_lead)
    appointment_deliver(appointment_id=call.pk, now=NOW)
    client.force_login(people.seller)
    with time_machine.travel(AFTER_THE_CALLS, tick=False):
        index = client.get("/appointments/disputes/").content.decode()
        assert f"/appointments/{call.pk}/dispute" in index
        form = client.get(f"/appointments/{call.pk}/dispute").content.decode()
        for reason in ("The prospect did not attend", "The wrong person attended"):
            assert reason in form
        assert client.post(f"/appointments/{call.pk}/dispute", {"reason": "x"}).status_code == 400
        response = client.post(
            f"/appointments/{call.pk}/dispute", {"reason": "no_show", "note": "Nobody came"}
        )
        assert response.status_code == 302
        dispute = AppointmentDispute.objects.get()
        client.force_login(reviewer)
        detail = client.get(f"/appointments/disputes/{dispute.pk}/").content.decode()
        assert "Record the decision" in detail
        assert "The prospect did not attend" in detail
        assert (
            client.post(
                f"/appointments/disputes/{dispute.pk}/decide", {"decision": "uphold"}
            ).status_code
            == 400
        )  # no note
        response = client.post(
            f"/appointments/disputes/{dispute.pk}/decide",
            {"decision": "uphold", "note": "Confirmed with the attendee"},
        )
        assert response.status_code == 302
        again = client.post(
            f"/appointments/disputes/{dispute.pk}/decide", {"decision": "reject", "note": "x"}
        )
        assert again.status_code == 409
        assert "already upheld" in again.content.decode()
    assert AppointmentDispute.objects.get().status == "upheld"


def test_a_refused_dispute_is_a_409_with_the_reason_and_nothing_written(
    client: Client, people: People, hot_lead: Lead, book: Book
) -> None:
    call = book(hot_lead)
    appointment_deliver(appointment_id=call.pk, now=NOW)
    appointment_outcome_record(
        appointment=call, held=True, actor=people.seller, now=AFTER_THE_CALLS
    )
    client.force_login(people.seller)
    with time_machine.travel(AFTER_THE_CALLS, tick=False):
        response = client.post(f"/appointments/{call.pk}/dispute", {"reason": "no_show"})
    assert response.status_code == 409
    assert "recorded this call as held" in response.content.decode()
    assert not AppointmentDispute.objects.exists()


def test_the_dispute_pages_are_not_found_out_of_scope(
    client: Client,
    people: People,
    hot_lead: Lead,
    book: Book,
    other_program: Program,
    make_user,
) -> None:
    from leadflow.accounts.models import Role

    call = book(hot_lead)
    appointment_deliver(appointment_id=call.pk, now=NOW)
    dispute = appointment_dispute_raise(
        appointment_id=call.pk, user=people.seller, reason="no_show", note="", now=AFTER_THE_CALLS
    )
    stranger = make_user(Role.CLIENT, clients=(other_program.client,))
    other_reviewer = make_user(Role.REVIEWER, programs=(other_program,))
    client.force_login(stranger)
    assert client.get(f"/appointments/{call.pk}/dispute").status_code == 404
    assert client.get(f"/appointments/disputes/{dispute.pk}/").status_code == 404
    client.force_login(other_reviewer)
    assert client.get(f"/appointments/disputes/{dispute.pk}/").status_code == 404
    response = client.post(
        f"/appointments/disputes/{dispute.pk}/decide", {"decision": "uphold", "note": "x"}
    )
    assert response.status_code == 404
    client.force_login(people.qualifier)  # no dispute role
    assert client.get("/appointments/disputes/").status_code == 403
    assert client.get(f"/appointments/{call.pk}/dispute").status_code == 403
    assert AppointmentDispute.objects.get().status == "open"
