"""Answers as a person types them (core.answers): numbers read as numbers, each problem under
its question, and whether saving would change anything."""

import pytest

from leadflow.core.answers import answers_changed, answers_check, number_answer, typed_answers
from leadflow.core.criteria import default_criteria as default


@pytest.mark.parametrize(
    ("typed", "answer"), [("6", 6), (" 2.5 ", 2.5), ("", None), ("soon", "soon"), ("nan", "nan")]
)
def test_a_typed_number_becomes_a_number(typed: str, answer: object) -> None:
    assert number_answer(typed) == answer


def test_typed_answers_read_numbers_and_treat_empty_fields_as_unanswered() -> None:
    typed = {"budget": "approved", "need": "", "timeframe_months": " 2.5 ", "other": "x"}
    assert typed_answers(default(), typed) == {
        "budget": "approved",
        "authority": None,
        "need": None,
        "timeframe_months": 2.5,
    }


def test_answers_check_reports_each_problem_under_its_question() -> None:
    parsed, errors = answers_check(
        default(), {"budget": "lots", "timeframe_months": -1, "need": "established"}
    )
    assert parsed == {"need": "established"}
    assert errors == {
        "budget": "'lots' is not one of none, preliminary, approved",
        "timeframe_months": "-1 is below the minimum 0",
    }


def test_answers_changed_only_when_saving_would_change_the_answers() -> None:
    saved = {"budget": "approved", "timeframe_months": 2}
    assert not answers_changed(default(), saved, {"budget": "approved", "timeframe_months": 2.0})
    assert not answers_changed(default(), saved, {"need": None})
    assert answers_changed(default(), saved, {"need": "identified"})
    assert answers_changed(default(), saved, {"timeframe_months": None})
