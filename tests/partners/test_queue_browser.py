"""A manager's journeys in a real browser (issue 17, H2).

1. Manual routing: a lead no partner covers waits in the routing queue; the manager sees every
   partner with why it cannot take the lead, chooses one, gives a reason and assigns it; the
   lead leaves the queue, its history says it was assigned by hand, the partner's user has it.
2. Reassignment: on a partner's page the manager takes an open lead away, back to the routing
   queue, with a reason; the partner's user gets 404 for it, and the queue shows it waiting.
"""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import LeadStatus
from leadflow.core.routing import TerritoryRule
from leadflow.leads.models import Lead
from leadflow.partners.models import Assignment, Partner, RoutingQueueEntry
from leadflow.partners.services import leads_route
from leadflow.programs.models import Client, Program
from tests.partners.conftest import member
from tests.partners.test_portal_browser import DESKTOP, fresh_sign_in, route

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _london(make_partner: Callable[..., Partner]) -> Partner:
    return make_partner(
        "Thames IT",
        territories=(TerritoryRule("GB"),),
        country="GB",
        subdivision="ENG",
        timezone="Europe/London",
    )


def test_a_manager_assigns_a_waiting_lead_to_a_partner_by_hand(
    page: Page,
    screenshots: Path,
    live_server: LiveServer,
    client_a: Client,
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
    make_user: Callable[..., User],
) -> None:
    london = _london(make_partner)
    lead = make_approved(partner_program, "hot", company="Babbage Engines", first_name="Charles")
    if not RoutingQueueEntry.objects.filter(lead=lead).exists():
        leads_route(lead_ids=[lead.pk], now=lead.updated_at)
    manager = make_user(Role.MANAGER, clients=(client_a,))

    page.set_viewport_size(DESKTOP)
    fresh_sign_in(page, live_server, manager, "/partners/manage/queue/")
    card = page.locator(f"#lead-{lead.pk}")
    expect(card).to_contain_text("Babbage Engines")
    expect(card.get_by_role("row", name="Thames IT")).to_contain_text(
        "does not cover US-CA (covers GB)"
    )
    page.screenshot(path=str(screenshots / "routing-queue.png"), full_page=True)

    card.get_by_role("button", name="Assign to the chosen partner").click()
    card = page.locator(f"#lead-{lead.pk}")
    expect(card.get_by_text("Choose the partner to assign the lead to.")).to_be_visible()
    card.get_by_label("Partner").select_option(str(london.pk))
    card.get_by_label("Reason").fill("Thames IT takes US leads of UK groups")
    card.get_by_role("button", name="Assign to the chosen partner").click()
    expect(page.get_by_text(f"Lead #{lead.pk} assigned to Thames IT.")).to_be_visible()
    expect(page.locator(f"#lead-{lead.pk}")).to_have_count(0)

    assignment = Assignment.objects.active().get(lead=lead)
    assert (assignment.partner, assignment.assigned_by) == (london, manager)
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    expect(page.get_by_text("assigned by hand to Thames IT").first).to_be_visible()

    fresh_sign_in(page, live_server, member(london), f"/partners/leads/{lead.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Babbage Engines")


def test_a_manager_takes_a_lead_from_its_partner_back_to_the_routing_queue(
    page: Page,
    screenshots: Path,
    live_server: LiveServer,
    client_a: Client,
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
    make_user: Callable[..., User],
) -> None:
    holder = make_partner("Holder")
    lead = make_approved(partner_program, "a", company="Lovelace Looms")
    assert route(lead).partner == holder
    manager = make_user(Role.MANAGER, clients=(client_a,))

    page.set_viewport_size(DESKTOP)
    fresh_sign_in(page, live_server, manager, f"/partners/manage/{holder.pk}/")
    row = page.locator(f"#held-{lead.pk}")
    row.get_by_text("Take it away").click()
    row.get_by_label("Give it to").select_option(label="Back to the routing queue")
    row.get_by_role("button", name=f"Reassign lead #{lead.pk}").click()
    expect(page.get_by_text("Say why: the reason is required.")).to_be_visible()
    row = page.locator(f"#held-{lead.pk}")
    row.get_by_label("Reason").fill("Holder is closing its office")
    page.screenshot(path=str(screenshots / "partner-reassign.png"), full_page=True)
    row.get_by_role("button", name=f"Reassign lead #{lead.pk}").click()
    expect(
        page.get_by_text(f"Lead #{lead.pk} taken from Holder: it went to the routing queue.")
    ).to_be_visible()
    expect(page.locator(f"#held-{lead.pk}")).to_have_count(0)

    lead.refresh_from_db()
    assert lead.status == LeadStatus.APPROVED
    page.goto(f"{live_server.url}/partners/manage/queue/")
    expect(page.locator(f"#lead-{lead.pk}")).to_contain_text("Holder")
    expect(page.locator(f"#lead-{lead.pk}")).to_contain_text("held this lead before")

    page.context.clear_cookies()
    fresh_sign_in(page, live_server, member(holder), "/partners/")
    response = page.goto(f"{live_server.url}/partners/leads/{lead.pk}/")
    assert response is not None
    assert response.status == 404
