"""The lead lifecycle of DESIGN.md as one state machine.

Main line: new → qualifying → in_review → approved → handed off, where hand-off is either
delivered (to an agency's client) or assigned to a partner → claimed → contacted →
closed_won / closed_lost. Side exits: pushed back (in_review → qualifying, with a reason),
nurturing, dead file, disqualified. Every change of a lead's status names an Action; the
service that performs it asks this module for the target status and writes a LeadEvent.
"""

from dataclasses import dataclass
from enum import StrEnum

from leadflow.core.errors import InvalidTransition


class LeadStatus(StrEnum):
    NEW = "new"
    QUALIFYING = "qualifying"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    DELIVERED = "delivered"
    ASSIGNED = "assigned"
    CLAIMED = "claimed"
    CONTACTED = "contacted"
    CLOSED_WON = "closed_won"
    CLOSED_LOST = "closed_lost"
    NURTURING = "nurturing"
    DEAD_FILE = "dead_file"
    DISQUALIFIED = "disqualified"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Action(StrEnum):
    START_QUALIFYING = "start_qualifying"
    SUBMIT_FOR_REVIEW = "submit_for_review"
    APPROVE = "approve"
    PUSH_BACK = "push_back"
    RETURN_TO_REVIEW = "return_to_review"
    DELIVER = "deliver"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    CLAIM = "claim"
    RECORD_CONTACT = "record_contact"
    CLOSE_WON = "close_won"
    CLOSE_LOST = "close_lost"
    NURTURE = "nurture"
    REQUALIFY_FROM_NURTURE = "requalify_from_nurture"
    REOPEN = "reopen"
    DEAD_FILE = "dead_file"
    DISQUALIFY = "disqualify"


S = LeadStatus

#: Statuses in which a partner holds the lead; reassignment moves it between partners.
PARTNER_HELD = frozenset({S.ASSIGNED, S.CLAIMED, S.CONTACTED})
#: Statuses with no further work; only an explicit reopen leaves them.
CLOSED = frozenset({S.CLOSED_WON, S.CLOSED_LOST, S.DEAD_FILE, S.DISQUALIFIED})
#: Statuses that are still being worked before hand-off.
PRE_HAND_OFF = frozenset({S.NEW, S.QUALIFYING, S.IN_REVIEW, S.APPROVED})


@dataclass(frozen=True, slots=True)
class Edge:
    action: Action
    sources: frozenset[LeadStatus]
    target: LeadStatus
    requires_reason: bool = False


EDGES: dict[Action, Edge] = {
    edge.action: edge
    for edge in (
        Edge(Action.START_QUALIFYING, frozenset({S.NEW}), S.QUALIFYING),
        Edge(Action.SUBMIT_FOR_REVIEW, frozenset({S.NEW, S.QUALIFYING}), S.IN_REVIEW),
        Edge(Action.APPROVE, frozenset({S.IN_REVIEW}), S.APPROVED),
        Edge(Action.PUSH_BACK, frozenset({S.IN_REVIEW}), S.QUALIFYING, requires_reason=True),
        Edge(Action.DELIVER, frozenset({S.APPROVED}), S.DELIVERED),
        # A manager sends an approved lead that waits for a partner back to QA review.
        Edge(Action.RETURN_TO_REVIEW, frozenset({S.APPROVED}), S.IN_REVIEW, requires_reason=True),
        # Assign covers the first routing and every reassignment (decline, missed clock); a
        # program with both hand-offs routes a lead once its client has received it.
        Edge(Action.ASSIGN, frozenset({S.APPROVED, S.DELIVERED} | PARTNER_HELD), S.ASSIGNED),
        # No eligible partner after a decline or a missed clock: back to the routing queue.
        Edge(Action.UNASSIGN, PARTNER_HELD, S.APPROVED, requires_reason=True),
        Edge(Action.CLAIM, frozenset({S.ASSIGNED}), S.CLAIMED),
        Edge(Action.RECORD_CONTACT, frozenset({S.CLAIMED}), S.CONTACTED),
        Edge(Action.CLOSE_WON, frozenset({S.CONTACTED}), S.CLOSED_WON),
        Edge(Action.CLOSE_LOST, frozenset({S.CONTACTED}), S.CLOSED_LOST, requires_reason=True),
        # From claimed and contacted: the partner's "not reached" and "nurture" outcomes.
        Edge(
            Action.NURTURE,
            frozenset({S.NEW, S.QUALIFYING, S.APPROVED, S.CLAIMED, S.CONTACTED}),
            S.NURTURING,
        ),
        # Nurturing leads that re-qualify as A or B go straight to hand-off.
        Edge(Action.REQUALIFY_FROM_NURTURE, frozenset({S.NURTURING}), S.APPROVED),
        Edge(
            Action.REOPEN,
            frozenset({S.NURTURING, S.DEAD_FILE, S.DISQUALIFIED}),
            S.QUALIFYING,
            requires_reason=True,
        ),
        Edge(Action.DEAD_FILE, frozenset({S.NEW, S.QUALIFYING, S.NURTURING}), S.DEAD_FILE),
        Edge(
            Action.DISQUALIFY,
            frozenset({S.NEW, S.QUALIFYING, S.IN_REVIEW, S.NURTURING}),
            S.DISQUALIFIED,
            requires_reason=True,
        ),
    )
}


def next_status(current: LeadStatus, action: Action, *, reason: str = "") -> LeadStatus:
    """The status a lead in ``current`` reaches by ``action``, or InvalidTransition."""
    edge = EDGES[action]
    if current not in edge.sources:
        allowed = ", ".join(sorted(a.value for a in allowed_actions(current))) or "none"
        raise InvalidTransition(
            f"a lead that is {current.value} cannot {action.value.replace('_', ' ')} "
            f"(allowed: {allowed})"
        )
    if edge.requires_reason and not reason.strip():
        raise InvalidTransition(f"{action.value.replace('_', ' ')} needs a reason")
    return edge.target


def allowed_actions(current: LeadStatus) -> frozenset[Action]:
    return frozenset(edge.action for edge in EDGES.values() if current in edge.sources)


#: Statuses whose leads are still being worked, and so follow a newly published criteria version.
OPEN_STATUSES = (S.NEW, S.QUALIFYING, S.IN_REVIEW, S.NURTURING)
