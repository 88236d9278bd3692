"""The partner inbox shows each lead's predicted chance beside its rating (issue 19), read in
one query for the whole inbox, and only for the leads the partner holds."""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django import DjangoAssertNumQueries
from pytest_django.live_server_helper import LiveServer

from leadflow.core.routing import TerritoryRule
from leadflow.partners.models import Partner
from leadflow.programs.models import Program
from tests.partners.conftest import member
from tests.partners.test_portal_browser import DESKTOP, fresh_sign_in
from tests.partners.test_portal_views import MakeApproved, MakePartner, browser_of, routed
from tests.scoring.predictions import predict, scoring_model

pytestmark = pytest.mark.django_db
__all__ = ["browser_of"]


@pytest.fixture(autouse=True)
def _web(plain_http: None) -> None:
    """The inbox is fetched over the test client's plain HTTP."""


def test_the_inbox_shows_the_chance_beside_the_rating_of_the_partners_own_leads(
    client: Client,
    make_partner: MakePartner,
    partner_program: Program,
    make_approved: MakeApproved,
    browser_of: Callable[[Partner], Client],
) -> None:
    partner = make_partner("Bay Area Resellers")
    other = make_partner(
        "Toronto Partner",
        territories=(TerritoryRule("CA"),),
        country="CA",
        subdivision="ON",
        timezone="America/Toronto",
    )
    own = make_approved(partner_program, "a", company="Analytical Engines Ltd")
    plain = make_approved(partner_program, "a", company="No Prediction Inc")
    foreign = make_approved(
        partner_program, "b", company="Elsewhere", country="CA", subdivision="ON"
    )
    assert routed(own).partner == partner
    assert routed(plain).partner == partner
    assert routed(foreign).partner == other
    predict(own, 0.57)
    predict(foreign, 0.91)
    page = browser_of(partner).get("/partners/").content.decode()
    row = next(part for part in page.split("<tr") if f'data-lead="{own.pk}"' in part)
    assert " · 57 %<" in row
    assert "Predicted chance of converting: 57 %." in row
    other_row = next(part for part in page.split("<tr") if f'data-lead="{plain.pk}"' in part)
    assert "rating-note" not in other_row
    assert "91 %" not in page


@pytest.mark.parametrize("count", [2, 6])
def test_the_inbox_reads_a_fixed_number_of_queries_with_predictions(
    make_partner: MakePartner,
    partner_program: Program,
    make_approved: MakeApproved,
    browser_of: Callable[[Partner], Client],
    count: int,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    partner = make_partner("Bay Area Resellers")
    model = scoring_model(partner_program)
    for number in range(count):
        lead = make_approved(partner_program, "a", company=f"Company {number}")
        routed(lead)
        predict(lead, 0.3, model=model)
    client = browser_of(partner)
    with django_assert_max_num_queries(9):
        page = client.get("/partners/").content.decode()
    assert page.count('data-testid="rating-note"') == count


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_partner_sees_the_chance_in_the_inbox_in_a_browser(
    page: Page,
    screenshots: Path,
    live_server: LiveServer,
    make_partner: MakePartner,
    partner_program: Program,
    make_approved: MakeApproved,
) -> None:
    partner = make_partner("Bay Area Resellers")
    own = make_approved(partner_program, "a", company="Analytical Engines Ltd")
    routed(own, at=timezone.now())
    routed(make_approved(partner_program, "b", company="No Prediction Inc"), at=timezone.now())
    predict(own, 0.57)
    page.set_viewport_size(DESKTOP)
    fresh_sign_in(page, live_server, member(partner), "/partners/")
    row = page.locator(f'tr[data-lead="{own.pk}"]')
    expect(row.get_by_test_id("rating-note")).to_contain_text("· 57 %")
    page.screenshot(path=str(screenshots / "scoring-partner-inbox.png"), full_page=True)
