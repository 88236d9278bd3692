"""The home page: what each role does next."""

from collections.abc import Callable

import pytest
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import Action
from leadflow.leads.services import lead_transition
from tests.conftest import NOW
from tests.factories import Leads, Team

pytestmark = pytest.mark.usefixtures("plain_http")


def test_anonymous_is_sent_to_sign_in(client: Client, db: None) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_qualifier_sees_the_queue_count_and_takes_the_next_lead(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.qualifier)
    page = client.get("/").content.decode()
    assert "<strong>5</strong> leads waiting to be called" in page
    assert 'action="/queue/next/"' in page
    assert "Take next lead" in page


def test_reviewer_sees_leads_in_review(client: Client, team: Team, leads: Leads) -> None:
    lead_transition(lead=leads.hot, action=Action.SUBMIT_FOR_REVIEW, actor=None, now=NOW)
    client.force_login(team.reviewer)
    page = client.get("/").content.decode()
    assert "<strong>1</strong> lead in review" in page
    assert "/leads/?status=in_review" in page


@pytest.mark.parametrize("role", ["manager", "marketer"])
def test_managers_and_marketers_see_counts_by_rating_and_status(
    client: Client, team: Team, leads: Leads, role: str
) -> None:
    client.force_login(getattr(team, role))
    page = client.get("/").content.decode()
    assert 'href="/leads/?rating=hot"' in page
    assert 'href="/leads/?status=new"' in page
    # one Hot lead in scope (the other program's Hot lead is not counted)
    hot_row = page.split('href="/leads/?rating=hot"')[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in hot_row
    new_row = page.split('href="/leads/?status=new"')[1].split("</tr>")[0]
    assert '<td class="num">5</td>' in new_row


@pytest.mark.parametrize(
    ("role", "text"), [("client_contact", "Your deliveries"), ("partner", "Your leads")]
)
def test_client_contacts_and_partners_get_a_short_page(
    client: Client, team: Team, leads: Leads, role: str, text: str
) -> None:
    client.force_login(getattr(team, role))
    page = client.get("/").content.decode()
    assert text in page
    assert "Take next lead" not in page
    assert "Hedy" not in page
    assert 'href="/leads/"' not in page


def test_navigation_shows_only_the_roles_places(client: Client, team: Team, db: None) -> None:
    client.force_login(team.qualifier)
    page = client.get("/").content.decode()
    assert 'href="/queue/"' in page
    assert 'href="/admin/"' not in page
    assert 'class="skip-link" href="#main"' in page
    assert 'id="main"' in page


def test_home_query_count_is_bounded(
    client: Client,
    leads: Leads,
    make_user: Callable[..., User],
    program: object,
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    user = make_user(Role.MANAGER, Role.QUALIFIER, Role.REVIEWER, programs=(program,))
    client.force_login(user)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert client.get("/").status_code == 200
