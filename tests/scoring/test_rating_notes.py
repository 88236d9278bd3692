"""The predicted chance beside the rating on the lead list, in its CSV export and on the
lead's page (issue 19, "used where it helps"): one query for a whole page, only predictions of
a switched-on model, nothing at all (no "0 %") for a lead without one, and never a lead outside
the viewer's scope."""

import csv
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from leadflow.leads.models import Lead
from leadflow.leads.services.preferences import list_settings_save
from leadflow.programs.models import Program
from tests.conftest import Leads, Team
from tests.factories import NOW
from tests.scoring.predictions import predict, scoring_model

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _web(plain_http: None) -> None:
    """The pages are fetched over the test client's plain HTTP."""


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _export(client: Client, url: str = "/leads/export.csv") -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode().splitlines()  # type: ignore[attr-defined]


def test_the_list_shows_the_chance_beside_the_rating_with_the_factors_on_hover(
    client: Client, team: Team, leads: Leads
) -> None:
    predict(leads.a, 0.344)
    client.force_login(team.manager)
    page = _page(client, "/leads/")
    row = next(line for line in page.split("<tr>") if "Grace" in line)
    assert '<span class="rating rating-a">A</span>' in row
    assert " · 34 %<" in row
    assert 'title="Predicted chance of converting: 34 %. Source: referral +12 points' in row
    assert "Company size 1-10 \u22128 points of probability" in row
    assert "Industry: retail" not in row  # the top three only


def test_a_lead_without_a_prediction_shows_its_rating_alone(
    client: Client, team: Team, leads: Leads
) -> None:
    predict(leads.a, 0.344)
    client.force_login(team.manager)
    page = _page(client, "/leads/")
    row = next(line for line in page.split("<tr>") if "Hedy" in line)
    assert "rating-note" not in row
    assert "%" not in row
    assert page.count('data-testid="rating-note"') == 1


def test_a_model_switched_off_takes_its_numbers_off_the_list(
    client: Client, team: Team, program: Program, leads: Leads
) -> None:
    predict(leads.a, 0.344, model=scoring_model(program, active=False))
    client.force_login(team.manager)
    assert "rating-note" not in _page(client, "/leads/")


def test_the_list_reads_the_predictions_in_one_query_whatever_the_page_size(
    client: Client, team: Team, program: Program, make_lead: Callable[..., Lead]
) -> None:
    model = scoring_model(program)
    for number in range(40):
        predict(make_lead(program, first_name=f"P{number}"), 0.2 + number / 100, model=model)
    client.force_login(team.manager)
    counts = []
    for per_page in (25, 50):
        list_settings_save(
            user=team.manager, columns=["lead", "rating", "score"], per_page=per_page, now=NOW
        )
        with CaptureQueriesContext(connection) as queries:
            page = _page(client, "/leads/")
        assert page.count('data-testid="rating-note"') == min(per_page, 40)
        counts.append(len(queries))
        assert sum("scoring_leadprediction" in q["sql"] for q in queries.captured_queries) == 1
    assert counts[0] == counts[1]


def test_the_export_has_the_chance_after_the_score(
    client: Client, team: Team, leads: Leads
) -> None:
    predict(leads.a, 0.344)
    client.force_login(team.manager)
    header, *rows = csv.reader(_export(client))
    assert header[5:10] == ["stage", "rating", "score", "predicted", "first_name"]
    by_name = {row[header.index("first_name")]: row for row in rows}
    assert by_name["Grace"][6:9] == ["a", f"{leads.a.score:g}", "34 %"]
    assert by_name["Hedy"][8] == ""


def test_the_export_keeps_to_the_scope(client: Client, team: Team, leads: Leads) -> None:
    predict(leads.foreign, 0.9)
    client.force_login(team.manager)
    body = "\n".join(_export(client))
    assert "Elsewhere" not in body
    assert "90 %" not in body


def test_the_leads_page_has_a_panel_with_the_chance_and_its_factors(
    client: Client, team: Team, leads: Leads
) -> None:
    predict(leads.a, 0.344)
    client.force_login(team.manager)
    page = _page(client, f"/leads/{leads.a.pk}/")
    assert 'data-testid="scoring-panel"' in page
    assert '<strong data-testid="scoring-probability">34 %</strong> beside its rating A' in page
    for factor in (
        "Source: referral +12 points of probability",
        "Company size 1-10 \u22128 points of probability",
        "Country: US +3 points of probability",
        "Industry: retail +1 point of probability",
    ):
        assert f"<li>{factor}</li>" in page
    assert "model version 1 (logistic regression)" in page


def test_a_lead_without_a_prediction_has_no_panel(client: Client, team: Team, leads: Leads) -> None:
    client.force_login(team.manager)
    assert 'data-testid="scoring-panel"' not in _page(client, f"/leads/{leads.a.pk}/")


def test_another_clients_lead_and_its_prediction_are_not_found(
    client: Client, team: Team, leads: Leads
) -> None:
    predict(leads.foreign, 0.9)
    client.force_login(team.manager)
    assert client.get(f"/leads/{leads.foreign.pk}/").status_code == 404


def test_a_list_without_the_rating_column_reads_no_prediction(
    client: Client, team: Team, leads: Leads
) -> None:
    predict(leads.a, 0.344)
    list_settings_save(user=team.manager, columns=["lead", "score"], per_page=25, now=NOW)
    client.force_login(team.manager)
    with CaptureQueriesContext(connection) as queries:
        page = _page(client, "/leads/")
    assert "rating-note" not in page
    assert not any("scoring_leadprediction" in q["sql"] for q in queries.captured_queries)
