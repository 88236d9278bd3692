"""The hand-off rules of DESIGN.md, stated once in the core."""

import pytest

from leadflow.core.enums import Rating
from leadflow.core.handoff import (
    HOT_LIMIT,
    HOT_TARGET,
    BatchPlace,
    CHandling,
    Destination,
    FyiHandling,
    HandOffMode,
    batch_place,
    delivers,
    destination,
    leaves_nurture,
    routable,
    routes,
    routes_after_delivery,
    routes_at_approval,
)
from leadflow.delivery.models import CHandling as CHandlingChoices
from leadflow.delivery.models import FyiHandling as FyiHandlingChoices
from leadflow.programs.models import HandOffMode as HandOffModeChoices

D, P, B = HandOffMode.DELIVERY, HandOffMode.PARTNERS, HandOffMode.BOTH


@pytest.mark.parametrize(
    ("core", "choices"),
    [
        (HandOffMode, HandOffModeChoices),
        (CHandling, CHandlingChoices),
        (FyiHandling, FyiHandlingChoices),
    ],
)
def test_the_models_choices_mirror_the_core_enums(core: type, choices: type) -> None:
    assert [member.value for member in core] == [value for value, _ in choices.choices]


def test_which_modes_deliver_and_which_route() -> None:
    assert [delivers(mode) for mode in (D, P, B)] == [True, False, True]
    assert [routes(mode) for mode in (D, P, B)] == [False, True, True]


@pytest.mark.parametrize(
    ("mode", "rating", "expected"),
    [
        (D, Rating.HOT, Destination.DELIVER_AT_ONCE),
        (D, Rating.A, Destination.BATCH),
        (D, Rating.C, Destination.BATCH),
        (B, Rating.HOT, Destination.DELIVER_AT_ONCE),
        (B, Rating.B, Destination.BATCH),
        (P, Rating.HOT, Destination.ROUTE),
        (P, Rating.B, Destination.ROUTE),
        (P, Rating.C, None),
        (P, Rating.FYI, None),
        (P, None, None),
    ],
)
def test_where_approval_sends_a_lead(mode: str, rating: str | None, expected: object) -> None:
    assert destination(mode, rating) is expected


def test_only_partner_programs_route_at_approval_and_both_route_after_delivery() -> None:
    assert routes_at_approval(P, Rating.A)
    assert not routes_at_approval(B, Rating.A)
    assert routes_after_delivery(B, Rating.A)
    assert not routes_after_delivery(B, Rating.C)
    assert not routes_after_delivery(D, Rating.HOT)


def test_c_and_fyi_leads_are_never_routed() -> None:
    assert [routable(r) for r in Rating] == [True, True, True, False, False]


def test_hot_leads_target_24_hours_and_never_exceed_48() -> None:
    assert (HOT_TARGET.total_seconds(), HOT_LIMIT.total_seconds()) == (24 * 3600, 48 * 3600)


@pytest.mark.parametrize(
    ("rating", "c_handling", "fyi_handling", "expected"),
    [
        (Rating.HOT, "nurture", "summary", BatchPlace.FILE),
        (Rating.A, "nurture", "summary", BatchPlace.FILE),
        (Rating.B, "nurture", "summary", BatchPlace.FILE),
        (Rating.C, "nurture", "summary", BatchPlace.NURTURE),
        (Rating.C, "include", "summary", BatchPlace.FILE),
        (Rating.C, "hold", "summary", BatchPlace.HOLD),
        (Rating.FYI, "nurture", "summary", BatchPlace.SUMMARY),
        (Rating.FYI, "nurture", "include", BatchPlace.FILE),
        (Rating.FYI, "nurture", "hold", BatchPlace.HOLD),
        (None, "nurture", "summary", BatchPlace.HOLD),
    ],
)
def test_the_batch_plan(
    rating: str | None, c_handling: str, fyi_handling: str, expected: BatchPlace
) -> None:
    place = batch_place(
        rating, batch_ratings=["a", "b"], c_handling=c_handling, fyi_handling=fyi_handling
    )
    assert place is expected


def test_a_batch_without_b_holds_b_leads() -> None:
    assert (
        batch_place(Rating.B, batch_ratings=["a"], c_handling="nurture", fyi_handling="summary")
        is BatchPlace.HOLD
    )


@pytest.mark.parametrize(
    ("rating", "before", "leaves"),
    [
        ("a", "c", True),
        ("hot", "fyi", True),
        ("b", None, True),
        ("a", "b", False),
        ("c", "fyi", False),
    ],
)
def test_a_nurturing_lead_leaves_only_when_lifted_into_hot_a_or_b(
    rating: str, before: str | None, leaves: bool
) -> None:
    assert leaves_nurture(rating=rating, rating_before=before) is leaves
