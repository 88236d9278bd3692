"""The partner API (``/api/v1/partner/…``): a partner's users work their leads over HTTP with a
token; a lead that is not their partner's now is a 404 here and in the leads API."""

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.api.tokens import token_create
from leadflow.leads.models import Lead
from leadflow.partners.models import Partner
from leadflow.partners.services import lead_decline, leads_route, partner_capacity_set
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.partners.conftest import member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _an_hour_after_routing() -> Iterator[None]:
    """The API takes the real clock; it is moved to an hour after the leads were routed."""
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        yield


class PartnerApi:
    def __init__(self, user: User) -> None:
        self.client = Client()
        token = token_create(user=user, name="test", programs=(), now=NOW)[1]
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers, secure=True)

    def post(self, path: str, body: dict[str, Any], key: str | None = None) -> Any:
        headers = dict(self.headers)
        if key:
            headers["Idempotency-Key"] = key
        return self.client.post(
            f"/api/v1{path}",
            json.dumps(body),
            content_type="application/json",
            headers=headers,
            secure=True,
        )


@pytest.fixture
def setup(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> tuple[Lead, Partner, Partner]:
    first = make_partner("First", program_level="platinum")
    second = make_partner("Second")
    lead = make_approved(partner_program, "hot")
    leads_route(lead_ids=[lead.pk], now=NOW)
    return lead, first, second


def test_the_inbox_lists_the_partner_s_leads_with_their_clocks(
    setup: tuple[Lead, Partner, Partner],
) -> None:
    lead, first, _ = setup
    response = PartnerApi(member(first)).get("/partner/leads")
    assert response.status_code == 200
    (item,) = response.json()
    assert (item["lead_id"], item["rating"], item["status"]) == (lead.pk, "hot", "assigned")
    assert [clock["name"] for clock in item["clocks"]] == ["claim", "contact", "follow_up"]
    assert item["clocks"][2]["state"] == "waiting"


def test_claim_contact_and_outcome_over_the_api(setup: tuple[Lead, Partner, Partner]) -> None:
    lead, first, _ = setup
    api = PartnerApi(member(first))
    claimed = api.post(f"/partner/leads/{lead.pk}/claim", {})
    assert claimed.status_code == 200
    assert claimed.json()["status"] == "claimed"
    assert api.post(f"/partner/leads/{lead.pk}/claim", {}).status_code == 409
    future = {"channel": "phone", "at": "2026-11-02T16:00:00Z"}
    refused = api.post(f"/partner/leads/{lead.pk}/contact", future)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "at"]
    contact = {"channel": "phone", "at": "2026-11-02T15:00:00Z", "note": "hello"}
    contacted = api.post(f"/partner/leads/{lead.pk}/contact", contact)
    assert contacted.status_code == 200
    assert contacted.json()["contact_at"] == "2026-11-02T15:00:00Z"
    won = api.post(f"/partner/leads/{lead.pk}/outcome", {"outcome": "won"})
    assert won.json()["status"] == "closed_won"


def test_a_bad_outcome_is_a_422_with_the_field(setup: tuple[Lead, Partner, Partner]) -> None:
    lead, first, _ = setup
    response = PartnerApi(member(first)).post(
        f"/partner/leads/{lead.pk}/outcome", {"outcome": "maybe"}
    )
    assert response.status_code == 422


def test_another_partner_gets_404_for_the_lead_everywhere(
    setup: tuple[Lead, Partner, Partner],
) -> None:
    lead, _, second = setup
    api = PartnerApi(member(second))
    assert api.get(f"/partner/leads/{lead.pk}").status_code == 404
    assert api.post(f"/partner/leads/{lead.pk}/claim", {}).status_code == 404
    assert api.get(f"/leads/{lead.pk}").status_code == 404


def test_a_declined_lead_is_404_for_the_partner_that_declined_it(
    setup: tuple[Lead, Partner, Partner],
) -> None:
    lead, first, second = setup
    api = PartnerApi(member(first))
    assert api.get(f"/leads/{lead.pk}").status_code == 200
    declined = api.post(f"/partner/leads/{lead.pk}/decline", {"reason": "not_our_market"})
    assert declined.status_code == 200
    assert declined.json() == {"lead_id": lead.pk, "status": "gone"}
    assert api.get(f"/partner/leads/{lead.pk}").status_code == 404
    assert api.get(f"/leads/{lead.pk}").status_code == 404
    assert api.get("/partner/leads").json() == []
    assert PartnerApi(member(second)).get(f"/partner/leads/{lead.pk}").status_code == 200


def test_a_retried_claim_with_the_same_key_replays_the_answer(
    setup: tuple[Lead, Partner, Partner],
) -> None:
    lead, first, _ = setup
    api = PartnerApi(member(first))
    first_answer = api.post(f"/partner/leads/{lead.pk}/claim", {}, key="claim-1")
    again = api.post(f"/partner/leads/{lead.pk}/claim", {}, key="claim-1")
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first_answer.json()


def test_capacity_reached_is_a_409(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    partner = make_partner(capacity=2)
    leads = [make_approved(partner_program), make_approved(partner_program)]
    leads_route(lead_ids=[lead.pk for lead in leads], now=NOW)
    api = PartnerApi(member(partner))
    assert api.post(f"/partner/leads/{leads[0].pk}/claim", {}).status_code == 200
    partner_capacity_set(partner_id=partner.pk, capacity=1)
    response = api.post(f"/partner/leads/{leads[1].pk}/claim", {})
    assert response.status_code == 409
    assert "1 of 1" in response.json()["detail"]


def test_the_record_shows_the_partner_s_counts(setup: tuple[Lead, Partner, Partner]) -> None:
    lead, first, _ = setup
    lead_decline(lead_id=lead.pk, user=member(first), reason="no_capacity", note="", now=NOW)
    record = PartnerApi(member(first)).get("/partner/record").json()
    assert (record["received"], record["declined"], record["open_leads"]) == (1, 1, 0)


def test_users_of_no_partner_are_refused(
    setup: tuple[Lead, Partner, Partner], make_user: Callable[..., User]
) -> None:
    qualifier = make_user(Role.QUALIFIER)
    assert PartnerApi(qualifier).get("/partner/leads").status_code == 403
