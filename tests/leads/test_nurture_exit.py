"""Nurturing leads that re-qualify as Hot, A or B go straight to hand-off (DESIGN.md)."""

from collections.abc import Callable

import pytest
from django.test import override_settings

from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.delivery.models import DeliveryItem, DeliveryKind
from leadflow.leads.models import Lead
from leadflow.leads.services import (
    LeadInput,
    lead_merge,
    lead_requalify,
    lead_transition,
    lead_update_answers,
)
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.tasks import IMMEDIATE

C_ANSWERS = {"budget": "none", "authority": "none", "need": "identified", "timeframe_months": 12}


def _nurtured(make_lead: Callable[..., Lead], program: Program, answers: dict[str, object]) -> Lead:
    lead = make_lead(program, answers=answers)
    return lead_transition(lead=lead, action=Action.NURTURE, actor=None, now=NOW)


def test_a_c_lead_that_now_rates_a_is_approved_for_hand_off(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = _nurtured(make_lead, program, C_ANSWERS)
    assert lead.rating == "c"
    lead = lead_update_answers(
        lead=lead, answers={"budget": "approved", "timeframe_months": 5}, actor=None, now=NOW
    )
    assert (lead.rating, lead.status) == ("a", LeadStatus.APPROVED)
    event = lead.events.latest("id")
    assert (event.action, event.from_status, event.to_status) == (
        "requalify_from_nurture",
        "nurturing",
        "approved",
    )
    assert event.reason == "re-qualified as A"


def test_a_lead_nurtured_while_rating_a_stays_until_reopened(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = _nurtured(
        make_lead,
        program,
        {"budget": "approved", "authority": "none", "need": "none", "timeframe_months": 5},
    )
    assert lead.rating == "a"
    lead = lead_requalify(lead=lead, actor=None, now=NOW)
    assert lead.status == LeadStatus.NURTURING


def test_a_c_lead_still_c_stays_in_nurture(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = _nurtured(make_lead, program, C_ANSWERS)
    lead = lead_update_answers(lead=lead, answers={"authority": "influencer"}, actor=None, now=NOW)
    assert (lead.rating, lead.status) == ("c", LeadStatus.NURTURING)


@override_settings(TASKS=IMMEDIATE)
@pytest.mark.django_db(transaction=True)
def test_a_form_fill_that_makes_a_nurtured_lead_hot_delivers_it_at_once(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = _nurtured(make_lead, program, C_ANSWERS)
    data = LeadInput(
        email="ada@example.com",
        answers={"need": "established", "timeframe_months": 2},
    )  # type: ignore[arg-type]
    lead = lead_merge(lead=lead, data=data, match="email", actor=None, now=NOW)
    lead.refresh_from_db()
    assert (lead.rating, lead.status) == ("hot", LeadStatus.DELIVERED)
    item = DeliveryItem.objects.select_related("delivery").get(lead=lead)
    assert item.delivery.kind == DeliveryKind.HOT
