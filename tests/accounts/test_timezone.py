"""One time zone per viewer (issue 17): a client contact reads their client's zone, anyone
else their own setting (the site's ``TIME_ZONE`` until they choose one); every page says which,
and the lead page shows its times in it."""

from collections.abc import Callable

import pytest
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.accounts.selectors import viewer_timezone
from leadflow.accounts.services import user_timezone_set
from leadflow.core.errors import InputError
from leadflow.delivery.services import hot_leads_deliver
from leadflow.programs.models import Program
from tests import factories
from tests.factories import NOW


@pytest.fixture(autouse=True)
def _plain_http(plain_http: None) -> None:
    """Pages are fetched over the test client's plain HTTP."""


def test_a_client_contact_reads_their_clients_zone_whatever_their_own_setting(
    program: Program, make_user: Callable[..., User]
) -> None:
    contact = make_user(Role.CLIENT, clients=(program.client,))
    contact.timezone = "Asia/Tokyo"
    contact.save()
    assert (viewer_timezone(user=contact).name, program.client.timezone) == (
        "America/New_York",
        "America/New_York",
    )


def test_anyone_else_reads_their_own_zone_else_the_sites(
    program: Program, make_user: Callable[..., User]
) -> None:
    qualifier = make_user(Role.QUALIFIER, programs=(program,))
    assert viewer_timezone(user=qualifier).name == "UTC"
    qualifier.timezone = "Asia/Tokyo"
    qualifier.save()
    assert viewer_timezone(user=qualifier).name == "Asia/Tokyo"


def test_the_account_page_saves_a_time_zone_and_every_page_labels_it(
    client: Client, program: Program, make_user: Callable[..., User]
) -> None:
    qualifier = make_user(Role.QUALIFIER, programs=(program,))
    client.force_login(qualifier)
    assert "Times in UTC" in client.get("/accounts/").content.decode()
    response = client.post("/accounts/", {"timezone": "Europe/Berlin"})
    assert response.status_code == 302
    qualifier.refresh_from_db()
    assert qualifier.timezone == "Europe/Berlin"
    assert "Times in Berlin time (CET)" in client.get("/queue/").content.decode()


def test_an_unknown_time_zone_is_refused_and_nothing_changes(
    client: Client, program: Program, make_user: Callable[..., User]
) -> None:
    qualifier = make_user(Role.QUALIFIER, programs=(program,))
    client.force_login(qualifier)
    response = client.post("/accounts/", {"timezone": "Mars/Olympus_Mons"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    qualifier.refresh_from_db()
    assert qualifier.timezone == ""


def test_a_client_contact_cannot_change_the_zone(
    client: Client, program: Program, make_user: Callable[..., User]
) -> None:
    contact = make_user(Role.CLIENT, clients=(program.client,))
    client.force_login(contact)
    page = client.get("/accounts/").content.decode()
    assert "your company's time zone, <strong>America/New York</strong>" in page
    assert "Save time zone" not in page
    client.post("/accounts/", {"timezone": "Asia/Tokyo"})
    contact.refresh_from_db()
    assert contact.timezone == ""


def test_the_same_delivery_page_shows_each_viewer_their_own_zone_labelled(
    client: Client, program: Program, make_user: Callable[..., User]
) -> None:
    """NOW is 14:30 UTC on 2 November 2026: 09:30 in New York (EST), 23:30 in Tokyo. Client
    contacts see a lead on its delivery's page (the lead page is not theirs)."""
    lead = factories.rated_lead(program=program, rating="hot", captured=NOW, approved=NOW)
    [delivery] = hot_leads_deliver(lead_ids=[lead.pk], now=NOW)
    contact = make_user(Role.CLIENT, clients=(program.client,))
    manager = make_user(Role.MANAGER, clients=(program.client,))
    manager.timezone = "Asia/Tokyo"
    manager.save()

    client.force_login(contact)
    seen_by_contact = client.get(f"/deliveries/{delivery.pk}/").content.decode()
    client.force_login(manager)
    seen_by_manager = client.get(f"/deliveries/{delivery.pk}/").content.decode()

    assert "Times in New York time (EST)" in seen_by_contact
    assert "Acme Corp · 2026-11-02 09:30 EST" in seen_by_contact
    assert "Times in Tokyo time (JST)" in seen_by_manager
    assert "Acme Corp · 2026-11-02 23:30 JST" in seen_by_manager


def test_the_lead_page_shows_a_qualifier_their_own_zone_labelled(
    client: Client, program: Program, make_user: Callable[..., User]
) -> None:
    lead = factories.rated_lead(program=program, rating="hot", captured=NOW)
    qualifier = make_user(Role.QUALIFIER, programs=(program,))
    client.force_login(qualifier)
    assert "2026-11-02 14:30 UTC" in client.get(f"/leads/{lead.pk}/").content.decode()
    qualifier.timezone = "Asia/Tokyo"
    qualifier.save()
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Times in Tokyo time (JST)" in page
    assert "2026-11-02 23:30 JST" in page
    assert "14:30" not in page


def test_the_service_refuses_an_unknown_zone_and_keeps_the_old_one(
    program: Program, make_user: Callable[..., User]
) -> None:
    qualifier = make_user(Role.QUALIFIER, programs=(program,))
    user_timezone_set(user=qualifier, timezone="Europe/Paris")
    with pytest.raises(InputError, match="is not a time zone"):
        user_timezone_set(user=qualifier, timezone="Europe/Atlantis")
    qualifier.refresh_from_db()
    assert qualifier.timezone == "Europe/Paris"
    user_timezone_set(user=qualifier, timezone="")
    assert viewer_timezone(user=qualifier).source == "default"
