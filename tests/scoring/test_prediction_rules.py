"""A program's point rule on the predicted chance ("predicted ≥ 40 % → +20") qualifies a
stored lead through the leads services (issue 19): the prediction reaches the engine through
``config/leads.py`` ``LEAD_PREDICTIONS``, one query for a batch, only from a switched-on
model, and not at all when the criteria have no such rule."""

import json
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from leadflow.accounts.models import Role, User
from leadflow.core.criteria import QualifyingCriteria
from leadflow.leads.models import Lead
from leadflow.leads.services.qualify import lead_predictions, lead_requalify, leads_requalify_bulk
from leadflow.programs.models import Program
from leadflow.programs.selectors import (
    criteria_draft,
    criteria_from_version,
    program_published_criteria,
)
from leadflow.programs.services import criteria_publish
from tests import factories as f
from tests.factories import NOW
from tests.programs.test_criteria_editor_sections import posted
from tests.scoring.predictions import predict, scoring_model

pytestmark = pytest.mark.django_db
LIKELY = {"label": "Likely to convert", "source": "prediction", "key": "probability",
          "min_value": 40, "points": 20}  # fmt: skip


def _publish(program: Program) -> None:
    data = json.loads(program_published_criteria(program=program).criteria.to_json())
    data["point_rules"] = [*data["point_rules"], LIKELY]
    criteria_publish(
        program=program, criteria=QualifyingCriteria.from_dict(data), actor=None, now=NOW
    )


def test_a_lead_predicted_at_45_percent_gets_the_20_points_when_qualified_again(
    program: Program,
) -> None:
    lead = f.lead(program=program, answers=f.A)
    before = lead.score
    predict(lead, 0.45)
    _publish(program)
    lead = lead_requalify(lead=lead, actor=None, now=NOW)
    assert lead.score == before + 20
    assert "+20 points: Likely to convert (predicted chance of converting 45 %)" in (
        lead.explanation
    )


def test_a_lead_below_the_threshold_or_without_a_prediction_gets_nothing(
    program: Program,
) -> None:
    low = f.lead(program=program, answers=f.A, email="low@x.example")
    none = f.lead(program=program, answers=f.A, email="none@x.example")
    before = low.score
    predict(low, 0.39)
    _publish(program)
    assert lead_requalify(lead=low, actor=None, now=NOW).score == before
    assert lead_requalify(lead=none, actor=None, now=NOW).score == before


def test_a_switched_off_models_prediction_is_not_read(program: Program) -> None:
    lead = f.lead(program=program, answers=f.A)
    before = lead.score
    predict(lead, 0.9, model=scoring_model(program, active=False))
    _publish(program)
    assert lead_requalify(lead=lead, actor=None, now=NOW).score == before


def test_the_bulk_requalification_reads_a_batchs_predictions_in_one_query(
    program: Program,
) -> None:
    model = scoring_model(program)
    leads = [f.lead(program=program, answers=f.A, email=f"p{n}@x.example") for n in range(6)]
    before = leads[0].score
    for number, lead in enumerate(leads):
        predict(lead, 0.3 + number * 0.05, model=model)  # 30 % … 55 %
    _publish(program)
    with CaptureQueriesContext(connection) as queries:
        assert leads_requalify_bulk(program=program, actor=None, now=NOW) == 6
    reads = [q for q in queries.captured_queries if "scoring_leadprediction" in q["sql"]]
    assert len(reads) == 1
    scores = dict(Lead.objects.values_list("email", "score"))
    assert [scores[f"p{n}@x.example"] - before for n in range(6)] == [0, 0, 20, 20, 20, 20]


def test_criteria_without_a_prediction_rule_read_no_prediction(program: Program) -> None:
    lead = f.lead(program=program, answers=f.A)
    predict(lead, 0.9)
    published = program_published_criteria(program=program)
    with CaptureQueriesContext(connection) as queries:
        assert lead_predictions([lead.pk], published) == {}
    assert len(queries) == 0


def test_a_manager_writes_the_rule_in_the_criteria_editor(
    client: Client, program: Program, make_user: Callable[..., User], plain_http: None
) -> None:
    client.force_login(make_user(Role.MANAGER, clients=(program.client,)))
    url = f"/programs/{program.slug}/criteria/edit"
    data = posted(client.get(url).content.decode())
    points = client.get(f"{url}/points").content.decode()
    assert '<option value="prediction">predicted chance of converting (%)</option>' in points
    data.update(posted(points, fragment=True))
    data.update(
        {
            "points-0-label": ["Likely to convert"],
            "points-0-source": ["prediction"],
            "points-0-key": ["probability"],
            "points-0-equals": [""],
            "points-0-one_of": [""],
            "points-0-min_value": ["40"],
            "points-0-max_value": [""],
            "points-0-points": ["20"],
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = criteria_draft(program=program)
    assert draft is not None
    rule = criteria_from_version(draft).point_rules[0]
    assert (rule.source, rule.key, rule.min_value, rule.points) == (
        "prediction",
        "probability",
        40,
        20,
    )
