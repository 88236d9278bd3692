"""The qualification queue page: who may use it, how much waits, and taking the next lead."""

from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries, Settings

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import EventKind, Lead
from leadflow.programs.models import Program

HOT = {"budget": "approved", "need": "established", "timeframe_months": 1}
B = {"timeframe_months": 8}


@pytest.fixture(autouse=True)
def plain_http(settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def qualifier(program: Program, make_user: Callable[..., User]) -> User:
    return make_user(Role.QUALIFIER, programs=(program,))


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    response = client.get("/queue/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/queue/")


@pytest.mark.parametrize("role", [Role.MANAGER, Role.REVIEWER, Role.MARKETER, Role.CLIENT])
def test_roles_that_do_not_qualify_are_refused(
    client: Client, program: Program, make_user: Callable[..., User], role: Role
) -> None:
    client.force_login(make_user(role, programs=(program,)))
    assert client.get("/queue/").status_code == 403
    assert client.post("/queue/next/").status_code == 403


def test_the_queue_page_counts_the_leads_waiting_in_the_users_programs(
    client: Client,
    qualifier: User,
    program: Program,
    other_program: Program,
    make_lead: Callable[..., Lead],
) -> None:
    make_lead(program, answers=B)
    make_lead(program, answers=HOT)
    make_lead(other_program)
    client.force_login(qualifier)
    page = client.get("/queue/").content.decode()
    assert "<strong>2</strong> leads waiting in your programs." in page
    assert 'action="/queue/next/"' in page
    assert "autofocus" in page
    assert "You are working" not in page


def test_take_next_holds_the_best_lead_and_opens_its_workspace(
    client: Client, qualifier: User, program: Program, make_lead: Callable[..., Lead]
) -> None:
    make_lead(program, answers=B)
    hot = make_lead(program, answers=HOT)
    client.force_login(qualifier)
    response = client.post("/queue/next/")
    assert response.status_code == 302
    assert response["Location"] == f"/leads/{hot.pk}/"
    hot.refresh_from_db()
    assert (hot.held_by, hot.status) == (qualifier, LeadStatus.QUALIFYING)
    assert hot.events.filter(kind=EventKind.HELD).count() == 1
    page = client.get("/queue/").content.decode()
    assert "You are working" in page
    assert f'href="/leads/{hot.pk}/"' in page
    assert "<strong>1</strong> lead waiting" in page


def test_take_next_on_an_empty_queue_says_so(client: Client, qualifier: User) -> None:
    client.force_login(qualifier)
    response = client.post("/queue/next/", follow=True)
    assert response.redirect_chain == [("/queue/", 302)]
    assert "The queue is empty" in response.content.decode()


def test_admins_work_the_queue_too(
    client: Client, program: Program, make_user: Callable[..., User], make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(program)
    client.force_login(make_user(Role.ADMIN))
    assert client.post("/queue/next/")["Location"] == f"/leads/{lead.pk}/"


def test_the_queue_page_needs_few_queries(
    client: Client,
    qualifier: User,
    program: Program,
    make_lead: Callable[..., Lead],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for _ in range(5):
        make_lead(program)
    client.force_login(qualifier)
    client.post("/queue/next/")
    with django_assert_max_num_queries(8):
        assert client.get("/queue/").status_code == 200
