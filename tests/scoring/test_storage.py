"""A fitted linear model stored as plain JSON scores and explains exactly as before."""

import json

import numpy as np
import pytest

from leadflow.core.scoring import ModelFormatError, Settings, model_train
from leadflow.core.scoring.calibration import ISOTONIC, calibrator_fit
from leadflow.core.scoring.storage import model_from_json, model_to_json
from tests.scoring.histories import history, records_of

LINEAR_ONLY = Settings(candidates=("logistic_regression",))


def _trained():  # type: ignore[no-untyped-def]
    found = history(1200, seed=7)
    records = records_of(found.rows, without=("Converted", "Last Activity"))
    return model_train(records, [bool(o) for o in found.outcomes], settings=LINEAR_ONLY), records


def test_a_stored_model_gives_the_same_probabilities_and_factors() -> None:
    model, records = _trained()
    again = model_from_json(json.loads(json.dumps(model_to_json(model))))
    assert np.array_equal(model.predict(records[:300]), again.predict(records[:300]))
    before, after = model.explain(records[:5]), again.explain(records[:5])
    assert [f.text for e in before for f in e.factors] == [f.text for e in after for f in e.factors]
    assert again.metrics == model.metrics


def test_an_isotonic_calibration_is_stored_as_its_thresholds() -> None:
    model, records = _trained()
    scores = model.raw_scores(model.plan.encode(records))
    model.calibrator = calibrator_fit(ISOTONIC, scores, (scores > 0).astype(np.int64))
    again = model_from_json(json.loads(json.dumps(model_to_json(model))))
    assert np.allclose(model.predict(records[:300]), again.predict(records[:300]))


def test_a_boosting_model_is_not_stored_as_numbers() -> None:
    model, _ = _trained()
    model.kind = "gradient_boosting"
    with pytest.raises(ModelFormatError):
        model_to_json(model)
    with pytest.raises(ModelFormatError):
        model_from_json({"format": 99})
