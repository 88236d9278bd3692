"""Predictions for the tests of the pages that show them: real ``ScoringModel`` and
``LeadPrediction`` rows, made directly (training is the scoring services' business)."""

from datetime import datetime, timedelta

from leadflow.core.lifecycle import Action
from leadflow.leads.models import Lead
from leadflow.leads.services.transitions import lead_transition
from leadflow.programs.models import Program
from leadflow.scoring.models import LeadPrediction, ScoringModel
from tests import factories
from tests.factories import NOW

FACTORS = [
    {"label": "Company size 1-10", "points": -8.2},
    {"label": "Source: referral", "points": 12.4},
    {"label": "Industry: retail", "points": 0.6},
    {"label": "Country: US", "points": 3.1},
]


def scoring_model(program: Program, *, active: bool = True, version: int = 1) -> ScoringModel:
    return ScoringModel.objects.create(
        client=program.client,
        program=program,
        version=version,
        kind="logistic",
        window_start=NOW,
        window_end=NOW,
        active=active,
    )


def predict(
    lead: Lead,
    probability: float,
    *,
    model: ScoringModel | None = None,
    factors: list | None = None,
) -> LeadPrediction:
    """The lead's prediction by ``model`` (the program's active one, made when missing)."""
    if model is None:
        model = ScoringModel.objects.filter(
            program=lead.program, active=True
        ).first() or scoring_model(lead.program)
    return LeadPrediction.objects.create(
        lead=lead,
        model=model,
        probability=probability,
        factors=FACTORS if factors is None else factors,
        scored_at=NOW,
    )


WON = (
    Action.SUBMIT_FOR_REVIEW,
    Action.APPROVE,
    Action.ASSIGN,
    Action.CLAIM,
    Action.RECORD_CONTACT,
    Action.CLOSE_WON,
)


def outcome(program: Program, number: int, *, won: bool, at: datetime, score: float) -> Lead:
    """A lead of ``program`` closed won or lost by its partner after contact at ``at``: an
    outcome under scoring's labels (a lead disqualified unseen would have none)."""
    lead = factories.lead(program=program, **factories.numbered_contact(number), at=at)
    lead = factories.lead_walk(lead, WON[:-1], at=at)
    if won:
        lead = lead_transition(lead=lead, action=Action.CLOSE_WON, actor=None, now=at)
    else:
        lead = lead_transition(
            lead=lead, action=Action.CLOSE_LOST, actor=None, now=at, reason="no_interest"
        )
    Lead.objects.filter(pk=lead.pk).update(score=score)
    return lead


def history(program: Program, *, count: int = 24, start: int = 0) -> None:
    """``count`` outcomes ten days ago, half converted: the model ranks them perfectly
    (80 % against 20 %), the rule score gives every lead the same 10 points."""
    model = scoring_model(program)
    for number in range(start, start + count):
        won = number % 2 == 0
        lead = outcome(program, number, won=won, at=NOW - timedelta(days=10), score=10)
        predict(lead, 0.8 if won else 0.2, model=model)
