"""The managers' partner pages with Django's test client: partners in scope with their open
leads, violations and flow; the record of one partner; re-enabling a disabled flow with a
note; the partner's own SLA record; and who may reach which page."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from pytest_django import DjangoAssertNumQueries, Settings

from leadflow.accounts.models import Role, User
from leadflow.core.routing import TerritoryRule
from leadflow.leads.models import Lead
from leadflow.partners.models import FlowChange, Partner
from leadflow.partners.services import leads_route, sla_sweep
from leadflow.programs.models import Client as LeadClient
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.partners.conftest import member

pytestmark = pytest.mark.django_db
#: Thursday 5 November 2026, noon UTC: the claim clocks of leads routed on Monday ran out
#: at the end of Wednesday in Los Angeles.
SWEPT = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
LATER = SWEPT + timedelta(hours=1)


@pytest.fixture(autouse=True)
def _web(settings: Settings) -> Iterator[None]:
    settings.SECURE_SSL_REDIRECT = False
    with time_machine.travel(LATER, tick=False):
        yield


@pytest.fixture
def partner(make_partner: Callable[..., Partner]) -> Partner:
    return make_partner("Bay Area Resellers")


@pytest.fixture
def disabled(
    partner: Partner, partner_program: Program, make_approved: Callable[..., Lead]
) -> Partner:
    """Three leads left unclaimed: three violations in one sweep, the third at the
    threshold, and the partner's lead flow is off."""
    leads = [make_approved(partner_program, "a", company=f"Company {n}") for n in range(3)]
    leads_route(lead_ids=[lead.pk for lead in leads], now=NOW)
    result = sla_sweep(now=SWEPT)
    assert (result.violations, result.partners_disabled) == (3, [partner.pk])
    partner.refresh_from_db()
    assert not partner.flow_enabled
    return partner


@pytest.fixture
def manager(make_user: Callable[..., User], client_a: LeadClient) -> User:
    return make_user(Role.MANAGER, clients=(client_a,))


def test_partners_users_and_other_staff_cannot_reach_the_partners_pages(
    client: Client, partner: Partner, make_user: Callable[..., User], partner_program: Program
) -> None:
    for user in (member(partner), make_user(Role.QUALIFIER, programs=(partner_program,))):
        client.force_login(user)
        assert client.get("/partners/manage/").status_code == 403
        assert client.get(f"/partners/manage/{partner.pk}/").status_code == 403
        assert client.get("/partners/manage/queue/").status_code == 403
        assert client.post(f"/partners/manage/{partner.pk}/", {"note": "x"}).status_code == 403


def test_the_partner_list_shows_partners_in_scope_with_open_leads_violations_and_flow(
    client: Client,
    manager: User,
    disabled: Partner,
    make_partner: Callable[..., Partner],
    client_b: LeadClient,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    make_partner("Healthy Partner")
    make_partner(
        "Globex Partner",
        client=client_b,
        territories=(TerritoryRule("DE"),),
        country="DE",
        subdivision="BE",
        timezone="Europe/Berlin",
    )
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        page = client.get("/partners/manage/").content.decode()
    assert "Globex Partner" not in page
    rows = page.split('data-testid="partner-row"')[1:]
    assert "Bay Area Resellers" in rows[0]  # disabled partners come first
    assert "0 / 10" in rows[0]  # the three leads were taken away
    assert '<td data-label="Violations" class="num">3</td>' in rows[0]
    assert "Disabled" in rows[0]
    assert "Healthy Partner" in rows[1]
    assert "Enabled" in rows[1]


def test_a_manager_of_another_client_gets_404_for_the_partner(
    client: Client, disabled: Partner, make_user: Callable[..., User], client_b: LeadClient
) -> None:
    client.force_login(make_user(Role.MANAGER, clients=(client_b,)))
    assert client.get(f"/partners/manage/{disabled.pk}/").status_code == 404
    response = client.post(f"/partners/manage/{disabled.pk}/", {"note": "Let them back."})
    assert response.status_code == 404
    disabled.refresh_from_db()
    assert not disabled.flow_enabled


def test_the_partners_page_shows_its_record_and_the_re_enable_form(
    client: Client, manager: User, disabled: Partner
) -> None:
    client.force_login(manager)
    page = client.get(f"/partners/manage/{disabled.pk}/").content.decode()
    assert "Re-enable the lead flow" in page
    assert page.count('<td data-label="Missed clock">Claim</td>') == 3
    assert "Lead flow disabled" in page  # the third violation's consequence
    assert "Warning" in page  # the first one's
    assert "LeadFlow (SLA sweep)" in page


def test_re_enabling_needs_a_note(client: Client, manager: User, disabled: Partner) -> None:
    client.force_login(manager)
    response = client.post(f"/partners/manage/{disabled.pk}/", {"note": "  "})
    assert response.status_code == 400
    assert 'id="id_note_error"><li>This field is required.</li>' in response.content.decode()
    disabled.refresh_from_db()
    assert not disabled.flow_enabled


def test_a_manager_re_enables_the_flow_with_a_note(
    client: Client, manager: User, disabled: Partner
) -> None:
    client.force_login(manager)
    response = client.post(
        f"/partners/manage/{disabled.pk}/",
        {"note": "Agreed a weekly call to review open leads."},
        follow=True,
    )
    page = response.content.decode()
    assert "Lead flow of Bay Area Resellers re-enabled." in page
    assert "Re-enable the lead flow" not in page
    disabled.refresh_from_db()
    assert disabled.flow_enabled
    assert disabled.flow_enabled_at == LATER
    change = FlowChange.objects.filter(partner=disabled).first()
    assert change is not None
    assert (change.enabled, change.by, change.note) == (
        True,
        manager,
        "Agreed a weekly call to review open leads.",
    )
    assert "0 counting towards the threshold" in page


def test_the_partner_sees_its_own_record_with_the_violations(
    client: Client, disabled: Partner
) -> None:
    client.force_login(member(disabled))
    page = client.get("/partners/record/").content.decode()
    assert "Disabled after missed deadlines" in page
    assert page.count('<td data-label="Missed clock">Claim</td>') == 3
    assert "3 counting towards the threshold" in page
    assert "/leads/" not in page.split('data-testid="violations"')[1]  # no links to lost leads
    inbox = client.get("/partners/").content.decode()
    assert 'data-testid="flow-disabled"' in inbox
    assert 'data-testid="inbox-row"' not in inbox


def test_the_routing_queue_lists_leads_waiting_for_a_partner(
    client: Client, manager: User, disabled: Partner
) -> None:
    client.force_login(manager)
    page = client.get("/partners/manage/queue/").content.decode()
    assert page.count("Company ") == 3  # the three leads found no other partner
