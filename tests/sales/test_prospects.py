"""The lead list's two built-in views (issue 15, item 7): *Leads* (below Opportunity) and
*Prospects* (Opportunity and Qualified Opportunity, with their demos, proposals and next task),
both exportable and both savable as a filter."""

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from leadflow.accounts.models import User
from leadflow.core.enums import Stage
from leadflow.leads.models import Lead, SavedFilter
from leadflow.programs.models import Program
from leadflow.sales.models import Demo, DemoKind, TaskKind
from leadflow.sales.services.proposals import proposal_create
from leadflow.sales.services.tasks import task_create
from tests.factories import NOW, Team

pytestmark = pytest.mark.usefixtures("plain_http")

OPPORTUNITY = {
    "budget": "approved",
    "authority": "decision_maker",
    "need": "none",
    "timeframe_months": 2,
}


@pytest.fixture
def stages(program: Program, make_lead: Callable[..., Lead], team: Team) -> dict[str, Lead]:
    made = {
        "inquiry": make_lead(program, first_name="Ivy", email="ivy@example.com", answers={}),
        "opportunity": make_lead(
            program, first_name="Otto", email="otto@example.com", answers=OPPORTUNITY
        ),
        "qualified": make_lead(program, first_name="Quinn", email="quinn@example.com"),
    }
    assert made["inquiry"].stage in (Stage.INQUIRY, Stage.LEAD)
    assert made["opportunity"].stage == Stage.OPPORTUNITY
    assert made["qualified"].stage == Stage.QUALIFIED_OPPORTUNITY
    return made


def follow_up(lead: Lead, owner: User) -> None:
    Demo.objects.create(
        lead=lead,
        kind=DemoKind.ON_SITE,
        starts_at=NOW + timedelta(days=20),
        ends_at=NOW + timedelta(days=20, hours=2),
        created_at=NOW,
        updated_at=NOW,
    )
    proposal_create(lead=lead, amount=Decimal("25000"), currency="EUR", actor=owner, now=NOW)
    for days in (5, 2):
        task_create(
            lead=lead,
            kind=TaskKind.FOLLOW_UP_CALL,
            owner=owner,
            due_at=NOW + timedelta(days=days),
            actor=owner,
            now=NOW,
        )


def page(client: Client, query: str) -> str:
    response = client.get(f"/leads/?{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_the_leads_view_keeps_the_leads_below_opportunity(
    client: Client, team: Team, stages: dict[str, Lead]
) -> None:
    client.force_login(team.manager)
    shown = page(client, "view=leads")
    assert "Ivy" in shown
    assert "Otto" not in shown
    assert "Quinn" not in shown
    assert 'href="/leads/?view=leads" aria-current="page">Leads</a>' in shown


def test_the_prospects_view_shows_demos_proposals_and_the_next_task(
    client: Client, team: Team, stages: dict[str, Lead]
) -> None:
    follow_up(stages["qualified"], team.qualifier)
    client.force_login(team.manager)
    shown = page(client, "view=prospects")
    assert "Ivy" not in shown
    assert "Otto" in shown
    assert "Quinn" in shown
    for label in ("Demos", "Proposals", "Next task"):
        assert f'<th scope="col">{label}</th>' in shown
    assert "On site 2026-11-22 (scheduled)" in shown
    assert "25,000.00 EUR (draft)" in shown
    assert "Follow-up call by 2026-11-04 14:30 UTC" in shown
    assert "Follow-up call by 2026-11-07" not in shown


def test_the_prospects_export_has_the_same_columns(
    client: Client, team: Team, stages: dict[str, Lead]
) -> None:
    follow_up(stages["qualified"], team.qualifier)
    client.force_login(team.manager)
    response = client.get("/leads/export.csv?view=prospects")
    assert response.status_code == 200
    assert 'filename="prospects-' in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][-3:] == ["Demos", "Proposals", "Next task"]
    by_name = {row[rows[0].index("first_name")]: row for row in rows[1:]}
    assert set(by_name) == {"Otto", "Quinn"}
    assert by_name["Quinn"][-2] == "25,000.00 EUR (draft)"
    assert by_name["Otto"][-3:] == ["", "", ""]


def test_the_leads_export_keeps_the_plain_columns(
    client: Client, team: Team, stages: dict[str, Lead]
) -> None:
    client.force_login(team.manager)
    body = b"".join(client.get("/leads/export.csv?view=leads").streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][-1] == "owner"
    assert [row[rows[0].index("first_name")] for row in rows[1:]] == ["Ivy"]


def test_a_view_narrowed_further_can_be_saved_as_a_filter(
    client: Client, team: Team, stages: dict[str, Lead]
) -> None:
    client.force_login(team.manager)
    client.post("/leads/filters/", {"name": "Hot prospects", "query": "view=prospects&rating=hot"})
    assert SavedFilter.objects.get(user=team.manager).query == "rating=hot&view=prospects"


def test_the_prospects_view_keeps_to_the_scope(
    client: Client, team: Team, stages: dict[str, Lead]
) -> None:
    client.force_login(team.outsider)
    shown = page(client, "view=prospects")
    assert "Quinn" not in shown
    assert "Otto" not in shown


def test_the_prospects_page_reads_its_columns_in_a_bounded_number_of_queries(
    client: Client,
    team: Team,
    program: Program,
    make_lead: Callable[..., Lead],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    for number in range(10):
        lead = make_lead(program, first_name=f"P{number}", external_id=f"p{number}")
        follow_up(lead, team.qualifier)
    client.force_login(team.manager)
    with django_assert_max_num_queries(15):  # type: ignore[operator]
        response = client.get("/leads/?view=prospects")
    assert response.content.decode().count("EUR (draft)") == 10
