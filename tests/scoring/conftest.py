import pytest
from pytest_django.fixtures import Settings

from tests.tasks import IMMEDIATE


@pytest.fixture
def immediate_tasks(settings: Settings) -> None:
    """Background work (re-scoring, trainings asked for) runs as it is enqueued."""
    settings.TASKS = IMMEDIATE


@pytest.fixture
def few_outcomes(settings: Settings) -> None:
    """A minimum of 20 converted and 20 not converted, so the tests' histories stay small."""
    settings.LEADFLOW_SCORING_MIN_POSITIVES = 20
    settings.LEADFLOW_SCORING_MIN_NEGATIVES = 20
