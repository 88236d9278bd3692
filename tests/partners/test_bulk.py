"""The lead list's "Give to a partner" (``partners/services/bulk.py``): a manager's override of the
routing for the picked leads, recorded in each lead's history, scope-checked, all in one
transaction; the first partner of a held lead loses it without a violation."""

from collections.abc import Callable, Iterator

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django import Settings

from leadflow.accounts.models import Role, User
from leadflow.core.errors import InputError
from leadflow.core.lifecycle import LeadStatus
from leadflow.core.routing import TerritoryRule
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.notifications.models import OutboxMessage
from leadflow.partners.models import Assignment, EndReason, Partner, PartnerType, Violation
from leadflow.partners.selectors import partner_assignment_get
from leadflow.partners.services import leads_route
from leadflow.partners.services.bulk import leads_give_to_partner
from leadflow.programs.models import Client as LeadClient
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.partners.conftest import member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _web(settings: Settings) -> Iterator[None]:
    settings.SECURE_SSL_REDIRECT = False
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def manager(make_user: Callable[..., User], client_a: LeadClient) -> User:
    return make_user(Role.MANAGER, clients=(client_a,))


@pytest.fixture
def germany(make_partner: Callable[..., Partner]) -> Partner:
    """A partner the routing would never choose for a Californian lead."""
    return make_partner("Berlin Systems", territories=(TerritoryRule("DE"),), country="DE",
                        subdivision="BE", timezone="Europe/Berlin")  # fmt: skip


def test_a_waiting_lead_goes_to_the_chosen_partner_with_clocks_and_history(
    partner_program: Program,
    make_approved: Callable[..., Lead],
    manager: User,
    germany: Partner,
) -> None:
    lead = make_approved(partner_program, "hot")
    assert leads_route(lead_ids=[lead.pk], now=NOW)[0].status == "queued"
    result = leads_give_to_partner(
        leads=Lead.objects.filter(pk=lead.pk),
        partner_id=germany.pk,
        actor=manager,
        reason="They have a German-speaking team",
        now=NOW,
    )
    assert (result.changed, result.message) == ([lead.pk], "1 given to Berlin Systems")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED
    assignment = Assignment.objects.get(lead=lead, ended_at__isnull=True)
    assert (assignment.partner, assignment.assigned_by) == (germany, manager)
    assert assignment.claim_due is not None
    assert assignment.claim_due > NOW
    assert assignment.routing["override"] is True
    event = LeadEvent.objects.filter(lead=lead, kind=EventKind.STATUS_CHANGED).latest("id")
    assert event.action == "assign"
    assert event.actor == manager
    assert event.reason == (
        "given to Berlin Systems by a manager: They have a German-speaking team"
    )
    assert OutboxMessage.objects.filter(key__contains=str(assignment.pk)).exists()
    assert partner_assignment_get(user=member(germany), lead_id=lead.pk) == assignment


def test_a_held_lead_leaves_its_partner_without_a_violation(
    partner_program: Program,
    make_approved: Callable[..., Lead],
    make_partner: Callable[..., Partner],
    manager: User,
    germany: Partner,
) -> None:
    first = make_partner("Bay Area Resellers")
    lead = make_approved(partner_program, "a")
    assert leads_route(lead_ids=[lead.pk], now=NOW)[0].partner_id == first.pk
    leads_give_to_partner(
        leads=Lead.objects.filter(pk=lead.pk),
        partner_id=germany.pk,
        actor=manager,
        reason="Customer asked for them",
        now=NOW,
    )
    old = Assignment.objects.get(lead=lead, partner=first)
    assert (old.ended_at, old.end_reason) == (NOW, EndReason.REASSIGNED)
    assert not Violation.objects.exists()
    with pytest.raises(Assignment.DoesNotExist):
        partner_assignment_get(user=member(first), lead_id=lead.pk)
    assert Assignment.objects.get(lead=lead, ended_at__isnull=True).partner == germany
    event = LeadEvent.objects.filter(lead=lead, kind=EventKind.STATUS_CHANGED).latest("id")
    assert event.reason.startswith("taken from Bay Area Resellers and given to Berlin Systems")


def test_leads_that_never_go_to_partners_are_skipped(
    partner_program: Program,
    make_approved: Callable[..., Lead],
    make_lead: Callable[..., Lead],
    manager: User,
    germany: Partner,
) -> None:
    rated_c = make_approved(partner_program, "c")
    fresh = make_lead(partner_program)
    result = leads_give_to_partner(
        leads=Lead.objects.filter(pk__in=[rated_c.pk, fresh.pk]),
        partner_id=germany.pk,
        actor=manager,
        reason="Try",
        now=NOW,
    )
    assert result.changed == []
    assert set(result.skipped) == {rated_c.pk, fresh.pk}
    assert "never routed" in result.skipped[rated_c.pk]
    assert result.skipped[fresh.pk] == "a lead that is new cannot go to a partner"
    assert not Assignment.objects.exists()


def _disabled(partner: Partner) -> Partner:
    """A partner whose flow is off (as the sweep leaves one at the violation threshold)."""
    Partner.objects.filter(pk=partner.pk).update(flow_enabled=False)
    partner.refresh_from_db()
    return partner


@pytest.mark.parametrize("refusal", ["agency", "disabled", "other client", "no reason"])
def test_a_partner_that_cannot_take_leads_or_no_reason_changes_nothing(
    partner_program: Program,
    make_approved: Callable[..., Lead],
    make_partner: Callable[..., Partner],
    client_b: LeadClient,
    manager: User,
    refusal: str,
) -> None:
    lead = make_approved(partner_program, "a")
    partner = {
        "agency": lambda: make_partner("Agency", type=PartnerType.AGENCY),
        "disabled": lambda: _disabled(make_partner("Off")),
        "other client": lambda: make_partner("Elsewhere", client=client_b),
        "no reason": lambda: make_partner("Fine"),
    }[refusal]()
    with pytest.raises(InputError):
        leads_give_to_partner(
            leads=Lead.objects.filter(pk=lead.pk),
            partner_id=partner.pk,
            actor=manager,
            reason="  " if refusal == "no reason" else "Because",
            now=NOW,
        )
    lead.refresh_from_db()
    assert lead.status == LeadStatus.APPROVED
    assert not Assignment.objects.exists()


# --- the pages ------------------------------------------------------------------------------------


def test_the_list_offers_give_to_a_partner_to_managers_only(
    client: Client, manager: User, make_user: Callable[..., User], partner_program: Program
) -> None:
    client.force_login(manager)
    assert "Give to a partner…" in client.get("/leads/").content.decode()
    client.force_login(make_user(Role.MARKETER, programs=(partner_program,)))
    assert "Give to a partner…" not in client.get("/leads/").content.decode()
    assert client.post("/partners/bulk/give", {}).status_code == 403


def test_nothing_selected_says_select_at_least_one_lead(client: Client, manager: User) -> None:
    client.force_login(manager)
    response = client.post("/partners/bulk/give", {"query": "rating=a"}, follow=True)
    assert response.redirect_chain[-1][0] == "/leads/?rating=a"
    assert "Select at least one lead." in response.content.decode()


def test_a_lead_outside_the_managers_scope_refuses_the_whole_action(
    client: Client,
    manager: User,
    partner_program: Program,
    make_approved: Callable[..., Lead],
    other_program: Program,
    make_lead: Callable[..., Lead],
    germany: Partner,
) -> None:
    mine = make_approved(partner_program, "a")
    theirs = make_lead(other_program)
    client.force_login(manager)
    response = client.post(
        "/partners/bulk/give",
        {"lead": [mine.pk, theirs.pk], "partner": germany.pk, "reason": "x", "confirm": "on"},
        follow=True,
    )
    assert "Nothing changed: 1 of the 2 selected leads" in response.content.decode()
    assert not Assignment.objects.exists()


def test_the_page_asks_which_partner_and_why_then_gives_the_leads(
    client: Client,
    manager: User,
    partner_program: Program,
    make_approved: Callable[..., Lead],
    germany: Partner,
) -> None:
    leads = [make_approved(partner_program, "a", company=f"Company {n}") for n in range(2)]
    picked = {"lead": [lead.pk for lead in leads], "query": "rating=a"}
    client.force_login(manager)
    confirm = client.post("/partners/bulk/give", picked)
    page = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Give 2 leads to a partner?" in page
    assert f'<option value="{germany.pk}">Berlin Systems (' in page
    no_reason = client.post(
        "/partners/bulk/give", {**picked, "partner": germany.pk, "confirm": "on"}
    )
    assert no_reason.status_code == 400
    assert "Say why these leads go to this partner." in no_reason.content.decode()
    assert not Assignment.objects.exists()
    done = client.post(
        "/partners/bulk/give",
        {**picked, "partner": germany.pk, "reason": "Trade show follow-up", "confirm": "on"},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == "/leads/?rating=a"
    assert "2 given to Berlin Systems." in done.content.decode()
    assert Assignment.objects.filter(partner=germany, ended_at__isnull=True).count() == 2


def _give_queries(leads: list[Lead], partner: Partner, manager: User) -> int:
    with CaptureQueriesContext(connection) as queries:
        result = leads_give_to_partner(
            leads=Lead.objects.filter(pk__in=[lead.pk for lead in leads]),
            partner_id=partner.pk,
            actor=manager,
            reason="Their team covers these accounts",
            now=NOW,
        )
    assert len(result.changed) == len(leads)
    # Each new partner assignment queues its own e-mail (the outbox: a message and its
    # attachment, in a savepoint), as automatic routing does; the rest is set-based.
    return sum(
        1
        for query in queries.captured_queries
        if "notifications_outbox" not in query["sql"] and "SAVEPOINT" not in query["sql"]
    )


def test_giving_many_held_leads_costs_the_same_statements_as_giving_a_few(
    partner_program: Program,
    make_approved: Callable[..., Lead],
    make_partner: Callable[..., Partner],
    manager: User,
    germany: Partner,
) -> None:
    """Set-based: the leads' old assignments end in one UPDATE, their history is one INSERT,
    the new assignments another, whatever the number of leads."""
    first = make_partner("Bay Area Resellers", capacity=50)
    leads = [make_approved(partner_program, "a") for _ in range(10)]
    assert {r.partner_id for r in leads_route(lead_ids=[lead.pk for lead in leads], now=NOW)} == {
        first.pk
    }
    few = _give_queries(leads[:2], germany, manager)
    many = _give_queries(leads[2:], germany, manager)
    assert many <= few
    ended = Assignment.objects.filter(partner=first, end_reason=EndReason.REASSIGNED)
    assert ended.count() == 10
