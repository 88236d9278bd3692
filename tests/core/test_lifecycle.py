"""The lead lifecycle of DESIGN.md as a state machine."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.core.errors import InvalidTransition
from leadflow.core.lifecycle import (
    CLOSED,
    EDGES,
    Action,
    LeadStatus,
    allowed_actions,
    next_status,
)

S = LeadStatus


@pytest.mark.parametrize(
    ("path", "end"),
    [
        (
            [Action.START_QUALIFYING, Action.SUBMIT_FOR_REVIEW, Action.APPROVE, Action.DELIVER],
            S.DELIVERED,
        ),
        (
            [
                Action.START_QUALIFYING,
                Action.SUBMIT_FOR_REVIEW,
                Action.APPROVE,
                Action.ASSIGN,
                Action.CLAIM,
                Action.RECORD_CONTACT,
                Action.CLOSE_WON,
            ],
            S.CLOSED_WON,
        ),
        ([Action.START_QUALIFYING, Action.NURTURE, Action.REQUALIFY_FROM_NURTURE], S.APPROVED),
        ([Action.START_QUALIFYING, Action.DEAD_FILE], S.DEAD_FILE),
    ],
)
def test_main_paths_of_design_are_walkable(path: list[Action], end: LeadStatus) -> None:
    status = S.NEW
    for action in path:
        status = next_status(status, action, reason="because")
    assert status is end


def test_push_back_returns_a_reviewed_lead_to_qualifying_with_a_reason() -> None:
    assert next_status(S.IN_REVIEW, Action.PUSH_BACK, reason="authority unclear") is S.QUALIFYING


def test_push_back_without_a_reason_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="needs a reason"):
        next_status(S.IN_REVIEW, Action.PUSH_BACK, reason="  ")


def test_a_new_lead_cannot_be_delivered_and_the_error_lists_what_is_allowed() -> None:
    with pytest.raises(InvalidTransition, match=r"a lead that is new cannot deliver \(allowed: "):
        next_status(S.NEW, Action.DELIVER)


def test_reassignment_moves_a_claimed_lead_to_a_fresh_assignment() -> None:
    assert next_status(S.CLAIMED, Action.ASSIGN) is S.ASSIGNED


def test_closed_statuses_are_left_only_by_reopen() -> None:
    for status in CLOSED:
        assert allowed_actions(status) <= {Action.REOPEN}


@given(st.sampled_from(list(S)), st.sampled_from(list(Action)))
def test_every_action_either_follows_an_edge_or_raises(status: LeadStatus, action: Action) -> None:
    edge = EDGES[action]
    if status in edge.sources:
        assert next_status(status, action, reason="r") is edge.target
    else:
        with pytest.raises(InvalidTransition):
            next_status(status, action, reason="r")


def test_every_status_is_reachable_from_new() -> None:
    seen = {S.NEW}
    frontier = [S.NEW]
    while frontier:
        status = frontier.pop()
        for action in allowed_actions(status):
            target = EDGES[action].target
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(S)
