"""The capability table: which roles hold what, and the guard of the views."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory

from leadflow.accounts.models import Role, User
from leadflow.accounts.permissions import (
    CAPABILITIES,
    Capability,
    capabilities_of,
    capability_required,
    roles_for,
    user_can,
)

ALL = {"admin", "marketer", "qualifier", "reviewer", "manager", "partner", "client"}

#: The table restated from the role tuples it replaced, so that a change of who may do what
#: is a change of this test too.
EXPECTED: dict[str, set[str]] = {
    "home.view": ALL,
    "leads.view": {"admin", "marketer", "qualifier", "reviewer", "manager"},
    "leads.qualify": {"admin", "qualifier", "manager"},
    "leads.overview": {"admin", "marketer", "manager"},
    "leads.export": {"admin", "marketer", "manager"},
    "leads.assign": {"admin", "manager"},
    "leads.set_aside": {"admin", "marketer", "manager"},
    "leads.campaign": {"admin", "marketer", "manager"},
    "queue.work": {"admin", "qualifier"},
    "recordings.upload": {"admin", "qualifier"},
    "recordings.listen": {"admin", "reviewer"},
    "review.decide": {"admin", "reviewer"},
    "deliveries.view": {"admin", "manager", "client"},
    "deliveries.manage": {"admin", "manager"},
    "disputes.view": {"admin", "reviewer", "manager", "client"},
    "disputes.raise": {"client"},
    "disputes.decide": {"admin", "reviewer"},
    "guarantees.edit_terms": {"admin", "manager"},
    "partners.manage": {"admin", "manager"},
    "scoring.manage": {"admin", "manager"},
    "portal.use": {"partner"},
    "programs.view": {"admin", "marketer", "manager"},
    "programs.edit_criteria": {"admin", "manager"},
    "imports.run": {"admin", "marketer", "manager"},
    "duplicates.decide": {"admin", "marketer", "manager"},
    "nurture.manage": {"admin", "marketer", "manager"},
    "nurture.respond": {"admin", "marketer", "qualifier", "manager"},
    "sales.view": {"admin", "marketer", "qualifier", "reviewer", "manager", "partner"},
    "sales.work": {"admin", "qualifier", "manager", "partner"},
    "appointments.book": {"admin", "qualifier", "manager"},
    "appointments.availability": {"admin", "manager"},
    "sales.kits_manage": {"admin", "marketer", "manager"},
    "references.edit": {"admin", "manager", "partner"},
    "reports.view": {"admin", "marketer", "reviewer", "manager", "partner", "client"},
    "reports.funnel": {"admin", "marketer", "manager"},
    "reports.qualifying": {"admin", "reviewer", "manager"},
    "reports.deliverables": {"admin", "manager", "client"},
    "reports.partners": {"admin", "manager", "partner"},
    "reports.nurture": {"admin", "marketer", "manager"},
    "api.tokens": {"admin", "marketer", "qualifier", "manager"},
    "api.write": {"admin", "marketer", "qualifier", "manager"},
    "users.manage": {"admin", "manager"},
    "programs.settings": {"admin", "manager"},
    "admin": {"admin"},
}


def test_every_capability_is_in_the_table_once() -> None:
    assert set(CAPABILITIES) == set(Capability)
    assert {str(capability) for capability in Capability} == set(EXPECTED)


@pytest.mark.parametrize("capability", list(Capability))
def test_the_table_gives_each_capability_exactly_its_roles(capability: Capability) -> None:
    assert {str(role) for role in roles_for(capability)} == EXPECTED[capability]


@pytest.mark.parametrize("role", list(Role))
def test_a_user_with_one_role_holds_exactly_that_roles_capabilities(
    role: Role, make_user: Callable[..., User]
) -> None:
    user = make_user(role)
    if role == Role.ADMIN:
        user.is_superuser = False  # the admin group alone
    for capability in Capability:
        assert user_can(user, capability) == (role in EXPECTED[capability]), capability
    assert capabilities_of(user) == {c for c in Capability if role in EXPECTED[c]}


def test_a_superuser_without_groups_holds_what_admins_hold_and_no_other_roles_part(
    make_user: Callable[..., User],
) -> None:
    user = make_user()
    user.is_superuser = True
    held = {capability for capability in Capability if user_can(user, capability)}
    assert held == {c for c in Capability if "admin" in EXPECTED[c]}
    assert not user_can(user, Capability.DISPUTES_RAISE)
    assert not user_can(user, Capability.PORTAL_USE)


def test_a_user_without_roles_and_an_anonymous_one_hold_nothing(
    make_user: Callable[..., User],
) -> None:
    assert capabilities_of(make_user()) == frozenset()
    assert capabilities_of(AnonymousUser()) == frozenset()


def test_several_roles_hold_the_union(make_user: Callable[..., User]) -> None:
    user = make_user(Role.REVIEWER, Role.CLIENT)
    assert user_can(user, Capability.REVIEW_DECIDE)
    assert user_can(user, Capability.DISPUTES_RAISE)
    assert not user_can(user, Capability.DELIVERIES_MANAGE)


# --- the view guard -----------------------------------------------------------------------------


def _page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("the page")


def _request(user: User | AnonymousUser) -> HttpRequest:
    request = RequestFactory().get("/somewhere/")
    request.user = user
    return request


def test_the_guard_sends_anonymous_users_to_sign_in() -> None:
    view = capability_required(Capability.IMPORTS_RUN)(_page)
    response = view(_request(AnonymousUser()))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/somewhere/"


def test_the_guard_lets_a_holder_through(make_user: Callable[..., User]) -> None:
    view = capability_required(Capability.IMPORTS_RUN)(_page)
    assert view(_request(make_user(Role.MARKETER))).content == b"the page"


def test_the_guard_refuses_others_with_403_and_the_reason(make_user: Callable[..., User]) -> None:
    view = capability_required(Capability.IMPORTS_RUN, "Only marketing imports.")(_page)
    with pytest.raises(PermissionDenied, match="Only marketing imports"):
        view(_request(make_user(Role.QUALIFIER)))


def test_a_hidden_page_is_404_for_others(make_user: Callable[..., User]) -> None:
    view = capability_required(Capability.LEADS_VIEW, hidden=True)(_page)
    with pytest.raises(Http404):
        view(_request(make_user(Role.CLIENT)))
