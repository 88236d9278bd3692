"""Partner routing (DESIGN.md, "Partner routing"): eligibility, ranking, fairness, explanation."""

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.core.enums import Rating
from leadflow.core.routing import (
    NotRoutable,
    PartnerState,
    RoutingLead,
    TerritoryRule,
    level_rank,
    postal_key,
    route,
    route_batch,
)

NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
PROGRAM_LEVELS = ("platinum", "gold", "silver", "registered")
CERTIFICATIONS = ("expert", "professional", "associate", "none")


def partner(partner_id: int, **fields: Any) -> PartnerState:
    program_level = fields.pop("program_level", "gold")
    certification_level = fields.pop("certification_level", "professional")
    values: dict[str, Any] = {
        "name": f"P{partner_id}",
        "partner_type": "reseller",
        "is_active": True,
        "flow_enabled": True,
        "territories": (TerritoryRule("US"),),
        "open_leads": 0,
        "capacity": 10,
        "received_recently": 0,
        "program_level": program_level,
        "program_rank": level_rank(program_level, PROGRAM_LEVELS),
        "certification_level": certification_level,
        "certification_rank": level_rank(certification_level, CERTIFICATIONS),
    }
    values.update(fields)
    return PartnerState(partner_id=partner_id, **values)


def lead(**fields: Any) -> RoutingLead:
    values: dict[str, Any] = {"lead_id": 1, "rating": Rating.A, "country": "US"}
    values.update(fields)
    return RoutingLead(**values)


# --- eligibility ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"is_active": False}, "inactive"),
        ({"flow_enabled": False}, "lead flow disabled"),
        ({"partner_type": "agency"}, "agency partners receive no pre-qualified leads"),
        ({"territories": (TerritoryRule("CA"),)}, "does not cover US (covers CA)"),
        ({"open_leads": 10}, "at capacity (10 of 10 open leads)"),
    ],
)
def test_each_rule_of_design_makes_a_partner_ineligible_and_says_why(
    fields: dict[str, Any], reason: str
) -> None:
    decision = route(lead(), [partner(1, **fields)], NOW)
    assert decision.partner_id is None
    (candidate,) = decision.candidates
    assert not candidate.eligible
    assert candidate.reasons == (reason,)


def test_a_partner_that_held_the_lead_before_is_not_offered_it_again() -> None:
    decision = route(lead(previous_partner_ids=frozenset({1})), [partner(1), partner(2)], NOW)
    assert decision.partner_id == 2
    assert decision.ineligible[0].reasons == ("held this lead before",)


def test_every_reason_is_listed_not_only_the_first() -> None:
    decision = route(lead(), [partner(1, is_active=False, open_leads=12)], NOW)
    assert decision.candidates[0].reasons == (
        "inactive",
        "at capacity (12 of 10 open leads)",
    )


@pytest.mark.parametrize("rating", [Rating.C, Rating.FYI, None])
def test_c_and_fyi_and_unrated_leads_are_never_routed(rating: Rating | None) -> None:
    with pytest.raises(NotRoutable, match="only Hot, A and B are routed"):
        route(lead(rating=rating), [partner(1)], NOW)


@pytest.mark.parametrize("rating", [Rating.HOT, Rating.A, Rating.B])
def test_hot_a_and_b_leads_are_routed(rating: Rating) -> None:
    assert route(lead(rating=rating), [partner(1)], NOW).partner_id == 1


def test_no_eligible_partner_leaves_the_lead_for_the_routing_queue() -> None:
    decision = route(lead(), [partner(1, flow_enabled=False)], NOW)
    assert decision.partner_id is None
    assert decision.explanation == (
        "no eligible partner among 1: the lead waits in the routing queue",
    )


# --- territories ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "place", "covered"),
    [
        (TerritoryRule("US"), ("US", "CA", "94105"), True),
        (TerritoryRule("us"), ("US", "", ""), True),
        (TerritoryRule("US", "CA"), ("US", "CA", "94105"), True),
        (TerritoryRule("US", "CA"), ("US", "NY", "10001"), False),
        (TerritoryRule("US", "", "941"), ("US", "CA", "94105"), True),
        (TerritoryRule("US", "", "941"), ("US", "CA", "90210"), False),
        (TerritoryRule("GB", "", "SW1A"), ("GB", "ENG", "sw1a 1aa"), True),
        (TerritoryRule("GB", "", "sw1a-"), ("GB", "ENG", "SW1A1AA"), True),
        (TerritoryRule("CA"), ("US", "CA", ""), False),
        (TerritoryRule("US"), ("", "", ""), False),
    ],
)
def test_territories_match_country_then_subdivision_then_postal_prefix(
    rule: TerritoryRule, place: tuple[str, str, str], covered: bool
) -> None:
    country, subdivision, postal = place
    target = lead(country=country, subdivision=subdivision, postal_code=postal)
    assert rule.covers(target) is covered


def test_postal_codes_compare_without_case_spaces_or_dashes() -> None:
    assert postal_key(" sw1a 1aa ") == "SW1A1AA"
    assert postal_key("80331-12") == "8033112"


def test_any_one_of_several_territories_is_enough() -> None:
    rules = (TerritoryRule("DE"), TerritoryRule("FR"))
    assert route(lead(country="FR"), [partner(1, territories=rules)], NOW).partner_id == 1


# --- ranking ---------------------------------------------------------------------------------


def test_program_level_ranks_first_even_over_fairness() -> None:
    gold = partner(1, program_level="gold", received_recently=0)
    platinum = partner(2, program_level="platinum", received_recently=25)
    assert route(lead(), [gold, platinum], NOW).partner_id == 2


def test_certification_level_ranks_partners_of_the_same_program_level() -> None:
    associate = partner(1, certification_level="associate")
    expert = partner(2, certification_level="expert", received_recently=9)
    assert route(lead(), [associate, expert], NOW).partner_id == 2


def test_fairness_gives_the_lead_to_the_partner_that_received_fewest_recently() -> None:
    busy = partner(1, received_recently=5)
    idle = partner(2, received_recently=1)
    assert route(lead(), [busy, idle], NOW).partner_id == 2


def test_open_leads_do_not_rank_only_received_leads_do() -> None:
    """Fairness is about leads received, not how many a partner still has open."""
    many_open = partner(1, open_leads=9, received_recently=1)
    few_open = partner(2, open_leads=0, received_recently=2)
    assert route(lead(), [many_open, few_open], NOW).partner_id == 1


def test_ties_are_broken_by_partner_id_whatever_the_input_order() -> None:
    assert route(lead(), [partner(7), partner(3), partner(5)], NOW).partner_id == 3


def test_an_unknown_or_blank_level_ranks_after_every_listed_level() -> None:
    assert level_rank("", PROGRAM_LEVELS) == 4
    assert level_rank("diamond", PROGRAM_LEVELS) == 4
    unlisted = partner(1, program_level="diamond")
    registered = partner(2, program_level="registered")
    assert route(lead(), [unlisted, registered], NOW).partner_id == 2


def test_the_decision_ranks_every_eligible_partner_and_explains_each() -> None:
    decision = route(
        lead(),
        [
            partner(1, program_level="silver"),
            partner(2, program_level="platinum"),
            partner(3, flow_enabled=False),
            partner(4, program_level="gold", received_recently=3),
        ],
        NOW,
    )
    assert [c.partner_id for c in decision.ranking] == [2, 4, 1]
    assert [c.rank for c in decision.ranking] == [1, 2, 3]
    assert [c.partner_id for c in decision.ineligible] == [3]
    assert decision.ranking[1].explanation == (
        "gold (rank 2), professional (rank 2), 3 leads received in 30 days, 0 of 10 open"
    )
    assert decision.explanation[0] == "routed to P2 (#2), first of 3 eligible of 4 partners"
    assert decision.as_json()["partner_id"] == 2


# --- batches and fairness over time --------------------------------------------------------


def test_a_batch_counts_each_choice_against_capacity() -> None:
    leads = [lead(lead_id=n) for n in range(1, 6)]
    decisions = route_batch(leads, [partner(1, capacity=2), partner(2, capacity=1)], NOW)
    assert [d.partner_id for d in decisions] == [1, 2, 1, None, None]


def test_a_batch_skips_leads_that_are_not_routable() -> None:
    decisions = route_batch([lead(lead_id=1, rating=Rating.C), lead(lead_id=2)], [partner(1)], NOW)
    assert [d.lead_id for d in decisions] == [2]


@given(
    partners=st.integers(min_value=1, max_value=8),
    leads=st.integers(min_value=0, max_value=60),
    received=st.lists(st.integers(min_value=0, max_value=5), min_size=8, max_size=8),
)
def test_equal_partners_share_leads_so_that_received_counts_end_at_most_one_apart(
    partners: int, leads: int, received: list[int]
) -> None:
    """With equal levels and room to spare, routing evens out what partners have received."""
    states = [partner(n, received_recently=received[n], capacity=1000) for n in range(partners)]
    decisions = route_batch([lead(lead_id=n) for n in range(leads)], states, NOW)
    totals = {state.partner_id: state.received_recently for state in states}
    for decision in decisions:
        assert decision.partner_id is not None
        totals[decision.partner_id] += 1
    start = max(received[:partners])
    if leads >= sum(start - r for r in received[:partners]):
        assert max(totals.values()) - min(totals.values()) <= 1


@given(capacities=st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=5))
def test_no_partner_ever_goes_over_capacity_in_a_batch(capacities: list[int]) -> None:
    states = [partner(n, capacity=c) for n, c in enumerate(capacities)]
    decisions = route_batch([lead(lead_id=n) for n in range(30)], states, NOW)
    given_to = [d.partner_id for d in decisions if d.partner_id is not None]
    assert len(given_to) == sum(capacities)
    for n, capacity in enumerate(capacities):
        assert given_to.count(n) == capacity
