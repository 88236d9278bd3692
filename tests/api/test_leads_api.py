"""REST API v1, leads: capture, read, search, page, update; authentication and scope."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.api.tokens import token_create, token_revoke
from leadflow.core.lifecycle import Action
from leadflow.delivery.services import hot_leads_deliver
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.services import LeadInput, lead_create, lead_transition
from leadflow.programs.models import Program
from tests.api.conftest import HOT_ANSWERS, Api
from tests.conftest import NOW


def lead_at(program: Program, at: datetime, **fields: Any) -> Lead:
    answers = fields.pop("answers", {})
    data = LeadInput(
        first_name=fields.pop("first_name", "Grace"),
        last_name=fields.pop("last_name", "Hopper"),
        answers=answers,
        **fields,
    )
    return lead_create(program=program, data=data, actor=None, now=at)


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# --- capture ------------------------------------------------------------------------------------


def test_a_new_lead_is_created_normalised_and_qualified(
    api: Api, lead_body: dict[str, Any]
) -> None:
    response = api.post("/leads", lead_body)
    assert response.status_code == 201, response.content
    lead = response.json()
    assert {k: lead[k] for k in ("email", "phone", "country", "state", "postal_code")} == {
        "email": "ada@example.com",
        "phone": "+14155550100",
        "country": "US",
        "state": "CA",
        "postal_code": "94105",
    }
    assert lead["program"] == "acme-demand"
    assert (lead["status"], lead["stage"], lead["rating"]) == (
        "new",
        "qualified_opportunity",
        "hot",
    )
    assert lead["bant"] == {"budget": True, "authority": True, "need": True, "timeframe": True}
    assert lead["score"] == 100
    assert any(line.startswith("Rated Hot: ") for line in lead["explanation"])
    assert (lead["channel"], lead["campaign"], lead["inquiry_type"], lead["external_id"]) == (
        "event",
        "SPRING-26",
        "demo_request",
        "crm-1",
    )
    assert lead["profile"] == {"environment": "on-premises"}
    assert lead["answers"] == HOT_ANSWERS
    stored = Lead.objects.get(pk=lead["id"])
    assert stored.events.get().kind == EventKind.CREATED


def test_a_second_inquiry_of_the_same_person_is_merged_and_answers_200(
    api: Api, lead_body: dict[str, Any]
) -> None:
    first = api.post("/leads", {**lead_body, "external_id": None, "answers": {"budget": "none"}})
    second = api.post(
        "/leads",
        {
            "program": "acme-demand",
            "email": "ada@example.com",
            "answers": {"need": "identified"},
        },
    )
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["answers"] == {"budget": "none", "need": "identified"}
    assert Lead.objects.count() == 1


def test_the_same_external_id_is_merged_into_its_lead(api: Api, lead_body: dict[str, Any]) -> None:
    first = api.post("/leads", lead_body)
    other_person = {"program": "acme-demand", "email": "x@other.example", "external_id": "crm-1"}
    second = api.post("/leads", other_person)
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]


def test_nulls_are_empty_values(api: Api) -> None:
    body = {
        "program": "acme-demand",
        "email": "n@example.com",
        "first_name": None,
        "channel": None,
        "profile": None,
        "answers": {"timeframe_months": None},
    }
    response = api.post("/leads", body)
    assert response.status_code == 201, response.content
    assert (response.json()["first_name"], response.json()["channel"]) == ("", "web")


@pytest.mark.parametrize(
    ("change", "field", "value"),
    [
        ({"email": "not-an-email"}, "email", "not-an-email"),
        ({"phone": "12"}, "phone", "12"),
        ({"country": "Atlantis", "state": ""}, "country", "Atlantis"),
        ({"answers": {"budget": "lots"}}, "answers.budget", "lots"),
        ({"answers": {"timeframe_months": -1}}, "answers.timeframe_months", "-1"),
        ({"answers": {"colour": "blue"}}, "answers.colour", "blue"),
    ],
)
def test_a_bad_optional_field_of_a_reachable_lead_is_a_warning_not_a_422(
    api: Api, lead_body: dict[str, Any], change: dict[str, Any], field: str, value: str
) -> None:
    """DESIGN.md, "Intake rules": the lead can be reached (company and name, and the other
    contact fields), so the bad value is left out, kept in the profile and listed."""
    response = api.post("/leads", {**lead_body, **change})
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(w["field"], w["value"]) for w in body["warnings"]] == [(field, value)]
    assert all(w["reason"] for w in body["warnings"])
    lead = Lead.objects.get()
    assert lead.warnings == body["warnings"]
    assert str(lead.profile[field]) == value


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"channel": "carrier_pigeon"}, ["body", "channel"]),
        ({"first_name": "x" * 41}, ["body", "first_name"]),
        ({"first_name": 12}, ["body", "first_name"]),
        ({"last_name": "nul\x00byte"}, ["body", "last_name"]),
        ({"company": "\ud800"}, ["body", "company"]),
        ({"answers": {"timeframe_months": 10**400}}, ["body", "answers"]),
        ({"profile": {"deep": [[[[[[[[[[1]]]]]]]]]]}}, ["body", "profile"]),
        ({"program": ""}, ["body", "program"]),
    ],
)
def test_invalid_fields_are_422_with_the_field_named(
    api: Api, lead_body: dict[str, Any], change: dict[str, Any], loc: list[str]
) -> None:
    response = api.post("/leads", {**lead_body, **change})
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert [error["loc"] for error in detail] == [loc]
    assert all(error["msg"] and error["type"] for error in detail)
    assert not Lead.objects.exists()


def test_every_problem_of_an_inquiry_is_reported_at_once(api: Api) -> None:
    body = {"program": "acme-demand", "email": "bad", "answers": {"need": "?"}}
    response = api.post("/leads", body)
    assert response.status_code == 422
    locs = [error["loc"] for error in response.json()["detail"]]
    assert ["body", "email"] in locs
    assert ["body", "answers", "need"] in locs


def test_a_lead_that_cannot_be_reached_is_rejected(api: Api) -> None:
    response = api.post("/leads", {"program": "acme-demand", "first_name": "Ada"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "contact"]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'{"program": NaN}', b'{"answers": {"x": 1e999}}', b"\xff\xfe"],
)
def test_malformed_json_is_a_400(api: Api, body: bytes) -> None:
    response = api.post("/leads", body)
    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_missing_body_is_422(api: Api) -> None:
    response = api.post("/leads", b"")
    assert response.status_code == 422


def test_a_program_outside_the_callers_scope_is_404(
    api: Api, lead_body: dict[str, Any], other_program: Program
) -> None:
    for slug in ("globex-partners", "no-such-program"):
        response = api.post("/leads", {**lead_body, "program": slug})
        assert response.status_code == 404
    assert not Lead.objects.exists()


@pytest.mark.parametrize("role", [Role.CLIENT, Role.PARTNER, Role.REVIEWER])
def test_a_role_that_may_not_create_leads_gets_403(
    api_as: Callable[..., Api],
    make_user: Callable[..., User],
    program: Program,
    lead_body: dict[str, Any],
    role: Role,
) -> None:
    response = api_as(make_user(role, clients=(program.client,))).post("/leads", lead_body)
    assert response.status_code == 403
    assert not Lead.objects.exists()


# --- read ---------------------------------------------------------------------------------------


def test_a_lead_is_read_by_id(api: Api, program: Program, make_lead: Callable[..., Lead]) -> None:
    lead = make_lead(program)
    response = api.get(f"/leads/{lead.pk}")
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["email"]) == (lead.pk, "ada@example.com")


@pytest.mark.parametrize("lead_id", ["999999", "0", str(2**70), "abc"])
def test_an_unknown_or_impossible_id_is_404_or_422(api: Api, lead_id: str) -> None:
    assert api.get(f"/leads/{lead_id}").status_code in (404, 422)


def test_another_clients_lead_is_404_by_id_and_absent_from_lists(
    api: Api, program: Program, other_program: Program, make_lead: Callable[..., Lead]
) -> None:
    mine, theirs = make_lead(program), make_lead(other_program)
    assert api.get(f"/leads/{theirs.pk}").status_code == 404
    assert api.patch(f"/leads/{theirs.pk}", {"answers": {"need": "none"}}).status_code == 404
    assert ids(api.get("/leads")) == [mine.pk]
    assert ids(api.get("/leads", program="globex-partners")) == []


def test_a_token_narrowed_to_one_program_sees_only_that_program(
    api_as: Callable[..., Api],
    make_user: Callable[..., User],
    program: Program,
    other_program: Program,
    make_lead: Callable[..., Lead],
    lead_body: dict[str, Any],
) -> None:
    admin = make_user(Role.ADMIN)
    narrowed = api_as(admin, (program,))
    mine, theirs = make_lead(program), make_lead(other_program)
    assert ids(narrowed.get("/leads")) == [mine.pk]
    assert narrowed.get(f"/leads/{theirs.pk}").status_code == 404
    other = {**lead_body, "program": "globex-partners"}
    assert narrowed.post("/leads", other).status_code == 404
    assert ids(api_as(admin).get("/leads")) == [theirs.pk, mine.pk]


def test_a_client_contact_reads_only_delivered_leads(
    api_as: Callable[..., Api],
    make_user: Callable[..., User],
    program: Program,
    make_lead: Callable[..., Lead],
) -> None:
    waiting, delivered = make_lead(program), make_lead(program)  # both Hot
    for action in (Action.SUBMIT_FOR_REVIEW, Action.APPROVE):
        delivered = lead_transition(lead=delivered, action=action, actor=None, now=NOW)
    hot_leads_deliver(lead_ids=[delivered.pk], now=NOW)
    contact = api_as(make_user(Role.CLIENT, clients=(program.client,)))
    assert ids(contact.get("/leads")) == [delivered.pk]
    assert contact.get(f"/leads/{waiting.pk}").status_code == 404
    assert contact.patch(f"/leads/{delivered.pk}", {"profile": {}}).status_code == 403


# --- search and ordering ------------------------------------------------------------------------


@pytest.fixture
def three_leads(program: Program, other_program: Program) -> dict[str, Lead]:
    return {
        "hot": lead_at(
            program,
            NOW - timedelta(days=3),
            email="ada@engines.example",
            company="Analytical Engines",
            channel="event",
            campaign="SPRING",
            answers=HOT_ANSWERS,
        ),
        "c": lead_at(
            program,
            NOW - timedelta(days=2),
            first_name="Charles",
            last_name="Babbage",
            email="cb@difference.example",
            company="Difference Ltd",
            channel="web",
            campaign="AUTUMN",
            answers={"need": "identified"},
        ),
        "fyi": lead_at(
            program,
            NOW - timedelta(days=1),
            first_name="Mary",
            last_name="Somerville",
            email="mary@example.org",
            company="Royal Society",
            channel="referral",
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["fyi", "c", "hot"]),
        ({"program": "acme-demand"}, ["fyi", "c", "hot"]),
        ({"rating": "hot"}, ["hot"]),
        ({"rating": "c"}, ["c"]),
        ({"stage": "qualified_opportunity"}, ["hot"]),
        ({"status": "new"}, ["fyi", "c", "hot"]),
        ({"status": "approved"}, []),
        ({"channel": "referral"}, ["fyi"]),
        ({"campaign": "AUTUMN"}, ["c"]),
        ({"created_after": (NOW - timedelta(days=2)).isoformat()}, ["fyi", "c"]),
        ({"created_before": (NOW - timedelta(days=2)).isoformat()}, ["hot"]),
        ({"created_after": "2026-10-31T00:00:00"}, ["fyi", "c"]),
        ({"q": "BABBAGE"}, ["c"]),
        ({"q": "engines"}, ["hot"]),
        ({"q": "mary@EXAMPLE"}, ["fyi"]),
        ({"q": "royal"}, ["fyi"]),
        ({"q": "grace engines"}, ["hot"]),
        ({"q": "grace babbage"}, []),
        ({"q": "%"}, []),
    ],
)
def test_the_list_filters(
    api: Api, three_leads: dict[str, Lead], query: dict[str, str], expected: list[str]
) -> None:
    assert ids(api.get("/leads", **query)) == [three_leads[name].pk for name in expected]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-created_at", ["fyi", "c", "hot"]),
        ("created_at", ["hot", "c", "fyi"]),
        ("-score", ["hot", "c", "fyi"]),
        ("score", ["fyi", "c", "hot"]),
        ("-updated_at", ["fyi", "c", "hot"]),
        ("updated_at", ["hot", "c", "fyi"]),
    ],
)
def test_the_list_orderings(
    api: Api, three_leads: dict[str, Lead], ordering: str, expected: list[str]
) -> None:
    assert ids(api.get("/leads", ordering=ordering)) == [three_leads[n].pk for n in expected]


@pytest.mark.parametrize(
    "query",
    [
        {"ordering": "name"},
        {"status": "lost"},
        {"limit": "0"},
        {"limit": "501"},
        {"limit": "many"},
        {"created_after": "yesterday"},
        {"created_after": "0001-01-01T00:00:00+01:00"},
        {"q": "a\x00b"},
    ],
)
def test_invalid_list_parameters_are_422(api: Api, query: dict[str, str]) -> None:
    response = api.get("/leads", **query)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_the_list_answers_in_a_bounded_number_of_queries(
    api: Api,
    program: Program,
    make_lead: Callable[..., Lead],
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(20):
        lead_at(program, NOW, email=f"lead{i}@example.com")
    with django_assert_max_num_queries(8):
        assert len(ids(api.get("/leads"))) == 20


# --- cursor pagination --------------------------------------------------------------------------


@pytest.mark.parametrize("ordering", ["-created_at", "created_at", "-score", "score"])
def test_cursor_pagination_walks_every_lead_once_while_leads_are_added(
    api: Api, program: Program, ordering: str
) -> None:
    existing = {
        lead_at(
            program,
            NOW - timedelta(hours=i % 4),
            email=f"lead{i}@example.com",
            answers={"budget": ["none", "preliminary", "approved"][i % 3]},
        ).pk
        for i in range(23)
    }
    seen: list[int] = []
    cursor = None
    for page in range(20):
        query = {"ordering": ordering, "limit": "5", **({"cursor": cursor} if cursor else {})}
        response = api.get("/leads", **query)
        seen.extend(ids(response))
        lead_at(
            program,
            NOW + timedelta(minutes=page),
            email=f"new{page}@example.com",
            answers={"budget": "approved"},
        )
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert existing <= set(seen)


@pytest.mark.parametrize(
    "cursor",
    ["!!!", "bm90IGpzb24", "e30", "W10", "eyJvIjoic2NvcmUiLCJrIjpbMSwxXX0", "x" * 600, "a\x00"],
)
def test_a_malformed_cursor_is_422(api: Api, cursor: str) -> None:
    response = api.get("/leads", cursor=cursor)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "cursor"]


def test_a_cursor_of_another_ordering_is_422(
    api: Api, program: Program, make_lead: Callable[..., Lead]
) -> None:
    for i in range(3):
        lead_at(program, NOW, email=f"x{i}@example.com")
    cursor = api.get("/leads", limit="1").json()["next_cursor"]
    assert api.get("/leads", cursor=cursor, ordering="score").status_code == 422


# --- update -------------------------------------------------------------------------------------


def test_patch_updates_answers_requalifies_and_records_events(
    api: Api, program: Program, marketer: User
) -> None:
    lead = lead_at(program, NOW, email="p@example.com", answers={"need": "identified"})
    assert lead.rating == "c"
    response = api.patch(
        f"/leads/{lead.pk}",
        {"answers": HOT_ANSWERS, "profile": {"budget_cycle": "Q3"}},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["rating"], body["stage"], body["score"]) == ("hot", "qualified_opportunity", 100)
    assert body["profile"] == {"budget_cycle": "Q3"}
    events = list(Lead.objects.get(pk=lead.pk).events.order_by("id"))
    assert [e.kind for e in events] == [EventKind.CREATED, EventKind.UPDATED, EventKind.QUALIFIED]
    assert events[1].actor == marketer
    assert events[2].after["rating"] == "hot"


def test_patch_null_clears_an_answer(api: Api, program: Program) -> None:
    lead = lead_at(program, NOW, email="p@example.com", answers=HOT_ANSWERS)
    response = api.patch(f"/leads/{lead.pk}", {"answers": {"timeframe_months": None}})
    assert response.status_code == 200
    assert "timeframe_months" not in response.json()["answers"]
    assert response.json()["bant"]["timeframe"] is False


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"answers": {"budget": "lots"}}, ["body", "answers", "budget"]),
        ({"answers": {"colour": "blue"}}, ["body", "answers", "colour"]),
        ({}, ["body"]),
        ({"answers": [1]}, ["body", "answers"]),
    ],
)
def test_patch_rejects_invalid_answers_with_the_field_named(
    api: Api, program: Program, body: dict[str, Any], loc: list[str]
) -> None:
    lead = lead_at(program, NOW, email="p@example.com")
    response = api.patch(f"/leads/{lead.pk}", body)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"] == loc
    assert Lead.objects.get(pk=lead.pk).events.count() == 1


def test_a_reviewer_may_read_but_not_patch(
    api_as: Callable[..., Api],
    make_user: Callable[..., User],
    program: Program,
    make_lead: Callable[..., Lead],
) -> None:
    lead = make_lead(program)
    reviewer = api_as(make_user(Role.REVIEWER, programs=(program,)))
    assert reviewer.get(f"/leads/{lead.pk}").status_code == 200
    assert reviewer.patch(f"/leads/{lead.pk}", {"profile": {"a": 1}}).status_code == 403


# --- authentication -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer lf_nope", "Bearer not-even-ours", "Basic YTpi", "Bearer lf_" + "é"],
)
def test_requests_without_a_valid_token_are_401(authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = Client().get("/api/v1/leads", headers=headers, secure=True)
    assert response.status_code == 401


@pytest.mark.django_db
def test_a_revoked_token_is_401(marketer: User, program: Program) -> None:
    token, raw = token_create(user=marketer, name="t", now=NOW)
    assert Api(raw).get("/leads").status_code == 200
    token_revoke(token=token, user=marketer, now=NOW)
    assert Api(raw).get("/leads").status_code == 401


def test_an_inactive_users_token_is_401(marketer: User, token_for: Callable[..., str]) -> None:
    raw = token_for(marketer)
    marketer.is_active = False
    marketer.save()
    assert Api(raw).get("/leads").status_code == 401


def test_the_browser_session_authenticates_with_csrf_on_writes(
    marketer: User, program: Program, lead_body: dict[str, Any]
) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(marketer)
    assert browser.get("/api/v1/leads", secure=True).status_code == 200
    without = browser.post("/api/v1/leads", lead_body, content_type="application/json", secure=True)
    assert without.status_code == 403
    browser.get("/accounts/tokens/", secure=True)
    csrf = browser.cookies["csrftoken"].value
    with_csrf = browser.post(
        "/api/v1/leads",
        lead_body,
        content_type="application/json",
        headers={"X-CSRFToken": csrf, "Referer": "https://testserver/accounts/tokens/"},
        secure=True,
    )
    assert with_csrf.status_code == 201, with_csrf.content


@pytest.mark.django_db
def test_the_schema_and_docs_are_published() -> None:
    client = Client()
    schema = client.get("/api/v1/openapi.json", secure=True)
    assert schema.status_code == 200
    assert {"/api/v1/leads", "/api/v1/leads/{lead_id}"} <= set(schema.json()["paths"])
    assert client.get("/api/v1/docs", secure=True).status_code == 200
