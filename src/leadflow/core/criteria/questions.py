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


#: How a website visitor is asked a BANT question when the program gave it no public wording:
#: a plain question, never the qualifier's "Authority" or "Need" (issue 17, item 3).
PUBLIC_QUESTIONS: Mapping[BantFact, str] = {
    BantFact.BUDGET: "Is there a budget for this?",
    BantFact.AUTHORITY: "What is your part in the buying decision?",
    BantFact.NEED: "How clear is your need?",
    BantFact.TIMEFRAME: "In how many months do you plan to decide?",
}

#: How a visitor reads the default choices of a BANT question (a choice the program labelled
#: itself keeps its own label).
PUBLIC_CHOICES: Mapping[BantFact, Mapping[str, str]] = {
    BantFact.BUDGET: {
        "none": "No budget yet",
        "preliminary": "A rough budget",
        "approved": "An approved budget",
    },
    BantFact.AUTHORITY: {
        "none": "I am not involved",
        "influencer": "I advise on it",
        "specifier": "I set the requirements",
        "decision_maker": "I make the decision",
    },
    BantFact.NEED: {
        "none": "Just looking",
        "identified": "We see a need",
        "established": "We need a solution now",
    },
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
    public_label: str = ""
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

    @property
    def public_question(self) -> str:
        """How the public web form asks it: the program's public wording, else a plain question
        for a BANT fact, else the label (a program's own question is already in its words)."""
        if self.public_label:
            return self.public_label
        return PUBLIC_QUESTIONS.get(self.bant, self.label) if self.bant else self.label

    @property
    def public_choices(self) -> tuple[tuple[str, str], ...]:
        """The choices as a visitor reads them: a BANT choice still labelled with its value
        ("Decision maker") reads as plain words ("I make the decision")."""
        plain = PUBLIC_CHOICES.get(self.bant, {}) if self.bant else {}
        return tuple(
            (
                choice.value,
                plain.get(choice.bant_value or "", choice.label)
                if choice.label == choice.value.replace("_", " ").capitalize()
                else choice.label,
            )
            for choice in self.choices
        )

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
