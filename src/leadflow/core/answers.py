"""Answers as a person types them — into the call script of the workspace or a web-to-lead
form — read question by question, so that each problem lands beside its question.

``parse_answers`` (``core.qualification``) checks a whole set of answers against the program's
questions and stops at the first problem; a page needs every problem at once and the answers
that are fine, and needs to know whether saving would change anything at all.
"""

from collections.abc import Mapping

from leadflow.core.criteria import QualifyingCriteria, QuestionType
from leadflow.core.errors import CriteriaError
from leadflow.core.qualification import parse_answers


def number_answer(value: str) -> int | float | str | None:
    """A number typed into a form: "6" is 6, "2.5" is 2.5, "" unanswered. Anything else stays
    text, so that the criteria reject it with their own message."""
    text = value.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text
    return number if number == number and abs(number) != float("inf") else text


def typed_answers(criteria: QualifyingCriteria, typed: Mapping[str, str]) -> dict[str, object]:
    """Every question's answer from what was typed, keyed by question key: numbers read as
    numbers, an empty field None, which the lead services read as "unanswered" (so clearing a
    field clears the saved answer)."""
    answers: dict[str, object] = {}
    for question in criteria.questions:
        raw = (typed.get(question.key) or "").strip()
        if question.type is QuestionType.NUMBER:
            answers[question.key] = number_answer(raw)
        else:
            answers[question.key] = raw or None
    return answers


def answers_check(
    criteria: QualifyingCriteria, raw: Mapping[str, object]
) -> tuple[dict[str, object], dict[str, str]]:
    """Parse answers question by question.

    Returns the parsed answers of the valid ones and the error of each invalid one (keyed by
    question key; an unknown key is reported under its own name).
    """
    errors: dict[str, str] = {}
    for key, value in raw.items():
        try:
            parse_answers(criteria, {key: value})
        except CriteriaError as exc:
            errors[key] = str(exc).removeprefix(f"{key}: ")
    valid = {key: value for key, value in raw.items() if key not in errors}
    return parse_answers(criteria, valid), errors


def answers_changed(
    criteria: QualifyingCriteria, saved: Mapping[str, object], raw: Mapping[str, object]
) -> bool:
    """Whether saving ``raw`` over ``saved`` would change anything (no empty history rows)."""
    try:
        return parse_answers(criteria, saved) != parse_answers(criteria, {**saved, **raw})
    except CriteriaError:
        return True
