"""Entering and leaving nurture sequences: by the lifecycle's events, by hand, at most one."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings

from leadflow.core.errors import DomainRefused
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.leads.models import Lead
from leadflow.leads.services import lead_transition, lead_update_answers
from leadflow.nurture.models import Enrollment, EnrollmentState, LeaveReason, Sequence
from leadflow.nurture.services import lead_enrol, lead_leave, leads_enrol
from leadflow.programs.models import Program
from tests.factories import NOW
from tests.nurture.conftest import C_ANSWERS, build_sequence
from tests.tasks import IMMEDIATE

pytestmark = pytest.mark.django_db


def notes(lead: Lead, action: str) -> list[str]:
    return list(lead.events.filter(action=action).values_list("reason", flat=True))


@override_settings(TASKS=IMMEDIATE)
def test_a_lead_that_becomes_nurturing_enters_the_programs_default_sequence(
    sequence: Sequence,
    make_lead: Callable[..., Lead],
    program: Program,
    django_capture_on_commit_callbacks: Any,
) -> None:
    lead = make_lead(program, answers=C_ANSWERS)
    with django_capture_on_commit_callbacks(execute=True):
        lead_transition(lead=lead, action=Action.NURTURE, actor=None, now=NOW)
    enrollment = Enrollment.objects.get(lead=lead)
    assert (enrollment.sequence, enrollment.state, enrollment.step) == (sequence, "active", 0)
    assert enrollment.next_touch_at is not None
    assert notes(lead, "nurture_entered") == [
        "Entered the nurture sequence “Keep warm” (automatically)"
    ]


@override_settings(TASKS=IMMEDIATE)
def test_a_program_without_a_default_sequence_leaves_nurturing_leads_where_they_are(
    program: Program,
    make_lead: Callable[..., Lead],
    django_capture_on_commit_callbacks: Any,
) -> None:
    build_sequence(program, default=False)
    lead = make_lead(program, answers=C_ANSWERS)
    with django_capture_on_commit_callbacks(execute=True):
        lead_transition(lead=lead, action=Action.NURTURE, actor=None, now=NOW)
    assert not Enrollment.objects.filter(lead=lead).exists()


def test_a_lead_leaving_nurturing_by_any_transition_leaves_its_sequence(
    sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    lead = nurtured()
    lead_enrol(lead=lead, sequence=sequence, actor=None, now=NOW)
    lead_transition(lead=lead, action=Action.DEAD_FILE, actor=None, now=NOW)
    enrollment = Enrollment.objects.get(lead=lead)
    assert (enrollment.state, enrollment.left_reason) == ("left", LeaveReason.STATUS_CHANGED)
    assert enrollment.next_touch_at is None
    assert notes(lead, "nurture_left") == [
        "Left the nurture sequence “Keep warm”: no longer nurturing (dead file)"
    ]


def test_a_lead_that_requalifies_as_a_leaves_nurture_for_hand_off_saying_why(
    sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    lead = nurtured()
    lead_enrol(lead=lead, sequence=sequence, actor=None, now=NOW)
    lead = lead_update_answers(
        lead=lead, answers={"budget": "approved", "timeframe_months": 5}, actor=None, now=NOW
    )
    assert lead.status == LeadStatus.APPROVED
    enrollment = Enrollment.objects.get(lead=lead)
    assert (enrollment.state, enrollment.left_reason) == ("left", LeaveReason.REQUALIFIED)
    handoff = lead.events.get(action="requalify_from_nurture")
    assert handoff.reason == "re-qualified as A"


def test_enrolling_by_hand_moves_a_new_lead_to_nurturing_and_skips_what_cannot_nurture(
    sequence: Sequence,
    program: Program,
    other_program: Program,
    make_lead: Callable[..., Lead],
) -> None:
    fresh = make_lead(program, answers=C_ANSWERS, email="fresh@example.com")
    in_review = lead_transition(
        lead=make_lead(program, email="review@example.com"),
        action=Action.SUBMIT_FOR_REVIEW,
        actor=None,
        now=NOW,
    )
    foreign = make_lead(other_program, email="foreign@example.com")
    result = leads_enrol(leads=[fresh, in_review, foreign], sequence=sequence, actor=None, now=NOW)
    assert result.changed == [fresh.pk]
    assert result.skipped == {
        in_review.pk: "a lead in review cannot be nurtured",
        foreign.pk: "the sequence is of another program",
    }
    fresh.refresh_from_db()
    assert fresh.status == LeadStatus.NURTURING
    assert notes(fresh, "nurture_entered") == ["Entered the nurture sequence “Keep warm” (by hand)"]


def test_a_lead_is_in_one_sequence_at_a_time(
    sequence: Sequence, program: Program, nurtured: Callable[..., Lead]
) -> None:
    other = build_sequence(program, slug="long-term", default=False)
    lead = nurtured()
    lead_enrol(lead=lead, sequence=sequence, actor=None, now=NOW)
    lead_enrol(lead=lead, sequence=other, actor=None, now=NOW)
    states = dict(Enrollment.objects.filter(lead=lead).values_list("sequence__slug", "state"))
    assert states == {"demo-nurture": "left", "long-term": "active"}
    assert Enrollment.objects.get(lead=lead, sequence=sequence).left_reason == LeaveReason.MOVED
    with pytest.raises(DomainRefused, match="already in this sequence"):
        lead_enrol(lead=lead, sequence=other, actor=None, now=NOW)


def test_taking_a_lead_out_by_hand_keeps_it_nurturing(
    sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    lead = nurtured()
    lead_enrol(lead=lead, sequence=sequence, actor=None, now=NOW)
    lead_leave(lead=lead, actor=None, now=NOW, reason="asked by sales")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NURTURING
    assert not Enrollment.objects.filter(lead=lead, state=EnrollmentState.ACTIVE).exists()
    assert notes(lead, "nurture_left") == [
        "Left the nurture sequence “Keep warm”: taken out by hand (asked by sales)"
    ]
    with pytest.raises(DomainRefused, match="not in a nurture sequence"):
        lead_leave(lead=lead, actor=None, now=NOW)
