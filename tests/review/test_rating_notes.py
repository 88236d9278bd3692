"""The review batch shows each lead's predicted chance beside its rating (issue 19), read in
one query for the whole batch; a lead without a prediction shows its rating alone."""

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from leadflow.programs.models import Program
from tests.review.conftest import SubmitLead, Team
from tests.scoring.predictions import predict, scoring_model


def test_the_batch_shows_the_chance_beside_the_rating(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    predicted = submit_lead(program, team.qualifier, first_name="Grace", last_name="Hopper")
    submit_lead(program, team.qualifier, first_name="Hedy", last_name="Lamarr", minutes=1)
    predict(predicted, 0.41)
    client.force_login(team.reviewer)
    page = client.get(f"/review/{program.slug}/").content.decode()
    grace, hedy = page.split(f"#{predicted.pk} Grace Hopper")[1].split("Hedy Lamarr")
    assert " · 41 %<" in grace
    assert 'title="Predicted chance of converting: 41 %. Source: referral +12 points' in grace
    assert "rating-note" not in hedy
    assert page.count('data-testid="rating-note"') == 1


@pytest.mark.parametrize("count", [2, 8])
def test_the_batch_still_reads_a_fixed_number_of_queries_with_predictions(
    client: Client,
    team: Team,
    program: Program,
    submit_lead: SubmitLead,
    count: int,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    model = scoring_model(program)
    for minutes in range(count):
        predict(submit_lead(program, team.qualifier, minutes=minutes), 0.3, model=model)
    client.force_login(team.reviewer)
    with django_assert_max_num_queries(9):
        page = client.get(f"/review/{program.slug}/").content.decode()
    assert page.count('data-testid="rating-note"') == count
