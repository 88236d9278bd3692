"""The qualification queue: next lead by rating, score and age; one qualifier per prospect."""

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection, connections

from leadflow.accounts.models import Role, User
from leadflow.core.criteria import QualifyingCriteria, default_criteria
from leadflow.core.errors import CriteriaError
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.leads.models import CallOutcome, EventKind, Lead
from leadflow.leads.services import lead_transition
from leadflow.leads.services.calls import call_record
from leadflow.leads.services.queue import (
    HOLD_MINUTES,
    LeadHeld,
    lead_hold,
    lead_queue_next,
    lead_release,
    lead_submit_for_review,
)
from leadflow.programs.models import Program
from leadflow.programs.services import criteria_publish
from tests.conftest import NOW

HOT = {"budget": "approved", "need": "established", "timeframe_months": 1}
A = {"budget": "approved", "timeframe_months": 5}
B = {"timeframe_months": 8}
B_HIGH_SCORE = {"timeframe_months": 8, "authority": "decision_maker", "need": "none"}


@pytest.fixture
def qualifier(program: Program, make_user: Callable[..., User]) -> User:
    return make_user(Role.QUALIFIER, programs=(program,))


def test_the_queue_gives_hot_before_a_before_b_then_higher_score_then_older(
    program: Program, qualifier: User, make_lead: Callable[..., Lead]
) -> None:
    b_low = make_lead(program, answers=B)
    b_high = make_lead(program, answers=B_HIGH_SCORE)
    a = make_lead(program, answers=A)
    hot = make_lead(program, answers=HOT)
    order = []
    for _ in range(4):
        lead = lead_queue_next(user=qualifier, now=NOW)
        assert lead is not None
        order.append(lead.pk)
        lead_transition(lead=lead, action=Action.SUBMIT_FOR_REVIEW, actor=qualifier, now=NOW)
        lead_release(lead=lead, user=qualifier, now=NOW)
    assert order == [hot.pk, a.pk, b_high.pk, b_low.pk]
    assert lead_queue_next(user=qualifier, now=NOW) is None


def test_taking_a_lead_holds_it_starts_qualifying_and_records_it(
    program: Program, qualifier: User, make_lead: Callable[..., Lead]
) -> None:
    make_lead(program)
    lead = lead_queue_next(user=qualifier, now=NOW)
    assert lead is not None
    assert (lead.held_by, lead.status) == (qualifier, LeadStatus.QUALIFYING)
    assert lead.held_until == NOW + timedelta(minutes=HOLD_MINUTES)
    kinds = list(lead.events.values_list("kind", flat=True))
    assert kinds == [EventKind.CREATED, EventKind.HELD, EventKind.STATUS_CHANGED]


def test_a_held_lead_is_not_given_to_another_qualifier_until_the_hold_expires(
    program: Program,
    qualifier: User,
    make_lead: Callable[..., Lead],
    make_user: Callable[..., User],
) -> None:
    lead = make_lead(program)
    other = make_user(Role.QUALIFIER, programs=(program,))
    assert lead_queue_next(user=qualifier, now=NOW) == lead
    assert lead_queue_next(user=other, now=NOW) is None
    with pytest.raises(LeadHeld):
        lead_hold(lead=lead, user=other, now=NOW)
    later = NOW + timedelta(minutes=HOLD_MINUTES + 1)
    taken = lead_queue_next(user=other, now=later)
    assert taken == lead
    assert taken.held_by == other


def test_asking_again_returns_the_lead_already_held(
    program: Program, qualifier: User, make_lead: Callable[..., Lead]
) -> None:
    make_lead(program, answers=B)
    first = lead_queue_next(user=qualifier, now=NOW)
    make_lead(program, answers=HOT)
    assert lead_queue_next(user=qualifier, now=NOW + timedelta(minutes=5)) == first


def test_a_scheduled_call_back_keeps_the_lead_out_of_the_queue_until_its_time(
    program: Program, qualifier: User, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(program)
    call_record(
        lead=lead,
        caller=qualifier,
        outcome=CallOutcome.CALLBACK,
        note="in a meeting, call after lunch",
        next_call_at=NOW + timedelta(hours=2),
        now=NOW,
    )
    assert lead_queue_next(user=qualifier, now=NOW) is None
    assert lead_queue_next(user=qualifier, now=NOW + timedelta(hours=2)) == lead


def test_the_queue_never_offers_leads_outside_the_qualifier_s_programs(
    program: Program,
    other_program: Program,
    qualifier: User,
    make_lead: Callable[..., Lead],
) -> None:
    make_lead(other_program)
    assert lead_queue_next(user=qualifier, now=NOW) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_qualifiers_never_get_the_same_lead(
    program: Program, make_lead: Callable[..., Lead], make_user: Callable[..., User]
) -> None:
    for _ in range(6):
        make_lead(program)
    qualifiers = [make_user(Role.QUALIFIER, programs=(program,)) for _ in range(6)]
    barrier = threading.Barrier(len(qualifiers))
    taken: list[int | None] = []
    errors: list[BaseException] = []

    def work(user: User) -> None:
        try:
            barrier.wait()
            lead = lead_queue_next(user=user, now=NOW)
            taken.append(lead.pk if lead else None)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(user,)) for user in qualifiers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert None not in taken
    assert len(set(taken)) == len(qualifiers)
    held = Lead.objects.exclude(held_by=None).values_list("held_by", flat=True)
    assert len(set(held)) == len(qualifiers)


def test_a_call_is_logged_with_its_outcome_in_the_history(
    program: Program, qualifier: User, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(program)
    call = call_record(lead=lead, caller=qualifier, outcome=CallOutcome.NO_ANSWER, now=NOW)
    assert (call.caller, call.outcome, call.at) == (qualifier, "no_answer", NOW)
    event = lead.events.latest("id")
    assert (event.kind, event.actor, event.after["outcome"]) == ("call", qualifier, "no_answer")


def test_a_held_lead_with_a_later_call_back_is_not_handed_straight_back(
    program: Program, qualifier: User, make_lead: Callable[..., Lead]
) -> None:
    waiting = make_lead(program, answers=B)
    held = lead_queue_next(user=qualifier, now=NOW)
    assert held is not None
    call_record(
        lead=held,
        caller=qualifier,
        outcome=CallOutcome.CALLBACK,
        next_call_at=NOW + timedelta(days=1),
        now=NOW,
    )
    other = make_lead(program, answers=A)
    assert lead_queue_next(user=qualifier, now=NOW + timedelta(minutes=1)) == other
    assert waiting.pk == held.pk


def test_submitting_for_review_moves_the_lead_and_ends_the_hold_together(
    program: Program, qualifier: User, make_lead: Callable[..., Lead]
) -> None:
    make_lead(program)
    lead = lead_queue_next(user=qualifier, now=NOW)
    assert lead is not None
    lead = lead_submit_for_review(lead=lead, user=qualifier, now=NOW)
    assert (lead.status, lead.held_by, lead.held_until) == (LeadStatus.IN_REVIEW, None, None)
    kinds = list(lead.events.values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.STATUS_CHANGED, EventKind.RELEASED]


def test_a_lead_with_a_required_question_unanswered_cannot_be_submitted(
    program: Program, qualifier: User, make_lead: Callable[..., Lead]
) -> None:
    spec = default_criteria().model_dump(mode="json")
    spec["questions"][0]["required"] = True
    criteria_publish(
        program=program, criteria=QualifyingCriteria.from_dict(spec), actor=None, now=NOW
    )
    make_lead(program, answers={"need": "identified"})
    lead = lead_queue_next(user=qualifier, now=NOW)
    assert lead is not None
    with pytest.raises(CriteriaError, match="budget: an answer is required"):
        lead_submit_for_review(lead=lead, user=qualifier, now=NOW)
    lead.refresh_from_db()
    assert (lead.status, lead.held_by) == (LeadStatus.QUALIFYING, qualifier)
