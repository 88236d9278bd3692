"""Raw answers checked against a criteria's questions (DESIGN.md, "Qualification"): choices,
bounded real numbers, ISO dates and text, with every problem of a set reported at once.

``parse_answers`` is the gate every answer passes before it is stored or qualified — a form, an
import row, an API body. It lives in the qualification package rather than in
``leadflow.core.answers`` because it reads the questions from the compiled plan; ``core.answers``
builds on it (one question at a time, for a page), so the dependency points one way.
"""

import math
from collections.abc import Mapping
from datetime import date, datetime

from leadflow.core.criteria import QualifyingCriteria, Question, QuestionType, format_number
from leadflow.core.errors import CriteriaError
from leadflow.core.qualification.plan import plan_for


def parse_answers(
    criteria: QualifyingCriteria, raw: Mapping[str, object], *, require: bool = False
) -> dict[str, object]:
    """Checks raw answers (a form, an import row, an API body) against the questions.

    Choice answers must be one of the choices, numbers real numbers within the question's
    bounds, dates ISO dates (returned as ``datetime.date``), text strings. None or "" means
    unanswered and is dropped. With ``require``, unanswered required questions are problems
    too. All problems are reported at once in one ``CriteriaError``, separated by "; ".
    """
    questions = plan_for(criteria).questions
    answers: dict[str, object] = {}
    problems: list[str] = []
    for key, value in raw.items():
        question = questions.get(key)
        if question is None:
            problems.append(f"unknown question {key!r}")
        elif value is not None and value != "":
            try:
                answers[key] = _parse_value(question, value)
            except ValueError as exc:
                problems.append(f"{key}: {exc}")
    if require:
        problems.extend(
            f"{question.key}: an answer is required"
            for question in criteria.questions
            if question.required and question.key not in answers
        )
    if problems:
        raise CriteriaError("; ".join(problems))
    return answers


def _parse_value(question: Question, value: object) -> object:
    if question.type is QuestionType.CHOICE:
        if isinstance(value, str) and value in question.choice_values:
            return value
        raise ValueError(f"{value!r} is not one of {', '.join(question.choice_values)}")
    if question.type is QuestionType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
            shown = repr(value) if len(repr(value)) <= 40 else f"{repr(value)[:37]}..."
            raise ValueError(f"{shown} is not a number")
        if question.min_value is not None and value < question.min_value:
            raise ValueError(
                f"{format_number(value)} is below the minimum {format_number(question.min_value)}"
            )
        if question.max_value is not None and value > question.max_value:
            raise ValueError(
                f"{format_number(value)} is above the maximum {format_number(question.max_value)}"
            )
        return value
    if question.type is QuestionType.DATE:
        return _parse_date(value)
    if isinstance(value, str):
        return value
    raise ValueError(f"{value!r} is not text")


def _finite(value: float) -> bool:
    """A number a lead can carry: finite, and within a float's range (10**400 is not)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _parse_date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)")
