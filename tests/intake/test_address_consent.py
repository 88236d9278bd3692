"""Street, city and consent from the API and the web form (issue 12, item 4): stored on the
lead, shown on its page, written in the delivery file, the partner's lead and the lead list's
export; opt-outs recorded as the contact's consent and noted in the lead's history."""

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.api.tokens import token_create
from leadflow.core import delivery_files
from leadflow.core.normalise import RawLead
from leadflow.delivery.content import lead_record
from leadflow.intake.services import Submission, lead_capture
from leadflow.leads.models import ContactConsent, EventKind, Lead
from leadflow.leads.selectors.consent import marketing_email_allowed, may_call
from leadflow.partners.exports import lead_csv, lead_values
from leadflow.partners.models import Assignment
from leadflow.programs.models import Program
from tests.api.conftest import Api
from tests.conftest import NOW
from tests.factories import HOT

FORM = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "company": "Analytical Engines",
    "phone": "415 555 0100",
    "country": "US",
    "state": "CA",
    "budget": "approved",
    "authority": "decision_maker",
    "need": "established",
    "timeframe_months": "2",
}


@pytest.fixture
def api(make_user: Callable[..., User], program: Program) -> Api:
    """A marketer of the program's client, with a token."""
    marketer = make_user(Role.MARKETER, clients=(program.client,))
    return Api(token_create(user=marketer, name="test", programs=(), now=NOW)[1])


@pytest.fixture
def lead_body() -> dict[str, Any]:
    return {
        "program": "acme-demand",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone": "(415) 555-0100",
        "company": "Analytical Engines Ltd",
        "country": "United States",
        "state": "California",
        "postal_code": "94105",
        "answers": dict(HOT),
    }


def consents(program: Program) -> dict[tuple[str, str], tuple[str, str]]:
    return {
        (row.channel, row.address): (row.status, row.source)
        for row in ContactConsent.objects.filter(client=program.client)
    }


# --- the API -----------------------------------------------------------------------------------


def test_the_api_stores_street_and_city_and_answers_with_them(
    api: Api, lead_body: dict[str, Any]
) -> None:
    response = api.post("/leads", {**lead_body, "street": "1 Main  St", "city": "San Francisco"})
    assert response.status_code == 201, response.content
    assert (response.json()["street"], response.json()["city"]) == ("1 Main St", "San Francisco")
    lead = Lead.objects.get()
    assert (lead.street, lead.city, lead.postal_code) == ("1 Main St", "San Francisco", "94105")
    assert "street" not in lead.profile


def test_the_api_refuses_an_over_long_street(api: Api, lead_body: dict[str, Any]) -> None:
    response = api.post("/leads", {**lead_body, "street": "x" * 201})
    assert response.status_code == 422
    assert not Lead.objects.exists()


def test_the_api_records_opt_outs_as_consent(
    api: Api, lead_body: dict[str, Any], program: Program
) -> None:
    response = api.post("/leads", {**lead_body, "email_opt_out": True, "do_not_call": True})
    assert response.status_code == 201, response.content
    assert consents(program) == {
        ("email", "ada@example.com"): ("unsubscribed", "API: email_opt_out"),
        ("phone", "+14155550100"): ("unsubscribed", "API: do_not_call"),
    }
    assert not marketing_email_allowed(client=program.client, email="ada@example.com")
    assert not may_call(client=program.client, phone="+14155550100")
    note = Lead.objects.get().events.get(kind=EventKind.NOTE)
    assert "E-mail ada@example.com: unsubscribed (API: email_opt_out)" in note.reason
    assert "Phone +14155550100: do not call (API: do_not_call)" in note.reason


def test_the_api_never_resubscribes_an_opted_out_address(
    api: Api, lead_body: dict[str, Any], program: Program
) -> None:
    api.post("/leads", {**lead_body, "email_opt_out": True})
    response = api.post("/leads", {**lead_body, "email_opt_out": False})
    assert response.status_code == 200  # merged: the same person
    assert consents(program)[("email", "ada@example.com")][0] == "unsubscribed"


def test_without_consent_fields_the_api_records_no_consent(
    api: Api, lead_body: dict[str, Any]
) -> None:
    assert api.post("/leads", lead_body).status_code == 201
    assert not ContactConsent.objects.exists()
    assert not Lead.objects.get().events.filter(kind=EventKind.NOTE).exists()


# --- the web form ------------------------------------------------------------------------------


SALESFORCE = {"street": "1 Main St", "city": "Springfield", "zip": "62701"}
MARKETO = {"Address": "1 Main St", "City": "Springfield", "PostalCode": "62701"}


@pytest.mark.parametrize(
    ("fields", "opted_out"),
    [
        ({**SALESFORCE}, None),
        ({"address": "1 Main St", "city": "Springfield", "zip": "62701"}, None),  # HubSpot
        ({**MARKETO}, None),
        ({**SALESFORCE, "emailOptOut": "1"}, True),  # a hidden field
        ({**MARKETO, "Unsubscribed": "true"}, True),
        ({**SALESFORCE, "Do Not Email": "on"}, True),  # a ticked checkbox
        ({**SALESFORCE, "donotemail": "no"}, False),
    ],
)  # fmt: skip
def test_a_form_in_each_vocabulary_stores_the_address_and_its_opt_out(
    client: Client, program: Program, fields: dict[str, str], opted_out: bool | None
) -> None:
    response = client.post(f"/forms/{program.slug}/submit", {**FORM, **fields})
    assert response.status_code == 200
    lead = Lead.objects.get()
    assert (lead.street, lead.city, lead.postal_code) == ("1 Main St", "Springfield", "62701")
    row = ContactConsent.objects.filter(address="ada@example.com").first()
    if opted_out is None:
        assert row is None
    else:
        assert row is not None
        assert row.status == ("unsubscribed" if opted_out else "subscribed")
        assert row.source == "web form: email_opt_out"


def test_a_form_s_do_not_call_marks_the_phone(client: Client, program: Program) -> None:
    client.post(f"/forms/{program.slug}/submit", {**FORM, "Do Not Call": "Yes"})
    assert consents(program) == {
        ("phone", "+14155550100"): ("unsubscribed", "web form: do_not_call")
    }


def test_a_later_form_saying_not_opted_out_keeps_the_unsubscribe(
    client: Client, program: Program
) -> None:
    client.post(f"/forms/{program.slug}/submit", {**FORM, "emailOptOut": "1"})
    client.post(f"/forms/{program.slug}/submit", {**FORM, "emailOptOut": "0"})
    assert Lead.objects.count() == 1
    assert consents(program)[("email", "ada@example.com")][0] == "unsubscribed"
    notes = Lead.objects.get().events.filter(kind=EventKind.NOTE).order_by("id")
    assert [("stays unsubscribed" in note.reason) for note in notes] == [False, True]


# --- capture (every channel's path) ------------------------------------------------------------


def test_an_unreadable_opt_out_is_a_warning_and_records_nothing(program: Program) -> None:
    capture = lead_capture(
        program=program,
        submission=Submission(
            raw=RawLead(email="ada@example.com", email_opt_out="perhaps"), answers=dict(HOT)
        ),
        actor=None,
        now=NOW,
    )
    assert [w["field"] for w in capture.lead.warnings] == ["email_opt_out"]
    assert not ContactConsent.objects.exists()


def test_an_opt_out_on_a_merged_inquiry_is_recorded_for_the_address_sent(program: Program) -> None:
    first = Submission(raw=RawLead(email="ada@example.com", company="Engines"), answers=dict(HOT))
    lead_capture(program=program, submission=first, actor=None, now=NOW)
    again = Submission(
        raw=RawLead(email="ada@example.com", email_opt_out="x"),
        consent_sources={"email_opt_out": "column Do Not Email"},
    )
    capture = lead_capture(program=program, submission=again, actor=None, now=NOW)
    assert not capture.created
    assert consents(program) == {
        ("email", "ada@example.com"): ("unsubscribed", "column Do Not Email")
    }
    assert capture.lead.events.filter(kind=EventKind.NOTE).count() == 1


# --- where the address is shown and sent -------------------------------------------------------


@pytest.fixture
def addressed(program: Program) -> Lead:
    submission = Submission(
        raw=RawLead(
            first_name="Ada",
            last_name="Lovelace",
            email="ada@example.com",
            company="Analytical Engines",
            street="1 Main St",
            city="Springfield",
            postal_code="62701",
            country="US",
            state="IL",
        ),
        answers=dict(HOT),
    )
    return lead_capture(program=program, submission=submission, actor=None, now=NOW).lead


def test_the_lead_page_shows_the_address(
    client: Client, addressed: Lead, make_user: Callable[..., User], program: Program
) -> None:
    client.force_login(make_user(Role.QUALIFIER, programs=(program,)))
    page = client.get(f"/leads/{addressed.pk}/").content.decode()
    assert "<dt>Address</dt><dd>1 Main St, Springfield</dd>" in page


def test_the_delivery_file_has_salesforce_s_street_and_city(addressed: Lead) -> None:
    record = lead_record(addressed, number=1, delivered_at=NOW)
    columns = delivery_files.layout(())
    (row,) = delivery_files.table(columns, [record])
    values = dict(zip([c.header for c in columns], row, strict=True))
    assert (values["Street"], values["City"], values["PostalCode"]) == (
        "1 Main St",
        "Springfield",
        "62701",
    )
    mapped = delivery_files.column_map_from_text("Address = street\nTown = city")
    assert delivery_files.table(mapped, [record]) == [["1 Main St", "Springfield"]]


def test_the_partner_s_lead_has_street_and_city(addressed: Lead) -> None:
    assignment = Assignment(lead=addressed, claim_due=NOW, contact_due=NOW)
    values = lead_values(addressed, assignment, "UTC")
    assert (values["street"], values["city"]) == ("1 Main St", "Springfield")
    header, row = list(
        csv.reader(io.StringIO(lead_csv(addressed, assignment, "UTC").decode("utf-8-sig")))
    )
    fields = dict(zip(header, row, strict=False))
    assert (fields["Street"], fields["City"]) == ("1 Main St", "Springfield")


def test_the_lead_list_export_has_the_address(
    client: Client, addressed: Lead, make_user: Callable[..., User], program: Program
) -> None:
    client.force_login(make_user(Role.MANAGER, programs=(program,)))
    response = client.get("/leads/export.csv")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))  # type: ignore[attr-defined]
    values = dict(zip(lines[0], lines[1], strict=True))
    assert (values["street"], values["city"], values["postal_code"]) == (
        "1 Main St",
        "Springfield",
        "62701",
    )


def test_the_openapi_document_describes_the_address_and_consent_fields(client: Client) -> None:
    schemas = client.get("/api/v1/openapi.json", secure=True).json()["components"]["schemas"]
    capture = schemas["LeadIn"]["properties"]
    assert {"street", "city", "email_opt_out", "do_not_call"} <= set(capture)
    assert "only the person may subscribe again" in capture["email_opt_out"]["description"]
    assert {"street", "city"} <= set(schemas["LeadOut"]["properties"])
