"""Error pages a person may meet: in the app's look, in plain words, with a way back."""

from collections.abc import Callable

import pytest
from django.template.loader import get_template
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.programs.models import Program

pytestmark = pytest.mark.django_db


def test_an_unknown_address_is_the_app_s_not_found_page(
    client: Client, make_user: Callable[..., User], program: Program
) -> None:
    client.force_login(make_user(Role.QUALIFIER, programs=(program,)))
    response = client.get("/no-such-page/", secure=True)
    assert response.status_code == 404
    page = response.content.decode()
    assert "Not found" in page
    assert 'href="/"' in page
    assert "<nav" in page  # the signed-in user keeps the navigation


def test_a_lead_workspace_hidden_from_a_partner_is_the_same_not_found_page(
    client: Client,
    make_user: Callable[..., User],
    make_lead: Callable[..., object],
    program: Program,
) -> None:
    lead = make_lead(program)
    client.force_login(make_user(Role.PARTNER))
    response = client.get(f"/leads/{lead.pk}/", secure=True)  # type: ignore[attr-defined]
    assert response.status_code == 404
    assert "This page does not exist, or it is not yours to see." in response.content.decode()


def test_a_server_error_page_needs_nothing_but_itself() -> None:
    page = get_template("500.html").render({})
    assert "Something went wrong" in page
    assert "{%" not in page
