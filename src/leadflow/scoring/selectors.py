"""Reads for predictive scoring: predictions, models, and the backtests of history files."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Case, FloatField, OuterRef, Q, QuerySet, Subquery, Value, When

from leadflow.accounts.models import User
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_get, program_list
from leadflow.scoring import conf
from leadflow.scoring.labels import outcome_counts
from leadflow.scoring.models import Backtest, LeadPrediction, ScoringModel


def predictions_for(*, lead_ids: list[int]) -> dict[int, LeadPrediction]:
    """The latest prediction of each given lead that has one, keyed by lead id (one query)."""
    if not lead_ids:
        return {}
    rows = LeadPrediction.objects.filter(lead_id__in=list(lead_ids))
    return {row.lead_id: row for row in rows}


def active_model(*, program: Program) -> ScoringModel | None:
    """The program's own active model, else its client's active model, else None."""
    rows = list(
        ScoringModel.objects.filter(client_id=program.client_id, active=True).filter(
            Q(program=program) | Q(program__isnull=True)
        )
    )
    rows.sort(key=lambda row: row.program_id is None)  # the program's own model first
    return rows[0] if rows else None


@dataclass(frozen=True)
class ModelStatus:
    """What the model page says about a program's scoring."""

    model: ScoringModel | None
    enough_history: bool
    positives: int
    negatives: int
    min_positives: int
    min_negatives: int

    @property
    def message(self) -> str:
        if self.model is not None:
            return f"Version {self.model.version} is switched on."
        if not self.enough_history:
            return "Not enough history yet."
        return "Enough history to train; no model is switched on yet."


def model_status(*, program: Program) -> ModelStatus:
    """The active model (if any) and whether the program has enough outcomes to train."""
    positives, negatives = outcome_counts(program=program)
    min_pos = conf.min_positives()
    min_neg = conf.min_negatives()
    return ModelStatus(
        model=active_model(program=program),
        enough_history=positives >= min_pos and negatives >= min_neg,
        positives=positives,
        negatives=negatives,
        min_positives=min_pos,
        min_negatives=min_neg,
    )


def predictions_shown(*, lead_ids: Sequence[int]) -> dict[int, LeadPrediction]:
    """The predictions the pages show, keyed by lead id (one query): only those made by a
    model that is switched on, so switching a model off takes its numbers off every page."""
    if not lead_ids:
        return {}
    rows = LeadPrediction.objects.filter(
        lead_id__in=list(lead_ids), model__active=True
    ).select_related("model")
    return {row.lead_id: row for row in rows}


def queue_probability() -> Case:
    """The qualification queue's order within a rating (``config/leads.py`` ``QUEUE_ORDER``):
    the lead's predicted chance by a switched-on model where its program's settings ask for
    it (``Program.queue_by_probability``), else none, so such a program's queue is unchanged."""
    predicted = LeadPrediction.objects.filter(lead=OuterRef("pk"), model__active=True)
    return Case(
        When(
            program__queue_by_probability=True,
            then=Subquery(predicted.values("probability")[:1]),
        ),
        default=Value(None),
        output_field=FloatField(),
    )


def leads_predicted(*, lead_ids: Sequence[int]) -> dict[int, float]:
    """The leads' predicted chances (0-1) by a switched-on model, which prediction point rules
    read (``config/leads.py`` ``LEAD_PREDICTIONS``), in one query."""
    rows = LeadPrediction.objects.filter(lead_id__in=list(lead_ids), model__active=True)
    return dict(rows.values_list("lead_id", "probability"))


def scoring_programs(*, user: User) -> QuerySet[Program]:
    """The programs whose scoring the user may see (their scope), by client and name."""
    return program_list(user=user).order_by("client__name", "name")


def scoring_program_get(*, user: User, slug: str) -> Program:
    """One program of the user's scope; another's does not exist for them (404)."""
    return program_get(user=user, slug=slug)


def scoring_model_get(*, program: Program, model_id: int) -> ScoringModel:
    """One of the models a program's page shows: its own or its client's (others: 404)."""
    return (
        ScoringModel.objects.filter(client_id=program.client_id)
        .filter(Q(program=program) | Q(program__isnull=True))
        .get(pk=model_id)
    )


@dataclass(frozen=True)
class ScopeModels:
    """The models of one scope (the client's, or the program's own), newest first, with the
    scope's outcome counts."""

    label: str
    program: Program | None
    models: list[ScoringModel]
    positives: int
    negatives: int

    @property
    def active(self) -> ScoringModel | None:
        return next((model for model in self.models if model.active), None)

    @property
    def shown(self) -> ScoringModel | None:
        """The model the page describes: the active one, else the latest."""
        return self.active or (self.models[0] if self.models else None)

    @property
    def enough_history(self) -> bool:
        return self.positives >= conf.min_positives() and self.negatives >= conf.min_negatives()

    @property
    def restorable(self) -> bool:
        shown = self.shown
        return shown is not None and any(model.version < shown.version for model in self.models)


def scoring_page(*, program: Program) -> list[ScopeModels]:
    """The program's own models and its client's, each with its outcome counts (four reads)."""
    from leadflow.scoring.labels import outcomes_count

    rows = list(
        ScoringModel.objects.filter(client_id=program.client_id)
        .filter(Q(program=program) | Q(program__isnull=True))
        .defer("fitted")
        .order_by("-version")
    )
    own = [row for row in rows if row.program_id == program.pk]
    client = [row for row in rows if row.program_id is None]
    own_counts = outcomes_count(client_id=program.client_id, program_id=program.pk)
    client_counts = outcomes_count(client_id=program.client_id, program_id=None)
    return [
        ScopeModels(f"{program.name} (this program's own model)", program, own, *own_counts),
        ScopeModels(
            f"{program.client.name} (every program of the client)", None, client, *client_counts
        ),
    ]


#: Backtests listed on a program's backtest page, newest first.
BACKTESTS_SHOWN = 10


def backtest_list(*, program: Program) -> QuerySet[Backtest]:
    """The program's recent backtests (of a program already in the user's scope), newest first,
    with who asked for each (one query)."""
    return Backtest.objects.filter(program=program).select_related("requested_by")[:BACKTESTS_SHOWN]


def backtest_get(*, program: Program, backtest_id: int) -> Backtest:
    """One backtest of a program already in the user's scope; another program's does not exist
    for them (404)."""
    return Backtest.objects.select_related("program", "requested_by").get(
        program=program, pk=backtest_id
    )
