"""The routing queue's and the partner page's manager actions with Django's test client:
every partner with its reason on the queue, assigning by hand, back to review, to nurture,
reassigning a partner's lead, the open and closed leads apart; a reason is required (400,
nothing written); another client's lead is 404; partners' users and other staff get 403."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django import Settings

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import LeadStatus
from leadflow.core.routing import TerritoryRule
from leadflow.core.sla import SlaTerms
from leadflow.leads.models import Lead
from leadflow.partners.models import Assignment, Partner, RoutingQueueEntry
from leadflow.partners.services import (
    lead_claim,
    lead_contact_record,
    lead_outcome_record,
    leads_route,
    sla_policy_set,
)
from leadflow.programs.models import Client as LeadClient
from leadflow.programs.models import Program
from tests.factories import NOW
from tests.partners.conftest import member

pytestmark = pytest.mark.django_db
LATER = NOW + timedelta(hours=1)


@pytest.fixture(autouse=True)
def _web(settings: Settings) -> Iterator[None]:
    settings.SECURE_SSL_REDIRECT = False
    with time_machine.travel(LATER, tick=False):
        yield


@pytest.fixture
def manager(make_user: Callable[..., User], client_a: LeadClient) -> User:
    return make_user(Role.MANAGER, clients=(client_a,))


@pytest.fixture
def london(make_partner: Callable[..., Partner]) -> Partner:
    return make_partner(
        "Thames IT",
        territories=(TerritoryRule("GB"),),
        country="GB",
        subdivision="ENG",
        timezone="Europe/London",
    )


@pytest.fixture
def waiting(partner_program: Program, make_approved: Callable[..., Lead], london: Partner) -> Lead:
    lead = make_approved(partner_program, "a", company="Waiting Co")
    (result,) = leads_route(lead_ids=[lead.pk], now=NOW)
    assert result.status == "queued"
    return lead


def _decide(client: Client, lead: Lead, **data: object) -> Any:
    return client.post(
        f"/partners/manage/queue/{lead.pk}/",
        {f"lead-{lead.pk}-{name}": value for name, value in data.items()},
    )


def test_the_queue_shows_every_partner_with_why_it_cannot_take_the_lead(
    client: Client, manager: User, waiting: Lead, london: Partner
) -> None:
    client.force_login(manager)
    page = client.get("/partners/manage/queue/").content.decode()
    assert "Waiting Co" in page
    assert "<td>Thames IT</td><td>does not cover US-CA (covers GB)" in page
    assert "Send back to review" in page
    assert "Move to nurture" in page
    assert f'<option value="{london.pk}">Thames IT — sets aside: does not cover US-CA' in page


def test_a_manager_assigns_a_waiting_lead_by_hand(
    client: Client, manager: User, waiting: Lead, london: Partner
) -> None:
    client.force_login(manager)
    response = _decide(client, waiting, decision="assign", partner=london.pk, reason="By contract")
    assert response.status_code == 302
    assignment = Assignment.objects.active().get(lead=waiting)
    assert assignment.partner == london
    page = client.get("/partners/manage/queue/").content.decode()
    assert f"Lead #{waiting.pk} assigned to Thames IT." in page
    assert "Waiting Co" not in page


def test_assigning_by_hand_without_a_reason_or_partner_is_refused_and_writes_nothing(
    client: Client, manager: User, waiting: Lead, london: Partner
) -> None:
    client.force_login(manager)
    response = _decide(client, waiting, decision="assign", partner=london.pk, reason=" ")
    assert response.status_code == 400
    assert "Say why: the reason is required." in response.content.decode()
    response = _decide(client, waiting, decision="assign", partner="", reason="Because")
    assert response.status_code == 400
    assert "Choose the partner to assign the lead to." in response.content.decode()
    assert not Assignment.objects.filter(lead=waiting).exists()
    assert RoutingQueueEntry.objects.filter(lead=waiting).exists()


def test_a_manager_sends_a_waiting_lead_back_to_review_or_to_nurture(
    client: Client,
    manager: User,
    waiting: Lead,
    partner_program: Program,
    make_approved: Callable[..., Lead],
) -> None:
    other = make_approved(partner_program, "b", company="Other Co")
    leads_route(lead_ids=[other.pk], now=NOW)
    client.force_login(manager)
    assert (
        _decide(client, waiting, decision="review", reason="Check the country").status_code == 302
    )
    assert _decide(client, other, decision="nurture", reason="Not before spring").status_code == 302
    waiting.refresh_from_db()
    other.refresh_from_db()
    assert (waiting.status, other.status) == (LeadStatus.IN_REVIEW, LeadStatus.NURTURING)


def test_another_client_s_waiting_lead_is_404_and_other_roles_get_403(
    client: Client,
    waiting: Lead,
    london: Partner,
    make_user: Callable[..., User],
    client_b: LeadClient,
    partner_program: Program,
) -> None:
    client.force_login(make_user(Role.MANAGER, clients=(client_b,)))
    response = _decide(client, waiting, decision="nurture", reason="Not mine")
    assert response.status_code == 404
    for user in (member(london), make_user(Role.QUALIFIER, programs=(partner_program,))):
        client.force_login(user)
        response = _decide(client, waiting, decision="nurture", reason="Not mine")
        assert response.status_code == 403
    waiting.refresh_from_db()
    assert waiting.status == LeadStatus.APPROVED


@pytest.fixture
def holder(
    make_partner: Callable[..., Partner],
    partner_program: Program,
    make_approved: Callable[..., Lead],
) -> Partner:
    """A partner with one open lead ("Open Co") and one it won ("Won Co")."""
    partner = make_partner("Holder")
    won, still_open = (
        make_approved(partner_program, "a", company=name) for name in ("Won Co", "Open Co")
    )
    leads_route(lead_ids=[won.pk, still_open.pk], now=NOW)
    user = member(partner)
    lead_claim(lead_id=won.pk, user=user, now=NOW)
    lead_contact_record(lead_id=won.pk, user=user, channel="phone", at=NOW, note="", now=NOW)
    lead_outcome_record(lead_id=won.pk, user=user, outcome="won", reason="", note="", now=NOW)
    return partner


def test_the_partner_page_lists_open_leads_apart_from_closed_ones(
    client: Client, manager: User, holder: Partner
) -> None:
    client.force_login(manager)
    page = client.get(f"/partners/manage/{holder.pk}/").content.decode()
    held, closed = page.split('id="closed-heading"')
    assert "Open Co" in held
    assert "Won Co" not in held
    assert "Won Co" in closed
    assert "Closed won" in closed


def test_a_manager_takes_a_lead_from_its_partner_and_gives_it_to_another(
    client: Client, manager: User, holder: Partner, london: Partner
) -> None:
    lead = Lead.objects.get(company="Open Co")
    client.force_login(manager)
    url = f"/partners/manage/{holder.pk}/leads/{lead.pk}/reassign/"
    prefix = f"reassign-{lead.pk}"
    response = client.post(url, {f"{prefix}-partner": london.pk, f"{prefix}-reason": ""})
    assert response.status_code == 400
    assert "Say why: the reason is required." in response.content.decode()
    assert Assignment.objects.active().get(lead=lead).partner == holder
    response = client.post(url, {f"{prefix}-partner": london.pk, f"{prefix}-reason": "UK office"})
    assert response.status_code == 302
    assert Assignment.objects.active().get(lead=lead).partner == london
    client.force_login(member(holder))
    assert client.get(f"/partners/leads/{lead.pk}/").status_code == 404


def test_reassigning_is_for_managers_of_the_partner_s_client(
    client: Client,
    holder: Partner,
    make_user: Callable[..., User],
    client_b: LeadClient,
) -> None:
    lead = Lead.objects.get(company="Open Co")
    url = f"/partners/manage/{holder.pk}/leads/{lead.pk}/reassign/"
    prefix = f"reassign-{lead.pk}"
    data = {f"{prefix}-partner": "", f"{prefix}-reason": "Mine now"}
    client.force_login(make_user(Role.MANAGER, clients=(client_b,)))
    assert client.post(url, data).status_code == 404
    client.force_login(member(holder))
    assert client.post(url, data).status_code == 403
    assert Assignment.objects.active().get(lead=lead).partner == holder


def test_the_queue_page_reads_a_fixed_number_of_queries_whatever_the_number_of_leads(
    client: Client,
    manager: User,
    waiting: Lead,
    partner_program: Program,
    make_approved: Callable[..., Lead],
) -> None:
    client.force_login(manager)
    client.get("/partners/manage/queue/")  # the session and the user are read and cached
    with CaptureQueriesContext(connection) as one:
        assert client.get("/partners/manage/queue/").status_code == 200
    more = [make_approved(partner_program, "b", company=f"More {n}") for n in range(3)]
    leads_route(lead_ids=[lead.pk for lead in more], now=NOW)
    with CaptureQueriesContext(connection) as four:
        page = client.get("/partners/manage/queue/").content.decode()
    assert page.count('data-testid="waiting-lead"') == 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_the_queue_states_the_waiting_limit_in_plain_words(
    client: Client, manager: User, waiting: Lead
) -> None:
    client.force_login(manager)
    page = client.get("/partners/manage/queue/").content.decode()
    assert (
        "Hot leads may wait 4 hours, others until the end of the next working day; "
        "after that the program's managers are alerted."
    ) in page
    assert 'data-testid="waiting-too-long"' not in page  # an hour after it began waiting


def test_the_queue_states_a_program_s_own_limit_and_marks_a_lead_waiting_too_long(
    client: Client, manager: User, waiting: Lead, partner_program: Program
) -> None:
    sla_policy_set(
        program=partner_program, terms=SlaTerms(queue_limit_hot_hours=2, queue_limit_working_days=3)
    )
    client.force_login(manager)
    page = client.get("/partners/manage/queue/").content.decode()
    assert (
        "Hot leads may wait 2 hours, others until the end of the third working day after the "
        "day they began waiting"
    ) in page
    # Queued Monday 14:30 UTC, an hour ago: the A lead may wait to the end of Thursday.
    assert "may wait until" in page
    assert ">5 Nov 2026, 23:59 UTC</time>" in page
    assert 'data-testid="waiting-too-long"' not in page
    # Had it begun waiting a week earlier, it would be late since the end of that Thursday.
    RoutingQueueEntry.objects.filter(lead=waiting).update(queued_at=NOW - timedelta(days=7))
    late = client.get("/partners/manage/queue/").content.decode()
    assert 'data-testid="waiting-too-long"' in late
    assert "Waiting too long: over the limit of 3 working days since" in late
    assert ">29 Oct 2026, 23:59 UTC</time>" in late
