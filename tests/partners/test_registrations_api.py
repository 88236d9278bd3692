"""``POST /api/v1/partner/registrations``: a partner's token registers a prospect (201), a
prospect the program knows is a 409 with the reason and no holder's name, a program that is not
the partner's a 404, and bad input a 422 with nothing written."""

from collections.abc import Callable

import pytest

from leadflow.leads.models import Lead
from leadflow.partners.models import Partner, Registration
from leadflow.programs.models import Client, Program
from tests import factories
from tests.factories import ANSWERS
from tests.partners.conftest import member
from tests.partners.test_api import PartnerApi

pytestmark = pytest.mark.django_db

BODY = {
    "program": "acme-partners",
    "first_name": "Grace",
    "last_name": "Hopper",
    "email": "grace@cobol.example",
    "company": "Cobol Systems",
    "country": "US",
    "state": "CA",
    "note": "Met at the Sacramento trade fair",
    "answers": ANSWERS["a"],
}


def test_a_partner_registers_a_prospect_over_the_api(
    partner_program: Program, make_partner: Callable[..., Partner]
) -> None:
    first, second = make_partner(name="First Reseller"), make_partner(name="Second Reseller")
    response = PartnerApi(member(first)).post("/partner/registrations", BODY, key="reg-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "accepted"
    assert body["protected_until"]
    lead = Lead.objects.get(pk=body["lead_id"])
    assert lead.channel == "sales_prospecting"
    replay = PartnerApi(member(first)).post("/partner/registrations", BODY, key="reg-1")
    assert replay.json() == body
    assert replay["Idempotent-Replayed"] == "true"

    refused = PartnerApi(member(second)).post("/partner/registrations", BODY)
    assert refused.status_code == 409
    assert refused.json()["status"] == "refused"
    assert refused.json()["lead_id"] is None
    assert "First" not in refused.content.decode()
    listed = PartnerApi(member(second)).get("/partner/registrations").json()
    assert [r["status"] for r in listed] == ["refused"]


def test_another_clients_program_is_a_404_and_bad_input_a_422(
    partner_program: Program, client_b: Client, make_partner: Callable[..., Partner]
) -> None:
    factories.program(
        client=client_b, name="Globex", slug="globex-partners", hand_off_mode="partners"
    )
    api = PartnerApi(member(make_partner()))
    for slug in ("globex-partners", "no-such-program"):
        assert api.post("/partner/registrations", {**BODY, "program": slug}).status_code == 404
    bad = api.post(
        "/partner/registrations", {"program": "acme-partners", "company": "Nobody to reach"}
    )
    assert bad.status_code == 422
    assert not Registration.objects.exists()
    assert not Lead.objects.exists()
