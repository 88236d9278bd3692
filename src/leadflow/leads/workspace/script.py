"""The call script: the program's questions in order, each with the widget a qualifier answers
it with on the phone, the answer to show and its error, and the answers a posted script holds.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from leadflow.core.answers import typed_answers
from leadflow.core.criteria import QualifyingCriteria, QuestionType
from leadflow.leads.workspace.text import shown

#: Choice questions with at most this many choices are radio groups (every option visible at
#: once while on the phone); longer lists are selects so the script stays short.
RADIO_LIMIT = 5
ANSWER_PREFIX = "answer_"


def field_name(key: str) -> str:
    """The posted name of a question's answer, prefixed so it never meets the CSRF field."""
    return f"{ANSWER_PREFIX}{key}"


@dataclass(frozen=True)
class ScriptQuestion:
    """One question of the call script with its current (or just typed) answer and error."""

    number: int
    key: str
    label: str
    help_text: str
    widget: str  # radio, select, number, date or text
    choices: tuple[tuple[str, str], ...]
    value: str
    required: bool
    error: str = ""
    min_value: str = ""
    max_value: str = ""

    @property
    def name(self) -> str:
        return field_name(self.key)

    @property
    def id(self) -> str:
        return f"id_{self.name}"

    @property
    def described_by(self) -> str:
        ids = [f"{self.id}_help"] if self.help_text else []
        if self.error:
            ids.append(f"{self.id}_error")
        return " ".join(ids)


def _widget(kind: QuestionType, choice_count: int) -> str:
    if kind is QuestionType.CHOICE:
        return "radio" if choice_count <= RADIO_LIMIT else "select"
    return kind.value


def script_questions(
    criteria: QualifyingCriteria,
    answers: Mapping[str, object],
    errors: Mapping[str, str] | None = None,
) -> list[ScriptQuestion]:
    """The program's questions in order, each with the answer to show and its error, if any.

    ``answers`` may be saved answers (typed) or what was just posted (text), so that an invalid
    answer is shown back as typed beside its error.
    """
    errors = errors or {}
    return [
        ScriptQuestion(
            number=index,
            key=question.key,
            label=question.label,
            help_text=question.help_text,
            widget=_widget(question.type, len(question.choices)),
            choices=tuple((choice.value, choice.label) for choice in question.choices),
            value=shown(answers.get(question.key)),
            required=question.required,
            error=errors.get(question.key, ""),
            min_value=shown(question.min_value),
            max_value=shown(question.max_value),
        )
        for index, question in enumerate(criteria.questions, start=1)
    ]


def posted_answers(criteria: QualifyingCriteria, data: Mapping[str, str]) -> dict[str, object]:
    """Every question's answer from a posted script (``core.answers.typed_answers``: an empty
    field is None, so clearing a field clears the saved answer)."""
    typed = {
        question.key: data.get(field_name(question.key)) or "" for question in criteria.questions
    }
    return typed_answers(criteria, typed)
