"""Writes of predictive scoring (issue 19, items 1, 3 and 6; docs/SCORING.md): training a
client's or a program's model from its own outcomes, switching models on and off, restoring
the previous one, scoring leads set-based, and watching the AUC on recent outcomes.

A model is trained per client (``program`` null, on all its programs' outcomes) and per program
once the program alone has enough outcomes; a program's own active model wins over its
client's (``selectors.active_model``). The first model of a client or program is stored
switched off: a manager backtests and switches it on. A new version replaces a model that is
switched on, and the previous one can be restored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from leadflow.accounts.models import Role
from leadflow.core.errors import DomainRefused
from leadflow.core.scoring import LINEAR, NotEnoughHistory, Settings, metrics_json, model_train
from leadflow.core.scoring import ScoringModel as FittedModel
from leadflow.core.scoring.storage import model_from_json, model_to_json
from leadflow.delivery.selectors import program_people
from leadflow.leads.models import Lead
from leadflow.notifications.services import email_enqueue
from leadflow.programs.models import Client, Program
from leadflow.scoring import conf
from leadflow.scoring.active import active_forget
from leadflow.scoring.labels import leads_with_outcome, outcomes_count
from leadflow.scoring.models import LeadPrediction, ModelKind, ScoringModel
from leadflow.scoring.records import READ_FIELDS, lead_records, schema_for

#: Leads read, explained and written per batch when re-scoring.
SCORE_BATCH = 2000
#: Factors kept with each prediction (the largest by points of probability).
FACTORS_KEPT = 5
#: Recent outcomes a month needs before its AUC is shown and watched.
MONITOR_MIN_OUTCOMES = 20
MONITOR_MONTHS = 6


class ScoringRefused(DomainRefused):
    """A step on a model that cannot be taken (409 on a page)."""


def training_settings() -> Settings:
    """The product's training: the minimum of outcomes from the settings; the linear model
    only, stored as numbers and explained exactly (docs/DECISIONS.md, session 30)."""
    return Settings(
        min_positives=conf.min_positives(),
        min_negatives=conf.min_negatives(),
        candidates=(LINEAR,),
    )


def _scope(*, client_id: int, program_id: int | None) -> QuerySet[ScoringModel]:
    models = ScoringModel.objects.filter(client_id=client_id)
    if program_id is None:
        return models.filter(program__isnull=True)
    return models.filter(program_id=program_id)


@dataclass(frozen=True)
class TrainResult:
    """What one training did: the model stored (None below the minimum) and the counts."""

    client_id: int
    program_id: int | None
    model: ScoringModel | None
    positives: int
    negatives: int

    @property
    def message(self) -> str:
        if self.model is None:
            return (
                f"Not enough history yet: {self.positives} converted and {self.negatives} not "
                f"converted; training needs {conf.min_positives()} and {conf.min_negatives()}."
            )
        state = "switched on" if self.model.active else "stored switched off"
        return f"Version {self.model.version} trained ({state}), AUC {self.model.auc_text}."


def model_train_for(*, client_id: int, program_id: int | None, now: datetime) -> TrainResult:
    """Train the client's (``program_id`` None) or the program's model on its leads with a
    known outcome; below the minimum nothing is trained. A new version takes the place of an
    active one (which stays, to be restored); the first is stored switched off."""
    leads = list(
        leads_with_outcome(client_id=client_id, program_id=program_id, now=now)
        .only(*READ_FIELDS, "created_at")
        .order_by("pk")
    )
    outcomes = [bool(lead.converted) for lead in leads]  # type: ignore[attr-defined]
    positives = sum(outcomes)
    negatives = len(outcomes) - positives
    settings = training_settings()
    if positives < settings.min_positives or negatives < settings.min_negatives:
        return TrainResult(client_id, program_id, None, positives, negatives)
    records = lead_records(leads, now=now, at_outcome=True)
    window = (min(lead.created_at for lead in leads), max(lead.created_at for lead in leads))
    try:
        fitted = model_train(
            records,
            outcomes,
            schema=schema_for(records),
            settings=settings,
            window=(window[0].isoformat(), window[1].isoformat()),
        )
    except NotEnoughHistory:
        return TrainResult(client_id, program_id, None, positives, negatives)
    with transaction.atomic():
        Client.objects.select_for_update().get(pk=client_id)
        scope = _scope(client_id=client_id, program_id=program_id)
        latest = scope.order_by("-version").first()
        version = (latest.version if latest else 0) + 1
        fitted.version = str(version)
        stored = model_to_json(fitted)
        previous = scope.filter(active=True).first()
        row = ScoringModel.objects.create(
            client_id=client_id,
            program_id=program_id,
            version=version,
            kind=ModelKind.LOGISTIC,
            window_start=window[0],
            window_end=window[1],
            metrics={
                **metrics_json(fitted.metrics),
                "negatives": negatives,
                "calibration_method": fitted.metrics.calibration_method,
                "trained_at": now.isoformat(),
            },
            features=[
                {"name": feature.name, "label": feature.label, "kind": feature.kind.value}
                for feature in fitted.plan.features
            ],
            fitted=stored,
        )
        if previous is not None:
            _activate(row, previous=previous, now=now)
    return TrainResult(client_id, program_id, row, positives, negatives)


def _activate(model: ScoringModel, *, previous: ScoringModel | None, now: datetime) -> None:
    """Switch ``model`` on in place of ``previous`` (in the caller's transaction), forget the
    cached answer and re-score the scope after commit."""
    if previous is not None and previous.pk != model.pk:
        ScoringModel.objects.filter(pk=previous.pk).update(active=False)
    ScoringModel.objects.filter(pk=model.pk).update(active=True)
    model.active = True
    _after_switch(model)


def _after_switch(model: ScoringModel) -> None:
    from leadflow.scoring.tasks import predictions_refresh_task

    client_id, program_id = model.client_id, model.program_id

    def later() -> None:
        active_forget()
        predictions_refresh_task.enqueue(client_id=client_id, program_id=program_id)

    active_forget()
    transaction.on_commit(later)


def model_switch(*, model: ScoringModel, on: bool, now: datetime) -> ScoringModel:
    """Switch a model on (the one of its scope that was on goes off) or off. Its scope's leads
    are re-scored after commit: with the model now on, or with what applies without it (the
    client's model for a program, or no probability at all)."""
    with transaction.atomic():
        Client.objects.select_for_update().get(pk=model.client_id)
        model.refresh_from_db()
        if on:
            previous = (
                _scope(client_id=model.client_id, program_id=model.program_id)
                .filter(active=True)
                .first()
            )
            _activate(model, previous=previous, now=now)
        else:
            ScoringModel.objects.filter(pk=model.pk).update(active=False)
            model.active = False
            _after_switch(model)
    return model


def model_restore(*, client_id: int, program_id: int | None, now: datetime) -> ScoringModel:
    """Switch on the version before the one switched on (or before the latest when none is)."""
    scope = _scope(client_id=client_id, program_id=program_id)
    current = scope.filter(active=True).first() or scope.order_by("-version").first()
    if current is None:
        raise ScoringRefused("There is no model to restore yet.")
    earlier = scope.filter(version__lt=current.version).order_by("-version").first()
    if earlier is None:
        raise ScoringRefused(f"Version {current.version} is the first: no earlier model.")
    return model_switch(model=earlier, on=True, now=now)


def _load(row: ScoringModel, cache: dict[int, FittedModel]) -> FittedModel:
    if row.pk not in cache:
        cache[row.pk] = model_from_json(row.fitted)
    return cache[row.pk]


def _effective(program_ids: Iterable[int]) -> dict[int, ScoringModel | None]:
    """Each program's model in use: its own active one, else its client's (one query)."""
    programs = dict(Program.objects.filter(pk__in=list(program_ids)).values_list("pk", "client_id"))
    rows = ScoringModel.objects.filter(active=True).filter(
        Q(program_id__in=programs) | Q(program__isnull=True, client_id__in=set(programs.values()))
    )
    own = {row.program_id: row for row in rows if row.program_id is not None}
    clients = {row.client_id: row for row in rows if row.program_id is None}
    return {pk: own.get(pk) or clients.get(client) for pk, client in programs.items()}


def _factors(explanation: Any) -> list[dict[str, Any]]:
    return [
        {
            "feature": factor.feature,
            "label": f"{factor.label}: {factor.value}",
            "points": round(float(factor.points), 2),
            "text": factor.text,
        }
        for factor in explanation.top(FACTORS_KEPT)
    ]


def _predictions_write(
    leads: Sequence[Lead], model_row: ScoringModel, fitted: FittedModel, now: datetime
) -> int:
    explanations = fitted.explain(lead_records(leads, now=now))
    rows = [
        LeadPrediction(
            lead_id=lead.pk,
            model_id=model_row.pk,
            probability=min(1.0, max(0.0, float(explanation.probability))),
            factors=_factors(explanation),
            scored_at=now,
        )
        for lead, explanation in zip(leads, explanations, strict=True)
    ]
    LeadPrediction.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["lead"],
        update_fields=["model", "probability", "factors", "scored_at"],
    )
    return len(rows)


def leads_score(*, leads: QuerySet[Lead], now: datetime) -> int:
    """Score ``leads`` with the model each one's program uses, set-based: one read, one
    explanation and one upsert per batch of ``SCORE_BATCH``; a lead whose program has no model
    on loses its probability. Returns how many leads were scored."""
    program_ids = set(leads.values_list("program_id", flat=True).distinct())
    effective = _effective(program_ids)
    without = [pk for pk, row in effective.items() if row is None]
    if without:
        LeadPrediction.objects.filter(lead__in=leads.filter(program_id__in=without)).delete()
    by_model: dict[int, list[int]] = defaultdict(list)
    rows: dict[int, ScoringModel] = {}
    for program_id, row in effective.items():
        if row is not None:
            by_model[row.pk].append(program_id)
            rows[row.pk] = row
    cache: dict[int, FittedModel] = {}
    scored = 0
    for model_pk, programs in by_model.items():
        fitted = _load(rows[model_pk], cache)
        chosen = leads.filter(program_id__in=programs).only(*READ_FIELDS).order_by("pk")
        last = 0
        while True:
            batch = list(chosen.filter(pk__gt=last)[:SCORE_BATCH])
            if not batch:
                break
            with transaction.atomic():
                scored += _predictions_write(batch, rows[model_pk], fitted, now)
            last = batch[-1].pk
    return scored


def predictions_refresh(*, client_id: int, program_id: int | None, now: datetime) -> int:
    """Re-score every lead a model's scope covers (after a training or a switch)."""
    leads = Lead.objects.filter(program__client_id=client_id)
    if program_id is not None:
        leads = leads.filter(program_id=program_id)
    return leads_score(leads=leads, now=now)


def leads_score_new(*, lead_ids: Sequence[int], now: datetime) -> int:
    """Score leads just captured (the capture subscription's task)."""
    return leads_score(leads=Lead.objects.filter(pk__in=list(lead_ids)), now=now)


def predictions_catch_up(*, now: datetime) -> int:
    """Score the leads without a probability whose program has a model on: those captured
    while a process still believed no model was on (``active.TTL_SECONDS``)."""
    rows = ScoringModel.objects.filter(active=True).values_list("client_id", "program_id")
    if not rows:
        return 0
    covered = Q(pk__in=[])
    for client_id, program_id in rows:
        covered |= Q(program_id=program_id) if program_id else Q(program__client_id=client_id)
    leads = Lead.objects.filter(covered, prediction__isnull=True)
    return leads_score(leads=leads, now=now)


def scoring_train(*, now: datetime) -> list[TrainResult]:
    """The daily training: every client and every program with enough outcomes whose outcomes
    changed since its latest model (one count per client and program before any fit)."""
    results = []
    scopes: list[tuple[int, int | None]] = []
    for client_id in Client.objects.values_list("pk", flat=True).order_by("pk"):
        scopes.append((client_id, None))
        programs = Program.objects.filter(client_id=client_id).values_list("pk", flat=True)
        scopes.extend((client_id, program_id) for program_id in programs.order_by("pk"))
    for client_id, program_id in scopes:
        positives, negatives = outcomes_count(client_id=client_id, program_id=program_id, now=now)
        if positives < conf.min_positives() or negatives < conf.min_negatives():
            continue
        latest = _scope(client_id=client_id, program_id=program_id).order_by("-version").first()
        if latest is not None and (
            latest.metrics.get("positives") == positives
            and latest.metrics.get("negatives") == negatives
        ):
            continue
        results.append(model_train_for(client_id=client_id, program_id=program_id, now=now))
    return results


def _auc(scores: Sequence[float], outcomes: Sequence[bool]) -> float:
    """The probability that a converted lead scores above one that did not (ties count half)."""
    pairs = sorted(zip(scores, outcomes, strict=True))
    rank_sum, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        rank = (i + j + 1) / 2
        rank_sum += rank * sum(1 for k in range(i, j) if pairs[k][1])
        i = j
    positives = sum(outcomes)
    negatives = len(outcomes) - positives
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def _months(model: ScoringModel, now: datetime) -> list[dict[str, Any]]:
    """The model's AUC on the outcomes recorded since it was trained (at most the last six
    months), by month of the outcome (the lead's last change)."""
    trained = model.metrics.get("trained_at")
    trained_at = datetime.fromisoformat(trained) if trained else model.created_at
    since = max(trained_at, now - timedelta(days=31 * MONITOR_MONTHS))
    leads = list(
        leads_with_outcome(client_id=model.client_id, program_id=model.program_id, now=now)
        .filter(updated_at__gt=since)
        .only(*READ_FIELDS, "created_at")
        .order_by("pk")
    )
    if not leads:
        return []
    probabilities = model_from_json(model.fitted).predict(
        lead_records(leads, now=now, at_outcome=True)
    )
    groups: dict[str, tuple[list[float], list[bool]]] = defaultdict(lambda: ([], []))
    for lead, probability in zip(leads, probabilities, strict=True):
        month = timezone.localtime(lead.updated_at).strftime("%Y-%m")
        groups[month][0].append(float(probability))
        groups[month][1].append(bool(lead.converted))  # type: ignore[attr-defined]
    months = []
    for month in sorted(groups):
        scores, outcomes = groups[month]
        both = 0 < sum(outcomes) < len(outcomes)
        enough = both and len(outcomes) >= MONITOR_MIN_OUTCOMES
        months.append(
            {
                "month": month,
                "outcomes": len(outcomes),
                "converted": sum(outcomes),
                "auc": round(_auc(scores, outcomes), 4) if enough else None,
            }
        )
    return months


def scoring_check(*, now: datetime) -> dict[str, int]:
    """The daily watch over every model switched on: its AUC on recent outcomes by month,
    stored with the model for its page; when the latest measured month falls more than the
    margin (``conf.auc_alert_margin``) below the training AUC, the managers of its programs
    get one e-mail per model and month through the outbox."""
    checked = alerted = 0
    margin = conf.auc_alert_margin()
    for model in ScoringModel.objects.filter(active=True).select_related("client", "program"):
        months = _months(model, now)
        checked += 1
        measured = [month for month in months if month["auc"] is not None]
        with transaction.atomic():
            metrics = {**model.metrics, "monitoring": months, "checked_at": now.isoformat()}
            ScoringModel.objects.filter(pk=model.pk).update(metrics=metrics)
            if measured and measured[-1]["auc"] < float(model.metrics["auc"]) - margin:
                alerted += _alert(model, measured[-1], now)
    return {"checked": checked, "alerted": alerted}


def _alert(model: ScoringModel, month: dict[str, Any], now: datetime) -> int:
    if model.program_id is not None:
        program_ids = [model.program_id]
    else:
        program_ids = list(
            Program.objects.filter(client_id=model.client_id).values_list("pk", flat=True)
        )
    people = program_people(program_ids=program_ids, role=Role.MANAGER)
    to = sorted({email for emails in people.values() for email in emails})
    if not to:
        return 0
    scope = model.program.name if model.program else f"{model.client.name} (all programs)"
    email_enqueue(
        key=f"scoring-drift:{model.pk}:{month['month']}",
        to=to,
        subject=f"Predictive score of {scope}: AUC fell to {month['auc']:.2f}",
        body=(
            f"The predictive model of {scope} (version {model.version}) separated converted "
            f"from not converted leads with an AUC of {float(model.metrics['auc']):.2f} when it "
            f"was trained. On the {month['outcomes']} outcomes of {month['month']} it scored "
            f"{month['auc']:.2f}, more than {conf.auc_alert_margin():.2f} lower.\n\n"
            "Train it again, switch it off, or restore the previous model on its Scoring page."
        ),
        now=now,
    )
    return 1
