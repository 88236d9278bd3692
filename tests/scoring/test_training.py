"""Training a client's and a program's model from its own outcomes (issue 19, item 1)."""

from datetime import timedelta

import pytest
from django.test import override_settings

from leadflow.core.lifecycle import LeadStatus
from leadflow.core.scoring.storage import model_from_json
from leadflow.leads.models import CallLog, Lead
from leadflow.programs.models import Program
from leadflow.scoring.labels import outcomes_count
from leadflow.scoring.models import LeadPrediction, ScoringModel
from leadflow.scoring.records import lead_records, seniority
from leadflow.scoring.services.training import (
    model_restore,
    model_switch,
    model_train_for,
    predictions_refresh,
    scoring_train,
)
from tests import factories as f
from tests.scoring.outcomes import dispute_upheld, history

pytestmark = pytest.mark.django_db
NOW = f.NOW
FEW = override_settings(LEADFLOW_SCORING_MIN_POSITIVES=20, LEADFLOW_SCORING_MIN_NEGATIVES=20)


def test_below_fifty_of_each_outcome_nothing_is_trained_and_it_says_so(program: Program) -> None:
    history(program, won=49, lost=60)
    result = model_train_for(client_id=program.client_id, program_id=None, now=NOW)
    assert result.model is None
    assert (result.positives, result.negatives) == (49, 60)
    assert result.message.startswith("Not enough history yet: 49 converted and 60 not")
    assert not ScoringModel.objects.exists()


@FEW
def test_a_trained_model_is_stored_with_version_window_metrics_and_features(
    program: Program,
) -> None:
    leads = history(program, won=40, lost=40)
    result = model_train_for(client_id=program.client_id, program_id=None, now=NOW)
    row = result.model
    assert row is not None
    assert row.program_id is None
    assert row.version == 1
    assert not row.active, "the first model waits for a manager to switch it on"
    assert row.window_start == row.window_end == leads[0].created_at
    assert set(row.metrics) >= {"auc", "auc_folds", "brier", "calibration", "top_features"}
    assert row.metrics["rows"] == 80
    assert row.metrics["positives"] == 40
    assert row.metrics["auc"] > 0.7, "referrals convert: the model must see it"
    names = {feature["name"] for feature in row.features}
    assert "channel" in names
    assert "seniority" in names
    assert not names & {"first_name", "last_name", "email", "company", "title", "phone"}
    fitted = model_from_json(row.fitted)
    assert fitted.metrics.auc == pytest.approx(row.metrics["auc"], abs=1e-4)


@FEW
def test_a_new_version_replaces_the_active_one_and_the_previous_can_be_restored(
    program: Program, django_capture_on_commit_callbacks, immediate_tasks: None
) -> None:
    history(program, won=30, lost=30)
    first = model_train_for(client_id=program.client_id, program_id=None, now=NOW).model
    assert first is not None
    with django_capture_on_commit_callbacks(execute=True):
        model_switch(model=first, on=True, now=NOW)
    history(program, won=5, lost=5, start=1000, seed=1)
    with django_capture_on_commit_callbacks(execute=True):
        second = model_train_for(client_id=program.client_id, program_id=None, now=NOW).model
    assert second is not None
    assert second.version == 2
    assert second.active
    first.refresh_from_db()
    assert not first.active
    with django_capture_on_commit_callbacks(execute=True):
        restored = model_restore(client_id=program.client_id, program_id=None, now=NOW)
    assert restored.pk == first.pk
    assert list(ScoringModel.objects.filter(active=True)) == [first]
    assert set(LeadPrediction.objects.values_list("model_id", flat=True)) == {first.pk}


@FEW
def test_a_program_with_enough_outcomes_gets_its_own_model_and_others_use_the_clients(
    program: Program,
) -> None:
    small = f.program(client=program.client, name="Small", slug="small")
    history(program, won=25, lost=25)
    history(small, won=3, lost=3, start=500)
    results = scoring_train(now=NOW)
    scopes = {(result.client_id, result.program_id) for result in results}
    assert scopes == {(program.client_id, None), (program.client_id, program.pk)}
    assert scoring_train(now=NOW) == [], "nothing changed: the daily job trains nothing again"


@FEW
def test_rescoring_writes_every_leads_probability_with_factors_in_plain_words(
    program: Program, django_assert_max_num_queries
) -> None:
    leads = history(program, won=30, lost=30, open_leads=40)
    row = model_train_for(client_id=program.client_id, program_id=None, now=NOW).model
    assert row is not None
    ScoringModel.objects.filter(pk=row.pk).update(active=True)
    with django_assert_max_num_queries(12):
        scored = predictions_refresh(client_id=program.client_id, program_id=None, now=NOW)
    assert scored == len(leads) == LeadPrediction.objects.count()
    referral = LeadPrediction.objects.get(lead=leads[0])
    texts = [factor["text"] for factor in referral.factors]
    assert any(text.startswith("Source: ") and "points of probability" in text for text in texts)
    ScoringModel.objects.filter(pk=row.pk).update(active=False)
    predictions_refresh(client_id=program.client_id, program_id=None, now=NOW)
    assert not LeadPrediction.objects.exists(), "no model on: no probability pretends"


def test_partner_outcomes_count_won_lost_and_disqualified_after_contact_only(
    program: Program, team
) -> None:
    won, lost, unseen, called = (
        f.lead(program=program, email=f"p{n}@example.com") for n in range(4)
    )
    Lead.objects.filter(pk=won.pk).update(status=LeadStatus.CLOSED_WON)
    Lead.objects.filter(pk=lost.pk).update(status=LeadStatus.CLOSED_LOST)
    Lead.objects.filter(pk__in=[unseen.pk, called.pk]).update(status=LeadStatus.DISQUALIFIED)
    CallLog.objects.create(lead=called, caller=team.qualifier, at=NOW, outcome="not_interested")
    assert outcomes_count(client_id=program.client_id, program_id=program.pk, now=NOW) == (1, 2)


def test_a_delivered_lead_converts_once_kept_past_the_dispute_window_and_not_when_upheld(
    program: Program, team
) -> None:
    kept, disputed, recent = (f.lead(program=program, email=f"d{n}@example.com") for n in range(3))
    old = f.delivery(program=program, leads=[kept, disputed], at=NOW - timedelta(days=40))
    f.delivery(program=program, leads=[recent], at=NOW - timedelta(days=2))
    dispute_upheld(old.items.get(lead=disputed), team)
    assert outcomes_count(client_id=program.client_id, program_id=program.pk, now=NOW) == (1, 1)


def test_a_lead_record_holds_declared_columns_only_never_contact_data(program: Program) -> None:
    lead = f.lead(program=program, title="VP of Sales", channel="referral", industry="Retail")
    (record,) = lead_records([lead], now=NOW)
    assert record["seniority"] == "vice president"
    assert record["channel"] == "referral"
    assert not {"first_name", "email", "company", "title", "phone"} & set(record)
    assert seniority("") == ""
    assert seniority("Chief Revenue Officer") == "executive"
