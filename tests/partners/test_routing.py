"""Routing at hand-off: approved Hot, A and B leads of partner programs go to the best eligible
partner with fresh clocks and a notification, or wait in the routing queue."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from leadflow.core.errors import InvalidTransition
from leadflow.core.lifecycle import Action
from leadflow.core.routing import NotRoutable, TerritoryRule
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.selectors import lead_scope
from leadflow.leads.services import lead_transition
from leadflow.partners.models import Assignment, Partner, PartnerType, RoutingQueueEntry
from leadflow.partners.services import (
    lead_requalified_from_nurture,
    leads_route,
    partner_levels_set,
    routing_queue_drain,
)
from leadflow.programs.models import Client, Program
from tests.conftest import NOW
from tests.partners.conftest import ANSWERS, member

pytestmark = pytest.mark.django_db


def test_an_approved_hot_lead_goes_to_the_best_partner_with_fresh_clocks(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    make_partner("Gold", program_level="gold")
    platinum = make_partner("Platinum", program_level="platinum")
    lead = make_approved(partner_program, "hot")
    (result,) = leads_route(lead_ids=[lead.pk], now=NOW)
    assert (result.status, result.partner_id) == ("assigned", platinum.pk)
    lead.refresh_from_db()
    assert lead.status == "assigned"
    assignment = Assignment.objects.get(pk=result.assignment_id)
    assert assignment.is_active
    assert assignment.rating == "hot"
    # Monday 06:30 in Los Angeles: claim by Wednesday, first contact (Hot) by Tuesday.
    assert assignment.claim_due.isoformat() == "2026-11-05T07:59:59.999999+00:00"
    assert assignment.contact_due.isoformat() == "2026-11-04T07:59:59.999999+00:00"
    assert assignment.next_due == assignment.contact_due
    assert assignment.routing["ranking"][0]["partner_id"] == platinum.pk
    assert assignment.routing["eligible_count"] == 2
    assert lead_scope(user=member(platinum)).get() == lead


def test_routing_is_written_in_the_lead_s_history(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    partner = make_partner("Only")
    lead = make_approved(partner_program, "a")
    leads_route(lead_ids=[lead.pk], now=NOW)
    assigned, notified = lead.events.order_by("id")[4:]
    assert (assigned.kind, assigned.action, assigned.from_status, assigned.to_status) == (
        EventKind.STATUS_CHANGED,
        Action.ASSIGN,
        "approved",
        "assigned",
    )
    assert assigned.reason == "routed to Only"
    assert assigned.after["partner"] == partner.pk
    assert notified.kind == EventKind.NOTIFIED
    assert notified.after["to"] == [member(partner).email]


@pytest.mark.parametrize("rating", ["c", "fyi"])
def test_c_and_fyi_leads_are_never_routed(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_lead: Callable[..., Lead],
    rating: str,
) -> None:
    make_partner()
    lead = make_lead(partner_program, answers=ANSWERS[rating], country="US")
    for action in (Action.START_QUALIFYING, Action.SUBMIT_FOR_REVIEW, Action.APPROVE):
        lead = lead_transition(lead=lead, action=action, actor=None, now=NOW)
    (result,) = leads_route(lead_ids=[lead.pk], now=NOW)
    assert result.status == "not_routable"
    assert "never routed" in result.explanation[0]
    assert not Assignment.objects.exists()
    assert not RoutingQueueEntry.objects.exists()


def test_leads_of_a_delivery_program_or_not_yet_approved_are_left_alone(
    program: Program,
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
    make_lead: Callable[..., Lead],
) -> None:
    make_partner()
    delivery = make_approved(program, "hot")
    new = make_lead(partner_program, answers=ANSWERS["hot"], country="US")
    results = leads_route(lead_ids=[delivery.pk, new.pk, 999_999], now=NOW)
    assert [r.status for r in results] == ["not_routable"] * 3
    assert "client delivery" in results[0].explanation[0]
    assert results[1].explanation == ("the lead is new",)
    assert results[2].explanation == ("no such lead",)


def test_agency_partners_receive_no_pre_qualified_leads(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    make_partner("Agency", type=PartnerType.AGENCY, program_level="platinum")
    lead = make_approved(partner_program, "hot")
    (result,) = leads_route(lead_ids=[lead.pk], now=NOW)
    assert result.status == "queued"


def test_partners_of_another_client_never_receive_the_lead(
    partner_program: Program,
    client_b: Client,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    make_partner("Elsewhere", client=client_b)
    (result,) = leads_route(lead_ids=[make_approved(partner_program).pk], now=NOW)
    assert result.status == "queued"


def test_territory_decides_between_partners(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    west = make_partner("West", territories=(TerritoryRule("US", "CA"),))
    east = make_partner("East", territories=(TerritoryRule("US", "NY"),))
    berlin = make_partner(
        "Berlin", territories=(TerritoryRule("DE", "", "10"),), program_level="platinum"
    )
    leads = [
        make_approved(partner_program, "a", subdivision="NY"),
        make_approved(partner_program, "a", subdivision="CA"),
        make_approved(partner_program, "a", country="DE", subdivision="BE", postal_code="10115"),
        make_approved(partner_program, "a", country="DE", subdivision="BY", postal_code="80331"),
    ]
    results = leads_route(lead_ids=[lead.pk for lead in leads], now=NOW)
    assert [r.partner_id for r in results] == [east.pk, west.pk, berlin.pk, None]


def test_client_level_lists_order_the_partners(
    partner_program: Program,
    client_a: Client,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    partner_levels_set(
        client=client_a,
        program_levels=["elite", "premier", "member"],
        certification_levels=["certified", "none"],
    )
    make_partner("Premier", program_level="premier", certification_level="certified")
    elite = make_partner("Elite", program_level="elite", certification_level="none")
    (result,) = leads_route(lead_ids=[make_approved(partner_program).pk], now=NOW)
    assert result.partner_id == elite.pk


def test_equal_partners_take_turns_fewest_received_first(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    first, second, third = make_partner(), make_partner(), make_partner()
    received = []
    for hour in range(6):
        lead = make_approved(partner_program, "b")
        (result,) = leads_route(lead_ids=[lead.pk], now=NOW + timedelta(hours=hour))
        received.append(result.partner_id)
    assert received == [first.pk, second.pk, third.pk] * 2


def test_a_partner_at_capacity_gets_no_new_lead_and_the_lead_waits_in_the_queue(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    partner = make_partner(capacity=2)
    leads = [make_approved(partner_program, "a") for _ in range(3)]
    results = leads_route(lead_ids=[lead.pk for lead in leads], now=NOW)
    assert [r.status for r in results] == ["assigned", "assigned", "queued"]
    assert Assignment.objects.open().filter(partner=partner).count() == 2
    waiting = RoutingQueueEntry.objects.get()
    assert waiting.lead_id == leads[2].pk
    leads[2].refresh_from_db()
    assert leads[2].status == "approved"
    note = leads[2].events.latest("id")
    assert (note.kind, note.reason) == (
        EventKind.NOTE,
        "no eligible partner: the lead waits in the routing queue",
    )


def test_the_queue_is_drained_hot_first_then_a_then_b_oldest_first(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    older_b = make_approved(partner_program, "b")
    older_a = make_approved(partner_program, "a")
    newer_a = make_approved(partner_program, "a")
    hot = make_approved(partner_program, "hot")
    for hour, lead in enumerate([older_b, older_a, newer_a, hot]):
        leads_route(lead_ids=[lead.pk], now=NOW + timedelta(hours=hour))
    assert RoutingQueueEntry.objects.count() == 4
    partner = make_partner(capacity=3)
    assert routing_queue_drain(now=NOW + timedelta(hours=5)) == 3
    routed = set(Assignment.objects.filter(partner=partner).values_list("lead_id", flat=True))
    assert routed == {hot.pk, older_a.pk, newer_a.pk}
    assert list(RoutingQueueEntry.objects.values_list("lead_id", flat=True)) == [older_b.pk]


def test_draining_drops_leads_that_left_the_queue_some_other_way(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    lead = make_approved(partner_program, "a")
    leads_route(lead_ids=[lead.pk], now=NOW)
    lead_transition(lead=lead, action=Action.NURTURE, actor=None, now=NOW)
    make_partner()
    assert routing_queue_drain(now=NOW) == 0
    assert not RoutingQueueEntry.objects.exists()
    assert not Assignment.objects.exists()


def test_routing_a_lead_twice_does_not_give_it_a_second_owner(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    make_partner()
    make_partner()
    lead = make_approved(partner_program)
    leads_route(lead_ids=[lead.pk], now=NOW)
    (again,) = leads_route(lead_ids=[lead.pk], now=NOW)
    assert again.status == "not_routable"
    assert Assignment.objects.filter(lead=lead).count() == 1


def test_a_nurturing_lead_that_requalifies_as_a_goes_straight_to_a_partner(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    partner = make_partner()
    lead = make_approved(partner_program, "a")
    lead_transition(lead=lead, action=Action.NURTURE, actor=None, now=NOW)
    result = lead_requalified_from_nurture(lead_id=lead.pk, actor=None, now=NOW)
    assert (result.status, result.partner_id) == ("assigned", partner.pk)
    actions = list(lead.events.order_by("id").values_list("action", flat=True))
    assert actions[-3:] == [Action.REQUALIFY_FROM_NURTURE, Action.ASSIGN, ""]


def test_a_nurturing_c_lead_is_not_handed_off(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_lead: Callable[..., Lead],
) -> None:
    make_partner()
    lead = make_lead(partner_program, answers=ANSWERS["c"], country="US")
    lead_transition(lead=lead, action=Action.NURTURE, actor=None, now=NOW)
    with pytest.raises(NotRoutable):
        lead_requalified_from_nurture(lead_id=lead.pk, actor=None, now=NOW)
    lead.refresh_from_db()
    assert lead.status == "nurturing"


def test_the_lifecycle_still_refuses_assigning_a_lead_that_was_never_approved(
    partner_program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(partner_program)
    with pytest.raises(InvalidTransition):
        lead_transition(lead=lead, action=Action.ASSIGN, actor=None, now=NOW)
