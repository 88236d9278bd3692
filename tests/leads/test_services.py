"""Every change of a lead goes through the lifecycle and leaves a LeadEvent."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from leadflow.accounts.models import Role, User
from leadflow.core.criteria import QualifyingCriteria, default_criteria
from leadflow.core.enums import DisqualificationReason
from leadflow.core.errors import CriteriaError, InvalidTransition
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.services import (
    LeadInput,
    lead_create,
    lead_disqualify,
    lead_requalify,
    lead_transition,
    lead_update_answers,
    leads_requalify_bulk,
)
from leadflow.programs.models import Program
from leadflow.programs.services import criteria_publish
from tests.conftest import NOW


def test_creating_a_lead_qualifies_it_and_records_the_created_event(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(program)
    assert (lead.stage, lead.rating) == ("qualified_opportunity", "hot")
    assert lead.bant == {"budget": True, "authority": True, "need": True, "timeframe": True}
    assert lead.criteria_version is not None
    assert lead.criteria_version.number == 1
    assert any(line.startswith("Rated Hot: ") for line in lead.explanation)
    event = lead.events.get()
    assert (event.kind, event.to_status, event.at) == (EventKind.CREATED, "new", NOW)
    assert event.after["answers"]["budget"] == "approved"
    assert event.after["rating"] == "hot"


def test_a_lead_with_an_invalid_answer_is_not_created(program: Program) -> None:
    with pytest.raises(CriteriaError, match="budget"):
        lead_create(
            program=program, data=LeadInput(answers={"budget": "lots"}), actor=None, now=NOW
        )
    assert Lead.objects.count() == 0


def test_a_transition_records_actor_time_before_and_after(
    program: Program, make_lead: Callable[..., Lead], make_user: Callable[..., User]
) -> None:
    qualifier = make_user(Role.QUALIFIER, programs=(program,))
    lead = make_lead(program)
    later = NOW + timedelta(hours=2)
    lead = lead_transition(lead=lead, action=Action.START_QUALIFYING, actor=qualifier, now=later)
    assert lead.status == LeadStatus.QUALIFYING
    event = lead.events.latest("id")
    assert event.kind == EventKind.STATUS_CHANGED
    assert (event.actor, event.at, event.action) == (qualifier, later, "start_qualifying")
    assert (event.before, event.after) == ({"status": "new"}, {"status": "qualifying"})


def test_an_invalid_transition_changes_nothing_and_records_nothing(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(program)
    with pytest.raises(InvalidTransition):
        lead_transition(lead=lead, action=Action.DELIVER, actor=None, now=NOW)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert lead.events.count() == 1


def test_push_back_keeps_its_reason_in_the_history(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(program)
    lead = lead_transition(lead=lead, action=Action.SUBMIT_FOR_REVIEW, actor=None, now=NOW)
    lead = lead_transition(
        lead=lead, action=Action.PUSH_BACK, actor=None, now=NOW, reason="authority not confirmed"
    )
    assert lead.status == LeadStatus.QUALIFYING
    assert lead.events.latest("id").reason == "authority not confirmed"


def test_disqualifying_removes_the_rating_but_keeps_the_stage(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(program)
    lead = lead_disqualify(lead=lead, reason=DisqualificationReason.COMPETITOR, actor=None, now=NOW)
    assert (lead.status, lead.rating, lead.stage) == ("disqualified", None, "qualified_opportunity")
    kinds = list(lead.events.values_list("kind", flat=True))
    assert kinds == [EventKind.CREATED, EventKind.STATUS_CHANGED, EventKind.QUALIFIED]


def test_new_answers_requalify_the_lead_and_both_steps_are_recorded(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(program)
    lead = lead_update_answers(lead=lead, answers={"timeframe_months": 12}, actor=None, now=NOW)
    assert lead.rating == "c"
    updated, qualified = lead.events.order_by("-id")[1], lead.events.latest("id")
    assert updated.kind == EventKind.UPDATED
    assert updated.before["answers"]["timeframe_months"] == 2
    assert updated.after["answers"]["timeframe_months"] == 12
    assert (qualified.before["rating"], qualified.after["rating"]) == ("hot", "c")


def test_publishing_new_criteria_does_not_rewrite_existing_leads(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(program, answers={"budget": "approved", "timeframe_months": 5})
    assert lead.rating == "a"
    stricter = default_criteria().model_copy(update={"horizon_months": 4})
    version = criteria_publish(program=program, criteria=stricter, actor=None, now=NOW)
    lead.refresh_from_db()
    assert (lead.rating, lead.criteria_version.number, lead.bant_timeframe) == ("a", 1, True)

    lead = lead_requalify(lead=lead, actor=None, now=NOW)
    assert lead.criteria_version == version
    assert lead.bant_timeframe is False
    event = lead.events.latest("id")
    assert event.reason == "criteria version 2"
    assert (event.before["criteria_version"], event.after["criteria_version"]) == (1, 2)


def test_bulk_requalification_moves_open_leads_to_the_new_version_with_events(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    open_lead = make_lead(program, answers={"budget": "approved", "timeframe_months": 5})
    delivered = make_lead(program, answers={"budget": "approved", "timeframe_months": 5})
    for action in (Action.SUBMIT_FOR_REVIEW, Action.APPROVE, Action.DELIVER):
        delivered = lead_transition(lead=delivered, action=action, actor=None, now=NOW)
    spec = default_criteria().model_dump(mode="json")
    spec["rating_ladder"][1]["any_of"][0]["timeframe_max_months"] = 4
    version = criteria_publish(
        program=program, criteria=QualifyingCriteria.from_dict(spec), actor=None, now=NOW
    )
    assert leads_requalify_bulk(program=program, actor=None, now=NOW) == 1
    open_lead.refresh_from_db()
    delivered.refresh_from_db()
    assert (open_lead.rating, open_lead.criteria_version) == ("b", version)
    assert (delivered.rating, delivered.criteria_version.number) == ("a", 1)
    event = open_lead.events.latest("id")
    assert (event.kind, event.before["rating"], event.after["rating"]) == ("qualified", "a", "b")
    assert leads_requalify_bulk(program=program, actor=None, now=NOW) == 0
