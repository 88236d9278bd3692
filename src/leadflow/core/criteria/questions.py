"""The questions of a program's call script (questionnaire): their types, the choices a choice
question offers, and how an answer maps to a BANT fact (DESIGN.md, "Qualification")."""

from collections.abc import Mapping
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from leadflow.core.criteria.validation import Problems, Spec, check_range
from leadflow.core.enums import Authority, BantFact, Budget, Need

KEY_PATTERN = r"^[a-z][a-z0-9_]*$"

#: The value enum of each BANT fact a choice question can map to.
BANT_VALUES: Mapping[BantFact, type[StrEnum]] = {
    BantFact.BUDGET: Budget,
    BantFact.AUTHORITY: Authority,
    BantFact.NEED: Need,
}


class QuestionType(StrEnum):
    CHOICE = "choice"
    NUMBER = "number"
    DATE = "date"
    TEXT = "text"


class Choice(Spec):
    """One answer a choice question offers; ``bant_value`` is the BANT value it stands for."""

    value: str = Field(min_length=1)
    label: str
    bant_value: str | None = None


class Question(Spec):
    """One question of the program's call script (questionnaire).

    ``bant`` maps the answer to a BANT fact: budget, authority and need questions are choice
    questions whose choices each name a value of that fact; the timeframe question is a number
    of months, and leaving it empty means the time frame is unknown.
    """

    key: str = Field(pattern=KEY_PATTERN)
    label: str
    help_text: str = ""
    type: QuestionType
    choices: tuple[Choice, ...] = ()
    required: bool = False
    bant: BantFact | None = None
    min_value: float | None = None
    max_value: float | None = None

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(choice.value for choice in self.choices)

    @model_validator(mode="after")
    def _check_shape(self) -> Self:
        problems = Problems()
        if self.type is QuestionType.CHOICE:
            if not self.choices:
                problems.add("choices", "a choice question needs at least one choice")
            first: dict[str, int] = {}
            for index, choice in enumerate(self.choices):
                if choice.value in first:
                    problems.add(
                        f"choices.{index}.value",
                        f"{choice.value!r} is already the value of choices.{first[choice.value]}",
                    )
                first.setdefault(choice.value, index)
        elif self.choices:
            problems.add("choices", f"a {self.type} question has no choices")
        for bound in ("min_value", "max_value"):
            if getattr(self, bound) is not None and self.type is not QuestionType.NUMBER:
                problems.add(bound, f"only number questions have bounds, not {self.type}")
        check_range(problems, self.min_value, self.max_value)
        self._check_bant(problems)
        problems.raise_any()
        return self

    def _check_bant(self, problems: Problems) -> None:
        if self.bant is BantFact.TIMEFRAME and self.type is not QuestionType.NUMBER:
            problems.add(
                "type", f"the timeframe question must be a number question, not {self.type}"
            )
        kind = BANT_VALUES.get(self.bant) if self.bant is not None else None
        if kind is None:
            for index, choice in enumerate(self.choices):
                if choice.bant_value is not None:
                    problems.add(
                        f"choices.{index}.bant_value",
                        "only choices of a budget, authority or need question carry a bant_value",
                    )
            return
        if self.type is not QuestionType.CHOICE:
            problems.add(
                "type", f"a {self.bant} question must be a choice question, not {self.type}"
            )
            return
        allowed = [member.value for member in kind]
        for index, choice in enumerate(self.choices):
            if choice.bant_value not in allowed:
                problems.add(
                    f"choices.{index}.bant_value",
                    f"{choice.bant_value!r} is not a {self.bant} value ({', '.join(allowed)})",
                )
