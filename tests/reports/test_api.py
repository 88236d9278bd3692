"""``GET /api/v1/reports/{name}`` (issue 16, item 6; docs/REPORTS.md, "API and CLI"): the
figures of the selector for the fixture of test_funnel.py, the scope of each role's token, and
the 422s of bad dates, periods and breakdowns."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.api.tokens import token_create
from leadflow.programs.models import Program
from leadflow.reports.selectors.funnel import funnel
from tests import factories
from tests.api.conftest import Api
from tests.factories import NOW
from tests.reports.test_funnel import APRIL, history  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

IN_APRIL = {"from": "2026-04-01", "to": "2026-05-01"}


@pytest.fixture
def api_as() -> Callable[..., Api]:
    def make(user: User, programs: tuple[Program, ...] = ()) -> Api:
        return Api(token_create(user=user, name="bi", programs=programs, now=NOW)[1])

    return make


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMIN)


def counts(body: dict[str, Any]) -> dict[str, int]:
    return {row["step"]: row["count"] for row in body["rows"]}


@pytest.mark.usefixtures("history")
def test_the_api_answers_the_selectors_figures(
    program: Program, api_as: Callable[..., Api], admin: User
) -> None:
    answer = api_as(admin).get("/reports/funnel", program="acme-demand", **IN_APRIL)
    assert answer.status_code == 200
    body = answer.json()
    assert body["rows"] == funnel(programs=[program], period=APRIL).rows
    assert counts(body) == {
        "inquiry": 3,
        "lead": 2,
        "opportunity": 2,
        "qualified_opportunity": 2,
        "approved": 2,
        "handed_off": 2,
        "won": 1,
    }
    assert body["rows"][1]["conversion"] == pytest.approx(2 / 3)
    assert body["rows"][0]["conversion"] is None
    assert {key: body[key] for key in ("report", "program", "from", "to", "by")} == {
        "report": "funnel",
        "program": "acme-demand",
        "from": "2026-04-01",
        "to": "2026-05-01",
        "by": None,
    }
    assert body["totals"]["won"] == 1
    assert [column["key"] for column in body["columns"]][:3] == ["step", "count", "conversion"]
    assert body["sections"] == {}


@pytest.mark.usefixtures("history")
def test_from_is_inclusive_and_to_exclusive_in_the_clients_timezone(
    api_as: Callable[..., Api], admin: User
) -> None:
    """L2, captured 1 April 03:30 UTC, is 31 March in New York: March's only lead."""
    march = api_as(admin).get(
        "/reports/funnel", program="acme-demand", **{"from": "2026-03-01", "to": "2026-04-01"}
    )
    assert counts(march.json())["inquiry"] == 1
    first_of_april = api_as(admin).get(
        "/reports/funnel", program="acme-demand", **{"from": "2026-04-01", "to": "2026-04-02"}
    )
    assert counts(first_of_april.json())["inquiry"] == 1


@pytest.mark.usefixtures("history")
def test_without_a_program_the_report_covers_the_whole_scope(
    api_as: Callable[..., Api], admin: User
) -> None:
    body = api_as(admin).get("/reports/funnel", **IN_APRIL).json()
    assert body["program"] is None
    assert counts(body)["inquiry"] == 4


@pytest.mark.usefixtures("history")
def test_by_breaks_the_funnel_down(api_as: Callable[..., Api], admin: User) -> None:
    body = (
        api_as(admin).get("/reports/funnel", program="acme-demand", by="rating", **IN_APRIL).json()
    )
    assert body["by"] == "rating"
    table = {(row["rating"], row["step"]): row["count"] for row in body["rows"]}
    assert table[("a", "won")] == 1
    assert table[("hot", "handed_off")] == 1
    assert table[("c", "lead")] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13-01", "to": "2026-05-01"}, "from"),
        ({"from": "2026-04-01", "to": "1 May"}, "to"),
        ({"from": "2026-04-01", "to": "0"}, "to"),
        ({"from": "2026-04-01T00:00", "to": "2026-05-01"}, "from"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "to"),
        ({"from": "2026-04-01", "to": "2026-04-01"}, "to"),
        ({"from": "1800-01-01", "to": "1800-02-01"}, "from"),
        ({"from": "2000-01-01", "to": "2020-01-01"}, "from"),
        ({**IN_APRIL, "by": "partner"}, "by"),
        ({**IN_APRIL, "by": "Rating!"}, "by"),
    ],
)
def test_bad_dates_periods_and_breakdowns_are_422_on_the_field(
    program: Program,
    api_as: Callable[..., Api],
    admin: User,
    query: dict[str, str],
    field: str,
) -> None:
    answer = api_as(admin).get("/reports/funnel", program="acme-demand", **query)
    assert answer.status_code == 422
    assert [error["loc"] for error in answer.json()["detail"]] == [["query", field]]


def test_an_unknown_report_is_refused_and_a_program_out_of_scope_is_not_found(
    program: Program,
    other_program: Program,
    api_as: Callable[..., Api],
    make_user: Callable[..., User],
) -> None:
    marketer = api_as(make_user(Role.MARKETER, clients=(program.client,)))
    assert marketer.get("/reports/funnel", program="acme-demand").status_code == 200
    assert marketer.get("/reports/funnel", program="globex-partners").status_code == 404
    assert marketer.get("/reports/funnel", program="no-such-program").status_code == 404
    assert marketer.get("/reports/qualifying", program="acme-demand").status_code == 404
    assert marketer.get("/reports/revenue").status_code == 422


def test_a_client_contacts_token_reads_its_deliverables_only(
    program: Program, other_program: Program, api_as: Callable[..., Api], make_user: Callable
) -> None:
    contact = api_as(make_user(Role.CLIENT, clients=(program.client,)))
    answer = contact.get("/reports/deliverables", program="acme-demand")
    assert answer.status_code == 200
    assert answer.json()["report"] == "deliverables"
    assert contact.get("/reports/deliverables").status_code == 200
    assert contact.get("/reports/deliverables", program="globex-partners").status_code == 404
    for name in ("funnel", "qualifying", "partners", "nurture"):
        assert contact.get(f"/reports/{name}", program="acme-demand").status_code == 404


def test_a_partners_token_reads_its_own_partners_record_only(
    other_program: Program, api_as: Callable[..., Api], make_user: Callable[..., User]
) -> None:
    ours, theirs = make_user(Role.PARTNER), make_user(Role.PARTNER)
    factories.partner(client=other_program.client, number=1, members=[ours])
    factories.partner(client=other_program.client, number=2, members=[theirs])
    partner = api_as(ours)
    answer = partner.get("/reports/partners", program="globex-partners")
    assert answer.status_code == 200
    assert [row["partner"] for row in answer.json()["rows"]] == ["partner-1"]
    manager = api_as(make_user(Role.MANAGER, clients=(other_program.client,)))
    everyone = manager.get("/reports/partners", program="globex-partners").json()
    assert sorted(row["partner"] for row in everyone["rows"]) == ["partner-1", "partner-2"]
    for name in ("funnel", "qualifying", "deliverables", "nurture"):
        assert partner.get(f"/reports/{name}", program="globex-partners").status_code == 404


@pytest.mark.usefixtures("history")
def test_a_narrowed_token_reads_its_programs_only(
    program: Program,
    api_as: Callable[..., Api],
    make_user: Callable[..., User],
) -> None:
    second = factories.program(client=program.client, name="Acme Events", slug="acme-events")
    manager = make_user(Role.MANAGER, clients=(program.client,))
    narrowed = api_as(manager, programs=(program,))
    assert narrowed.get("/reports/funnel", program="acme-events").status_code == 404
    own = narrowed.get("/reports/funnel", **IN_APRIL).json()
    assert own["program"] == "acme-demand"
    assert counts(own)["inquiry"] == 3
    both = api_as(manager, programs=(program, second))
    answer = both.get("/reports/funnel", **IN_APRIL)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "program"]


def test_without_a_token_the_report_is_401(program: Program) -> None:
    assert Api(None).get("/reports/funnel").status_code == 401
    assert Api("lf_not-a-token").get("/reports/funnel").status_code == 401


def test_the_document_names_the_reports_and_spells_the_funnel_row_out() -> None:
    document = Client().get("/api/v1/openapi.json", secure=True).json()
    operation = document["paths"]["/api/v1/reports/{name}"]["get"]
    name = next(p for p in operation["parameters"] if p["name"] == "name")
    assert name["schema"]["enum"] == ["funnel", "qualifying", "deliverables", "partners", "nurture"]
    assert {p["name"] for p in operation["parameters"]} == {"name", "program", "from", "to", "by"}
    row = document["components"]["schemas"]["FunnelRowOut"]
    assert row["properties"]["step"]["enum"] == [
        "inquiry",
        "lead",
        "opportunity",
        "qualified_opportunity",
        "approved",
        "handed_off",
        "won",
    ]
    assert row["properties"]["count"]["type"] == "integer"
    assert {"type": "null"} in row["properties"]["conversion"]["anyOf"]
    report = document["components"]["schemas"]["FunnelReportOut"]
    assert set(report["required"]) >= {"report", "program", "from", "to", "by", "rows", "totals"}


def test_a_reports_further_tables_come_as_sections_keyed_by_their_breakdown(
    program: Program, api_as: Callable[..., Api], admin: User
) -> None:
    body = api_as(admin).get("/reports/qualifying", program="acme-demand", **IN_APRIL).json()
    assert set(body["sections"]) == {"criteria_version", "status"}
    alone = (
        api_as(admin)
        .get("/reports/qualifying", program="acme-demand", by="status", **IN_APRIL)
        .json()
    )
    section = body["sections"]["status"]
    assert section["by"] == "status"
    assert section["title"]
    assert (section["rows"], section["totals"]) == (alone["rows"], alone["totals"])
    assert [c["key"] for c in section["columns"]] == [c["key"] for c in alone["columns"]]
