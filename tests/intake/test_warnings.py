"""Keep every reachable lead (issue 12, items 3 and 7): a bad optional field is dropped from its
field, kept as sent in the profile and listed as a warning; only a lead nobody can reach is
refused. Through the core, ``lead_capture``, the web form and the API."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.api.tokens import token_create
from leadflow.core.enums import Channel
from leadflow.core.normalise import RawLead, normalise_lead, normalise_phone
from leadflow.intake.services import Capture, IntakeRejected, Submission, lead_capture
from leadflow.leads.models import EventKind, Lead
from leadflow.programs.models import Program
from tests.api.conftest import Api
from tests.conftest import NOW

LATER = NOW + timedelta(days=1)


@pytest.fixture
def api(make_user: Callable[..., User], program: Program) -> Api:
    """A marketer of the program's client, speaking to the API with a token."""
    marketer = make_user(Role.MARKETER, clients=(program.client,))
    return Api(token_create(user=marketer, name="test", programs=(), now=NOW)[1])


def capture(program: Program, *, now: Any = NOW, **fields: Any) -> Capture:
    raw = RawLead(
        **{name: fields.pop(name) for name in list(fields) if name in RawLead.__dataclass_fields__}
    )
    return lead_capture(
        program=program, submission=Submission(raw=raw, **fields), actor=None, now=now
    )


def warned(lead: Lead) -> dict[str, str]:
    return {w["field"]: w["value"] for w in lead.warnings}


# --- the core: lenient phones, territories, default country ----------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("415_555_0100", "+14155550100"),
        ("415 555 0100 (mobile)", "+14155550100"),
        ("4155550100.0", "+14155550100"),
        ("4.155550100E9", "+14155550100"),
        ("00 1 415 555 0100", "+14155550100"),
        ("(415) 555-0100", "+14155550100"),
        ("+1 (415) 555-0100", "+14155550100"),
    ],
)
def test_punctuation_and_spreadsheet_shapes_are_read_leniently(raw: str, e164: str) -> None:
    assert normalise_phone(raw, "US") == e164


@pytest.mark.parametrize(
    ("phone", "reason"),
    [
        ("385-(642)951-8397", "not a phone number: too long"),
        ("385-642-951", "not a phone number: too short"),
    ],
)
def test_a_phone_still_impossible_is_a_warning_of_a_lead_reached_by_email(
    phone: str, reason: str
) -> None:
    lead = normalise_lead(RawLead(email="ada@example.com", phone=phone), default_region="US")
    assert (lead.errors, lead.warnings, lead.phone) == ({}, {"phone": reason}, "")


@pytest.mark.parametrize(("state", "country"), [("FM", "FM"), ("PW", "PW"), ("mh", "MH")])
def test_usps_codes_of_the_freely_associated_states_are_their_iso_countries(
    state: str, country: str
) -> None:
    for sent in ("US", ""):
        raw = RawLead(email="ada@example.com", country=sent, state=state)
        lead = normalise_lead(raw, default_region="US", default_country="US")
        assert (lead.country, lead.subdivision, lead.warnings) == (country, "", {})


def test_us_territories_iso_lists_as_subdivisions_stay_subdivisions() -> None:
    raw = RawLead(email="ada@example.com", state="PR")
    lead = normalise_lead(raw, default_region="US", default_country="US")
    assert (lead.country, lead.subdivision) == ("US", "PR")


def test_a_military_usps_code_is_a_warning() -> None:
    raw = RawLead(email="ada@example.com", country="US", state="AE")
    lead = normalise_lead(raw, default_region="US")
    assert lead.warnings == {"state": "unknown subdivision 'AE' of US"}


def test_a_website_that_is_no_address_is_a_warning() -> None:
    lead = normalise_lead(RawLead(email="ada@example.com", website="n/a"), default_region="US")
    assert (lead.website, lead.warnings) == ("", {"website": "not a web address: 'n/a'"})


# --- capture ----------------------------------------------------------------------------------


def test_bad_optional_fields_are_dropped_kept_in_the_profile_and_listed(
    program: Program,
) -> None:
    result = capture(
        program,
        first_name="Ada",
        email="ada@example.com",
        phone="385-642-951",
        country="unknown",
        postal_code="9" * 20,
        website="n/a",
        answers={"timeframe_months": -3, "need": "established"},
    )
    lead = result.lead
    assert result.created
    assert (lead.phone, lead.country, lead.postal_code, lead.website) == ("", "", "", "")
    assert lead.answers == {"need": "established"}
    assert warned(lead) == {
        "phone": "385-642-951",
        "country": "unknown",
        "website": "n/a",
        "answers.timeframe_months": "-3",
        "postal_code": "9" * 20,
    }
    assert all(w["reason"] for w in lead.warnings)
    assert lead.profile["phone"] == "385-642-951"
    assert lead.profile["country"] == "unknown"
    assert lead.profile["answers.timeframe_months"] == -3
    assert lead.profile["postal_code"] == "9" * 20


def test_a_lead_nobody_can_reach_is_refused_with_every_reason(program: Program) -> None:
    with pytest.raises(IntakeRejected) as rejected:
        capture(program, first_name="Ada", email="ada@", phone="12", country="unknown")
    assert set(rejected.value.errors) == {"email", "phone", "country", "contact"}
    assert not Lead.objects.exists()


def test_a_lead_reached_by_company_and_name_keeps_a_bad_email_as_a_warning(
    program: Program,
) -> None:
    lead = capture(program, first_name="Ada", company="Engines", email="ada(at)example").lead
    assert (lead.email, warned(lead)) == ("", {"email": "ada(at)example"})


def test_characters_no_database_stores_still_refuse_an_optional_field(program: Program) -> None:
    with pytest.raises(IntakeRejected) as rejected:
        capture(program, email="ada@example.com", title="CTO\x00")
    assert set(rejected.value.errors) == {"title"}


def test_warnings_of_a_merged_inquiry_are_appended_to_the_lead(program: Program) -> None:
    first = capture(program, email="ada@example.com", phone="385-642-951").lead
    again = capture(program, email="ada@example.com", country="unknown", now=LATER)
    assert (again.created, again.lead.pk) == (False, first.pk)
    lead = Lead.objects.get(pk=first.pk)
    assert [w["field"] for w in lead.warnings] == ["phone", "country"]
    merged = lead.events.get(kind=EventKind.MERGED)
    assert [w["field"] for w in merged.after["changed"]["warnings"]] == ["phone", "country"]
    assert merged.before["warnings"] == first.warnings


# --- the web form -----------------------------------------------------------------------------


def post(client: Client, program: Program, data: dict[str, str]) -> Any:
    return client.post(
        f"/forms/{program.slug}/submit",
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
    )


def test_a_us_salesforce_form_with_a_state_and_no_country_takes_the_programs_country(
    client: Client, program: Program
) -> None:
    response = post(
        client,
        program,
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "state": "TX"},
    )
    assert response.status_code == 200
    assert b"Thank you" in response.content
    lead = Lead.objects.get()
    assert (lead.country, lead.subdivision, lead.warnings) == ("US", "TX", [])


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"phone": "385-(642)951-8397"}, "phone"),
        ({"phone": "385-642-951"}, "phone"),
        ({"state": "Bavaria"}, "state"),
        ({"country": "unknown"}, "country"),
        ({"zip": "1" * 30}, "postal_code"),
        ({"URL": "n/a"}, "website"),
        ({"title": "T" * 300}, "title"),
        ({"timeframe_months": "soon"}, "answers.timeframe_months"),
        ({"budget": "lots"}, "answers.budget"),
    ],
)
def test_an_optional_fields_problem_is_captured_and_the_visitor_goes_back_to_the_site(
    client: Client, program: Program, bad: dict[str, str], field: str
) -> None:
    program.web_form_allowed_hosts = ["www.acme.example"]
    program.save()
    data = {
        "first_name": "Ada",
        "email": "ada@example.com",
        "retURL": "https://www.acme.example/thanks",
        **bad,
    }
    response = post(client, program, data)
    assert response.status_code == 303
    assert response["Location"] == "https://www.acme.example/thanks"
    lead = Lead.objects.get()
    assert [w["field"] for w in lead.warnings] == [field]
    assert lead.warnings[0]["value"] == next(iter(bad.values()))[:200]
    assert lead.profile[field] == next(iter(bad.values()))


def test_a_form_shown_again_for_its_required_problems_shows_the_optional_ones_too(
    client: Client, program: Program
) -> None:
    response = post(client, program, {"first_name": "A" * 101, "email": "x@y.co", "zip": "9" * 20})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_first_name_error"' in html
    assert 'id="id_zip_error"' in html
    assert not Lead.objects.exists()


def test_a_form_nobody_can_be_reached_by_is_still_shown_again(
    client: Client, program: Program
) -> None:
    response = post(client, program, {"first_name": "Ada", "phone": "385-642-951"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_phone_error"' in html
    assert "needs an e-mail, a phone, or a company and a name" in html
    assert not Lead.objects.exists()


def test_the_programs_own_source_rules_name_the_forms_channel(
    client: Client, program: Program
) -> None:
    program.source_channel_rules = {"Spring Expo": "event"}
    program.save()
    post(client, program, {"email": "ada@example.com", "lead_source": "spring expo"})
    lead = Lead.objects.get()
    assert (lead.channel, lead.profile["source_detail"]) == (Channel.EVENT, "spring expo")


# --- the API ----------------------------------------------------------------------------------


def test_the_api_captures_the_issues_shapes_with_warnings(api: Api) -> None:
    body = {
        "program": "acme-demand",
        "first_name": "Ada",
        "email": "ada@example.com",
        "phone": "385-(642)951-8397",
        "country": "US",
        "state": "FM",
    }
    response = api.post("/leads", body)
    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["country"], answer["state"], answer["phone"]) == ("FM", "", "")
    assert [w["field"] for w in answer["warnings"]] == ["phone"]
    again = api.post("/leads", {**body, "phone": "", "country": "unknown", "state": ""})
    assert again.status_code == 200, again.content
    assert [w["field"] for w in again.json()["warnings"]] == ["phone", "country"]


def test_the_api_still_refuses_a_lead_nobody_can_reach(api: Api) -> None:
    response = api.post("/leads", {"program": "acme-demand", "phone": "385-642-951"})
    assert response.status_code == 422
    locs = {tuple(error["loc"]) for error in response.json()["detail"]}
    assert locs == {("body", "phone"), ("body", "contact")}
