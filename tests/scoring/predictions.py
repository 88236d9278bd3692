"""Predictions for the tests of the pages that show them: real ``ScoringModel`` and
``LeadPrediction`` rows, made directly (training is the scoring services' business)."""

from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from leadflow.scoring.models import LeadPrediction, ScoringModel
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
