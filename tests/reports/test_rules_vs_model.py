"""The "rules vs model" report (issue 19): the AUC and lift of the rule score and of the
model on the last 90 days of outcomes, per program in scope, with the sentence saying which to
trust; outcomes outside the window and programs outside the scope never count."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client as HttpClient
from pytest_django import DjangoAssertNumQueries

from leadflow.core.lifecycle import Action
from leadflow.leads.models import Lead
from leadflow.leads.services.transitions import lead_transition
from leadflow.programs.models import Program
from tests import factories
from tests.factories import NOW, Team
from tests.scoring.outcomes import dispute_upheld
from tests.scoring.predictions import history, outcome, predict

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_http")]
TODAY = NOW + timedelta(days=1)


def _page(client: HttpClient, query: str = "") -> str:
    with time_machine.travel(TODAY, tick=False):
        response = client.get(f"/reports/rules-vs-model/{query}")
    assert response.status_code == 200
    return response.content.decode()


def _row(page: str, program: Program) -> str:
    return page.split(f'data-program="{program.slug}"')[1].split("</tr>")[0]


def test_the_model_that_ranks_the_outcomes_better_is_the_one_to_trust(
    client: HttpClient, team: Team, program: Program
) -> None:
    history(program)
    client.force_login(team.manager)
    row = _row(_page(client), program)
    assert '<td class="num">24</td>' in row
    assert '<td class="num">12</td>' in row
    assert '<td class="num">0.50</td><td class="num">1.00</td>' in row
    assert '<td class="num">1.0</td><td class="num">2.0</td>' in row
    assert (
        "Trust the model: it tells converting leads from the others better (AUC 1.00 for the "
        "model against 0.50 for the rule score), and its top tenth converted 2.0 times as "
        "often as the average." in row
    )


def test_only_the_last_90_days_of_outcomes_and_predicted_leads_count(
    client: HttpClient, team: Team, program: Program
) -> None:
    history(program)
    old = outcome(program, 100, won=False, at=NOW - timedelta(days=120), score=99)
    predict(old, 0.99)
    outcome(program, 101, won=True, at=NOW - timedelta(days=5), score=1)  # no prediction
    client.force_login(team.manager)
    row = _row(_page(client), program)
    assert "1 without a prediction left out" in row
    assert "AUC 1.00 for the model against 0.50" in row


def test_outcomes_are_scorings_per_hand_off_mode_kept_deliveries_convert_unseen_leads_do_not_count(
    client: HttpClient, team: Team, program: Program
) -> None:
    history(program)
    kept, upheld, recent, unseen = (
        factories.lead(
            program=program, **factories.numbered_contact(n), at=NOW - timedelta(days=45)
        )
        for n in range(200, 204)
    )
    old = factories.delivery(program=program, leads=[kept, upheld], at=NOW - timedelta(days=40))
    factories.delivery(program=program, leads=[recent], at=NOW - timedelta(days=2))
    dispute_upheld(old.items.get(lead=upheld), team)
    lead_transition(
        lead=unseen,
        action=Action.DISQUALIFY,
        actor=None,
        now=NOW - timedelta(days=10),
        reason="no_interest",
    )
    Lead.objects.filter(pk__in=[kept.pk, upheld.pk, recent.pk, unseen.pk]).update(score=10)
    for lead, probability in ((kept, 0.9), (upheld, 0.1), (recent, 0.1), (unseen, 0.9)):
        predict(lead, probability)
    client.force_login(team.manager)
    row = _row(_page(client), program)
    # Kept past the dispute window: converted; upheld: not; delivered two days ago and
    # disqualified before anyone spoke to it: no outcome yet, neither compared nor left out.
    assert '<td class="num">26</td>' in row
    assert '<td class="num">13</td>' in row
    assert "without a prediction left out" not in row
    assert "AUC 1.00 for the model against 0.50" in row


def test_too_few_outcomes_claim_nothing(client: HttpClient, team: Team, program: Program) -> None:
    history(program, count=6)
    client.force_login(team.manager)
    page = _page(client)
    row = _row(page, program)
    assert "Too few outcomes to compare yet: 3 converted and 3 did not" in row
    assert 'data-testid="rules-model-chart"' not in page


def test_a_program_without_a_model_says_the_rules_are_all_there_is(
    client: HttpClient, team: Team, program: Program
) -> None:
    client.force_login(team.manager)
    assert "No model is switched on: the rules are all there is." in _row(_page(client), program)


def test_the_page_draws_the_auc_and_lift_charts_from_its_json(
    client: HttpClient, team: Team, program: Program
) -> None:
    history(program)
    client.force_login(team.manager)
    page = _page(client)
    assert page.count('data-testid="rules-model-chart"') == 2
    assert 'id="report-charts"' in page
    assert '"name": "Model", "data": [1.0]' in page
    assert "reports/vendor/echarts/echarts.min.js" in page


def test_another_clients_program_is_neither_shown_nor_found(
    client: HttpClient, team: Team, program: Program, other_program: Program
) -> None:
    history(other_program)
    client.force_login(team.manager)
    page = _page(client)
    assert f'data-program="{other_program.slug}"' not in page
    assert other_program.name not in page
    with time_machine.travel(TODAY, tick=False):
        response = client.get(f"/reports/rules-vs-model/?program={other_program.slug}")
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["qualifier", "reviewer", "partner", "client_contact"])
def test_roles_that_do_not_read_the_funnel_do_not_see_it(
    client: HttpClient, team: Team, role: str
) -> None:
    client.force_login(getattr(team, role))
    assert client.get("/reports/rules-vs-model/").status_code == 404
    index = client.get("/reports/")
    assert "rules-vs-model" not in index.content.decode()


def test_the_index_links_to_it_for_the_funnels_readers(client: HttpClient, team: Team) -> None:
    client.force_login(team.manager)
    assert 'href="/reports/rules-vs-model/"' in client.get("/reports/").content.decode()


def test_the_query_count_does_not_grow_with_outcomes_or_programs(
    client: HttpClient,
    team: Team,
    program: Program,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    second = factories.program(client=program.client, name="Acme Events", slug="acme-events")
    history(program, count=30)
    history(second, count=30, start=30)
    client.force_login(team.manager)
    with django_assert_max_num_queries(10):
        page = _page(client)
    assert page.count('data-testid="rules-model-row"') == 2
