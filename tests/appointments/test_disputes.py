"""Appointments in the guarantee (issue 20, item 2): a client disputes a delivered call once it
was due and within the window, for one of three reasons; QA decides; an upheld dispute owes a
replacement, which the next new call delivered to the client fills at no charge.

The call: Tuesday 3 November 2026, 10:00 in Los Angeles (18:00 UTC), booked and delivered on
2 November. Acme's timezone is New York; the window is the guarantee's default 10 days, so it
closes at the end of 13 November in New York.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leadflow.accounts.models import Role, User
from leadflow.appointments.models import Appointment, AppointmentDispute
from leadflow.appointments.services import (
    AppointmentDecisionRefused,
    appointment_cancel,
    appointment_deliver,
    appointment_dispute_decide,
    appointment_dispute_raise,
    appointment_outcome_record,
    appointment_reschedule,
)
from leadflow.core.appointments import AppointmentDisputeRefused
from leadflow.core.guarantee import PeriodKind
from leadflow.guarantees.services import guarantee_terms_save
from leadflow.leads.models import Lead, LeadEvent
from leadflow.programs.models import Program
from tests import factories
from tests.appointments.conftest import TUESDAY_10_LA, Book, People
from tests.factories import NOW

pytestmark = pytest.mark.django_db

AFTER_THE_CALL = TUESDAY_10_LA + timedelta(hours=2)
WINDOW_CLOSES = datetime(2026, 11, 13, 23, 59, 59, 999999, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture
def reviewer(program: Program, make_user: Callable[..., User]) -> User:
    return make_user(Role.REVIEWER, programs=(program,))


@pytest.fixture
def delivered(hot_lead: Lead, book: Book) -> Appointment:
    """The call, booked and delivered to Acme."""
    appointment = book(hot_lead)
    assert appointment_deliver(appointment_id=appointment.pk, now=NOW)
    return appointment


def dispute(
    appointment: Appointment,
    user: User,
    reason: str = "no_show",
    now: datetime = AFTER_THE_CALL,
) -> AppointmentDispute:
    return appointment_dispute_raise(
        appointment_id=appointment.pk, user=user, reason=reason, note="Nobody came", now=now
    )


def notes(lead: Lead) -> list[str]:
    return [e.action for e in LeadEvent.objects.filter(lead=lead).order_by("id")]


def test_the_client_disputes_a_delivered_call_after_it_was_due(
    delivered: Appointment, people: People
) -> None:
    found = dispute(delivered, people.seller)
    assert (found.status, found.reason, found.uid) == ("open", "no_show", delivered.uid)
    assert found.ledger_at == NOW  # the period of the call's first delivery
    assert "appointment_disputed" in notes(delivered.lead)


def test_a_call_is_not_disputed_before_it_was_due_nor_after_the_window(
    delivered: Appointment, people: People
) -> None:
    with pytest.raises(AppointmentDisputeRefused, match="has not taken place yet"):
        dispute(
            delivered, people.seller, "outside_criteria", now=TUESDAY_10_LA - timedelta(hours=1)
        )
    with pytest.raises(AppointmentDisputeRefused, match="window closed"):
        dispute(delivered, people.seller, now=WINDOW_CLOSES + timedelta(microseconds=1))
    assert not AppointmentDispute.objects.exists()
    assert "appointment_disputed" not in notes(delivered.lead)  # nothing half-written
    dispute(delivered, people.seller, now=WINDOW_CLOSES)


def test_a_held_call_is_not_disputed_as_a_no_show_but_as_the_wrong_person(
    delivered: Appointment, people: People
) -> None:
    appointment_outcome_record(
        appointment=delivered, held=True, actor=people.seller, now=AFTER_THE_CALL
    )
    with pytest.raises(AppointmentDisputeRefused, match="recorded this call as held"):
        dispute(delivered, people.seller, "no_show")
    assert dispute(delivered, people.seller, "wrong_person").reason == "wrong_person"


def test_only_the_three_reasons_are_accepted(delivered: Appointment, people: People) -> None:
    with pytest.raises(AppointmentDisputeRefused, match="Choose one of the reasons"):
        dispute(delivered, people.seller, "too expensive")


def test_a_call_is_disputed_once(delivered: Appointment, people: People) -> None:
    dispute(delivered, people.seller)
    with pytest.raises(AppointmentDisputeRefused, match="already disputed"):
        dispute(delivered, people.seller, "wrong_person")


def test_a_moved_call_is_disputed_as_the_call_it_was_moved_to(
    delivered: Appointment, people: People
) -> None:
    moved = appointment_reschedule(
        appointment=delivered,
        starts_at=TUESDAY_10_LA + timedelta(days=1),
        actor=people.qualifier,
        now=NOW,
    )
    appointment_deliver(appointment_id=moved.pk, now=NOW)
    later = AFTER_THE_CALL + timedelta(days=1)
    with pytest.raises(AppointmentDisputeRefused, match="was moved"):
        dispute(Appointment.objects.get(pk=delivered.pk), people.seller, now=later)
    assert dispute(moved, people.seller, now=later).uid == delivered.uid


def test_a_cancelled_call_is_not_disputed(hot_lead: Lead, book: Book, people: People) -> None:
    appointment = book(hot_lead)
    appointment_deliver(appointment_id=appointment.pk, now=NOW)
    appointment_cancel(appointment=appointment, actor=people.qualifier, now=NOW)
    with pytest.raises(AppointmentDisputeRefused, match="cancelled"):
        dispute(appointment, people.seller)


def test_a_call_not_delivered_or_of_another_client_does_not_exist_for_the_contact(
    hot_lead: Lead, book: Book, people: People, other_program: Program, make_user
) -> None:
    appointment = book(hot_lead)  # booked, not delivered
    with pytest.raises(Appointment.DoesNotExist):
        dispute(appointment, people.seller)
    appointment_deliver(appointment_id=appointment.pk, now=NOW)
    stranger = make_user(Role.CLIENT, clients=(other_program.client,))
    with pytest.raises(Appointment.DoesNotExist):
        dispute(appointment, stranger)


def test_only_client_contacts_dispute(delivered: Appointment, people: People) -> None:
    for user in (people.qualifier, people.manager):
        with pytest.raises(AppointmentDisputeRefused, match="Only client contacts"):
            dispute(delivered, user)


def test_a_guarantee_switched_off_accepts_no_dispute(
    delivered: Appointment, people: People, program: Program
) -> None:
    guarantee_terms_save(
        program=program, user=people.manager, leads_per_period=0, period=PeriodKind.MONTH,
        dispute_window_days=10, dispute_reasons=["Wrong"], is_active=False, now=NOW,
    )  # fmt: skip
    with pytest.raises(AppointmentDisputeRefused, match="is off"):
        dispute(delivered, people.seller)


def test_qa_decides_with_a_note_and_only_once(
    delivered: Appointment, people: People, reviewer: User
) -> None:
    found = dispute(delivered, people.seller)
    for user in (people.manager, people.seller, people.qualifier):
        with pytest.raises(AppointmentDecisionRefused, match="Only QA reviewers"):
            appointment_dispute_decide(
                dispute_id=found.pk, user=user, uphold=True, note="ok", now=AFTER_THE_CALL
            )
    with pytest.raises(AppointmentDecisionRefused, match="needs a note"):
        appointment_dispute_decide(
            dispute_id=found.pk, user=reviewer, uphold=True, note=" ", now=AFTER_THE_CALL
        )
    decided = appointment_dispute_decide(
        dispute_id=found.pk, user=reviewer, uphold=False, note="The attendee met them",
        now=AFTER_THE_CALL,
    )  # fmt: skip
    assert decided.status == "rejected"
    with pytest.raises(AppointmentDecisionRefused, match="already rejected"):
        appointment_dispute_decide(
            dispute_id=found.pk, user=reviewer, uphold=True, note="no", now=AFTER_THE_CALL
        )
    assert "appointment_dispute_rejected" in notes(delivered.lead)


def test_a_reviewer_of_another_program_does_not_see_the_dispute(
    delivered: Appointment, people: People, other_program: Program, make_user
) -> None:
    found = dispute(delivered, people.seller)
    stranger = make_user(Role.REVIEWER, programs=(other_program,))
    with pytest.raises(AppointmentDispute.DoesNotExist):
        appointment_dispute_decide(
            dispute_id=found.pk, user=stranger, uphold=True, note="x", now=AFTER_THE_CALL
        )


def test_an_upheld_dispute_is_owed_until_the_next_new_call_is_delivered(
    delivered: Appointment, people: People, reviewer: User, program: Program, book: Book
) -> None:
    found = dispute(delivered, people.seller)
    appointment_dispute_decide(
        dispute_id=found.pk, user=reviewer, uphold=True, note="Nobody came", now=AFTER_THE_CALL
    )
    other = factories.rated_lead(
        program=program, rating="a", status="approved", **factories.numbered_contact(2)
    )
    wednesday = TUESDAY_10_LA + timedelta(days=1)
    replacement = book(other, wednesday, now=AFTER_THE_CALL)
    assert AppointmentDispute.objects.get(pk=found.pk).replacement is None  # booked only
    appointment_deliver(appointment_id=replacement.pk, now=AFTER_THE_CALL)
    filled = AppointmentDispute.objects.get(pk=found.pk)
    assert (filled.replacement_id, filled.replaced_at) == (replacement.pk, AFTER_THE_CALL)
    assert "appointment_replacement" in notes(other)
    # A second new call replaces nothing more.
    third = book(other, wednesday + timedelta(hours=2), now=AFTER_THE_CALL)
    appointment_deliver(appointment_id=third.pk, now=AFTER_THE_CALL)
    assert not AppointmentDispute.objects.filter(replacement=third).exists()


def test_a_replacement_cancelled_before_it_took_place_is_owed_again(
    delivered: Appointment, people: People, reviewer: User, program: Program, book: Book
) -> None:
    found = dispute(delivered, people.seller)
    appointment_dispute_decide(
        dispute_id=found.pk, user=reviewer, uphold=True, note="Nobody came", now=AFTER_THE_CALL
    )
    other = factories.rated_lead(
        program=program, rating="a", status="approved", **factories.numbered_contact(2)
    )
    replacement = book(other, TUESDAY_10_LA + timedelta(days=1), now=AFTER_THE_CALL)
    appointment_deliver(appointment_id=replacement.pk, now=AFTER_THE_CALL)
    appointment_cancel(appointment=replacement, actor=people.qualifier, now=AFTER_THE_CALL)
    assert AppointmentDispute.objects.get(pk=found.pk).replacement is None
