"""A program's QualifyingCriteria: the call script and the rules that turn its answers into BANT
facts, a rating and a score (DESIGN.md, "Qualification"; every value there is a program setting).

The specification is data: frozen pydantic models that round-trip through JSON and YAML, so a
sales manager can edit it, a program can version it, and a draft can be previewed on past leads.
Sequences are tuples (lists are accepted on input) so that a criteria object is truly immutable
and can be shared between requests and cached. Every validation failure surfaces as a
``CriteriaError`` naming the field path, e.g. ``rating_ladder.0.rating: Input should be ...``,
when criteria are read with ``from_dict``, ``from_json``, ``from_yaml`` or ``load`` (building the
models directly in code raises pydantic's ``ValidationError``, as for any model). Evaluation
lives in ``leadflow.core.qualification``.
"""

import math
import os
from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from leadflow.core.enums import Authority, BantFact, Budget, Need, Rating
from leadflow.core.errors import CriteriaError

KEY_PATTERN = r"^[a-z][a-z0-9_]*$"

#: The value enum of each BANT fact a choice question can map to.
BANT_VALUES: Mapping[BantFact, type[StrEnum]] = {
    BantFact.BUDGET: Budget,
    BantFact.AUTHORITY: Authority,
    BantFact.NEED: Need,
}


def format_number(value: float) -> str:
    """Shows a number the way a person writes it: 3, 2.5, 0.33 (two decimals at most)."""
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def months(value: float) -> str:
    return f"{format_number(value)} month" + ("" if value == 1 else "s")


def join_or(values: Iterable[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``: how a rule names the values it accepts."""
    items = list(values)
    return f"{', '.join(items[:-1])} or {items[-1]}" if len(items) > 1 else "".join(items)


def ordered(values: Iterable[StrEnum]) -> list[str]:
    """Enum values in declaration order, so that sets serialise and read the same every time."""
    members = set(values)
    if not members:
        return []
    return [member.value for member in type(next(iter(members))) if member in members]


_AS_ORDERED_LIST = PlainSerializer(ordered, return_type=list[str], when_used="json")
BudgetSet = Annotated[frozenset[Budget], Field(min_length=1), _AS_ORDERED_LIST]
AuthoritySet = Annotated[frozenset[Authority], Field(min_length=1), _AS_ORDERED_LIST]
NeedSet = Annotated[frozenset[Need], Field(min_length=1), _AS_ORDERED_LIST]


def describe_validation_error(exc: ValidationError) -> str:
    """One readable problem per failure, each prefixed with its dotted field path."""
    lines: list[str] = []
    for error in exc.errors():
        base = ".".join(str(part) for part in error["loc"])
        found = error["ctx"]["found"] if error["type"] == "criteria" else [("", error["msg"])]
        for relative, message in found:
            path = ".".join(part for part in (base, relative) if part)
            lines.append(f"{path}: {message}" if path else message)
    return "; ".join(lines)


class _Problems:
    """Collects every problem a model validator finds, each under its path relative to the model,
    so that one error names them all."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.found.append((path, message))

    def raise_any(self) -> None:
        if self.found:
            summary = "; ".join(f"{path}: {message}" for path, message in self.found)
            raise PydanticCustomError(
                "criteria", "{summary}", {"summary": summary, "found": self.found}
            )


class _Spec(BaseModel):
    """Base of every criteria model: unknown fields are errors, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class _SparseSpec(_Spec):
    """Leaves unset (None) match fields out of JSON and YAML; None always means "any"."""

    @model_serializer(mode="wrap")
    def _omit_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if value is not None}


class QuestionType(StrEnum):
    CHOICE = "choice"
    NUMBER = "number"
    DATE = "date"
    TEXT = "text"


class Choice(_Spec):
    """One answer a choice question offers; ``bant_value`` is the BANT value it stands for."""

    value: str = Field(min_length=1)
    label: str
    bant_value: str | None = None


class Question(_Spec):
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
        problems = _Problems()
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
        _check_range(problems, self.min_value, self.max_value)
        self._check_bant(problems)
        problems.raise_any()
        return self

    def _check_bant(self, problems: _Problems) -> None:
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


def _check_range(problems: _Problems, low: float | None, high: float | None) -> None:
    if low is not None and high is not None and low > high:
        problems.add("min_value", f"{format_number(low)} is above max_value {format_number(high)}")


class Condition(_SparseSpec):
    """A conjunction over the BANT facts: it holds when every field that is set holds.

    ``timeframe_max_months`` needs a known time frame: an unknown one is never "≤ N months".
    A condition with no field set holds for every lead.
    """

    budget_in: BudgetSet | None = None
    authority_in: AuthoritySet | None = None
    need_in: NeedSet | None = None
    timeframe_known: bool | None = None
    timeframe_max_months: float | None = None

    @model_validator(mode="after")
    def _check_timeframe(self) -> Self:
        problems = _Problems()
        if self.timeframe_known is False and self.timeframe_max_months is not None:
            problems.add(
                "timeframe_max_months",
                "an unknown time frame is never within a number of months; "
                "drop timeframe_known: false or the maximum",
            )
        problems.raise_any()
        return self

    def holds(
        self,
        *,
        budget: Budget,
        authority: Authority,
        need: Need,
        timeframe_months: float | None,
    ) -> bool:
        if self.budget_in is not None and budget not in self.budget_in:
            return False
        if self.authority_in is not None and authority not in self.authority_in:
            return False
        if self.need_in is not None and need not in self.need_in:
            return False
        if self.timeframe_known is not None and (timeframe_months is not None) != (
            self.timeframe_known
        ):
            return False
        return self.timeframe_max_months is None or (
            timeframe_months is not None and timeframe_months <= self.timeframe_max_months
        )

    def describe(self) -> str:
        """Human text, e.g. "timeframe ≤ 3 months and need identified or established"."""
        parts: list[str] = []
        if self.timeframe_max_months is not None:
            known = "known and " if self.timeframe_known else ""
            parts.append(f"timeframe {known}≤ {months(self.timeframe_max_months)}")
        elif self.timeframe_known is not None:
            parts.append("timeframe known" if self.timeframe_known else "timeframe unknown")
        for fact, values in (
            ("budget", self.budget_in),
            ("authority", self.authority_in),
            ("need", self.need_in),
        ):
            if values is not None:
                parts.append(f"{fact} {join_or(ordered(values))}")
        return " and ".join(parts) or "any lead"


class RatingRule(_Spec):
    """One rung of the rating ladder: the rule matches when any of its conditions holds."""

    rating: Rating
    any_of: tuple[Condition, ...] = Field(min_length=1)
    description: str = ""

    def describe(self) -> str:
        return self.description or ", or ".join(condition.describe() for condition in self.any_of)

    def matches(
        self,
        *,
        budget: Budget,
        authority: Authority,
        need: Need,
        timeframe_months: float | None,
    ) -> bool:
        return any(
            condition.holds(
                budget=budget, authority=authority, need=need, timeframe_months=timeframe_months
            )
            for condition in self.any_of
        )


class PointRule(_SparseSpec):
    """Points added to the score when the rule matches (DESIGN.md: "Score").

    ``source`` says where ``key`` is looked up: an answer of the questionnaire, an attribute of
    the lead's profile, or (for ``engagement``) the kind of an engagement event such as
    ``email_click``. Answer and profile rules match text with ``equals`` or ``one_of``, numbers
    with ``min_value``/``max_value`` (inclusive; ``min_exclusive`` makes the minimum strict, for
    buckets like "more than 3 and at most 6 months"), and with no match field set they match
    any given value. Engagement rules give their points per event, halved every
    ``engagement_half_life_days`` of the event's age.
    """

    label: str = Field(min_length=1)
    source: Literal["answer", "profile", "engagement"]
    key: str = Field(min_length=1)
    equals: str | None = None
    one_of: tuple[str, ...] | None = Field(default=None, min_length=1)
    min_value: float | None = None
    max_value: float | None = None
    min_exclusive: bool = False
    points: float

    @property
    def matches_text(self) -> bool:
        return self.equals is not None or self.one_of is not None

    @property
    def matches_number(self) -> bool:
        return self.min_value is not None or self.max_value is not None

    @model_validator(mode="after")
    def _check_match(self) -> Self:
        problems = _Problems()
        if self.source == "engagement" and (self.matches_text or self.matches_number):
            problems.add(
                "source",
                "engagement rules count every event of their kind; "
                "drop equals, one_of, min_value and max_value",
            )
        if self.equals is not None and self.one_of is not None:
            problems.add("one_of", "use either equals or one_of, not both")
        if self.matches_text and self.matches_number:
            problems.add(
                "min_value" if self.min_value is not None else "max_value",
                "match either text (equals, one_of) or numbers (min_value, max_value)",
            )
        if self.min_exclusive and self.min_value is None:
            problems.add("min_exclusive", "needs a min_value")
        _check_range(problems, self.min_value, self.max_value)
        problems.raise_any()
        return self


class QualifyingCriteria(_Spec):
    """Everything a program decides about qualification (DESIGN.md, "Qualification").

    ``budget_met``, ``authority_met`` and ``need_met`` are the values that meet each criterion;
    the timeframe criterion is met when the time frame is known and, if ``horizon_months`` is
    set, no more than it. The ``rating_ladder`` is tried in order and the first matching rule
    gives the rating; FYI is the implicit fallback. ``point_rules`` add up to the score.
    """

    name: str = Field(min_length=1)
    questions: tuple[Question, ...] = ()
    budget_met: BudgetSet = frozenset({Budget.PRELIMINARY, Budget.APPROVED})
    authority_met: AuthoritySet = frozenset({Authority.DECISION_MAKER})
    need_met: NeedSet = frozenset({Need.ESTABLISHED})
    horizon_months: float | None = Field(default=None, ge=0)
    rating_ladder: tuple[RatingRule, ...] = ()
    point_rules: tuple[PointRule, ...] = ()
    engagement_half_life_days: float | None = Field(default=30.0, gt=0)

    def question(self, key: str) -> Question | None:
        return next((question for question in self.questions if question.key == key), None)

    def question_for(self, fact: BantFact) -> Question | None:
        return next((question for question in self.questions if question.bant is fact), None)

    @model_validator(mode="after")
    def _check_references(self) -> Self:
        problems = _Problems()
        keys: dict[str, int] = {}
        asked: dict[BantFact, str] = {}
        for index, question in enumerate(self.questions):
            if question.key in keys:
                problems.add(
                    f"questions.{index}.key",
                    f"{question.key!r} is already the key of questions.{keys[question.key]}",
                )
            keys.setdefault(question.key, index)
            if question.bant is not None and question.bant in asked:
                problems.add(
                    f"questions.{index}.bant",
                    f"{question.bant} is already asked by question {asked[question.bant]!r}",
                )
            if question.bant is not None:
                asked.setdefault(question.bant, question.key)
        rungs: dict[Rating, int] = {}
        for index, rule in enumerate(self.rating_ladder):
            if rule.rating in rungs:
                problems.add(
                    f"rating_ladder.{index}.rating",
                    f"{rule.rating.label} already has rule {rungs[rule.rating] + 1}",
                )
            rungs.setdefault(rule.rating, index)
        for index, point_rule in enumerate(self.point_rules):
            if point_rule.source == "answer":
                self._check_answer_rule(problems, f"point_rules.{index}", point_rule)
        problems.raise_any()
        return self

    def _check_answer_rule(self, problems: _Problems, path: str, rule: PointRule) -> None:
        """An answer rule must fit its question: an existing key, choices it offers, numbers
        only for a number question."""
        question = self.question(rule.key)
        text_field = "equals" if rule.equals is not None else "one_of"
        if question is None:
            problems.add(f"{path}.key", f"no question {rule.key!r}")
        elif question.type is QuestionType.CHOICE and rule.matches_number:
            problems.add(f"{path}.min_value", f"question {rule.key!r} is a choice question")
        elif question.type is QuestionType.CHOICE:
            offered = question.choice_values
            for value in [rule.equals] if rule.equals is not None else rule.one_of or ():
                if value not in offered:
                    problems.add(
                        f"{path}.{text_field}",
                        f"{value!r} is not a choice of question {rule.key!r} "
                        f"({', '.join(offered)})",
                    )
        elif question.type is QuestionType.NUMBER and rule.matches_text:
            problems.add(
                f"{path}.{text_field}",
                f"question {rule.key!r} is a number question; match it with min_value/max_value",
            )

    @classmethod
    def from_dict(cls, data: object) -> Self:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise CriteriaError(describe_validation_error(exc)) from None

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            raise CriteriaError(describe_validation_error(exc)) from None

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)

    @classmethod
    def from_yaml(cls, text: str | bytes) -> Self:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise CriteriaError(f"invalid YAML: {exc}") from None
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Self:
        """Reads a criteria file by its extension: .json, .yaml or .yml."""
        file = Path(path)
        reader = {".json": cls.from_json, ".yaml": cls.from_yaml, ".yml": cls.from_yaml}.get(
            file.suffix.lower()
        )
        if reader is None:
            raise CriteriaError(f"{file.name}: use a .json, .yaml or .yml criteria file")
        try:
            return reader(file.read_text(encoding="utf-8"))
        except CriteriaError as exc:
            raise CriteriaError(f"{file.name}: {exc}") from None

    def save(self, path: str | os.PathLike[str]) -> None:
        file = Path(path)
        suffix = file.suffix.lower()
        if suffix == ".json":
            text = self.to_json() + "\n"
        elif suffix in {".yaml", ".yml"}:
            text = self.to_yaml()
        else:
            raise CriteriaError(f"{file.name}: use a .json, .yaml or .yml criteria file")
        file.write_text(text, encoding="utf-8")


def _choice_question(key: str, label: str, fact: BantFact, values: type[StrEnum]) -> Question:
    return Question(
        key=key,
        label=label,
        type=QuestionType.CHOICE,
        bant=fact,
        choices=[
            Choice(
                value=member.value,
                label=member.value.replace("_", " ").capitalize(),
                bant_value=member.value,
            )
            for member in values
        ],
    )


@cache
def default_criteria() -> QualifyingCriteria:
    """The default criteria of DESIGN.md, "Qualification", as a program starts with them.

    Questions: ``budget`` (none / preliminary / approved), ``authority`` (none / influencer /
    specifier / decision_maker), ``need`` (none / identified / established) and
    ``timeframe_months`` (months to the purchase decision, at least 0; empty means unknown).
    Criteria met: budget preliminary or approved, authority decision_maker, need established,
    timeframe known (no horizon).

    Rating ladder, first match wins: 1 Hot: timeframe ≤ 3 months and need identified or
    established; 2 A: budget preliminary or approved and timeframe ≤ 6 months; 3 B: timeframe
    known and ≤ 9 months; 4 C: need identified or established, or any timeframe known;
    otherwise FYI.

    Point rules (DESIGN.md leaves the numbers to the program; these are the starting values):

    ============================  ======  ===========================================
    rule                          points  matches
    ============================  ======  ===========================================
    budget approved               25      answer budget = approved
    budget preliminary            15      answer budget = preliminary
    authority decision maker      25      answer authority = decision_maker
    authority specifier           15      answer authority = specifier
    authority influencer          10      answer authority = influencer
    need established              25      answer need = established
    need identified               15      answer need = identified
    timeframe ≤ 3 months          25      answer timeframe_months ≤ 3
    timeframe 3 to 6 months       15      answer timeframe_months > 3 and ≤ 6
    timeframe 6 to 12 months      5       answer timeframe_months > 6 and ≤ 12
    email click                   5       per email_click event
    form fill                     10      per form_fill event
    reply                         10      per reply event
    ============================  ======  ===========================================

    Engagement points halve every 30 days of an event's age.
    """
    identified_or_established = frozenset({Need.IDENTIFIED, Need.ESTABLISHED})

    def answer(label: str, key: str, points: float, **match: object) -> PointRule:
        return PointRule(label=label, source="answer", key=key, points=points, **match)

    def engagement(label: str, kind: str, points: float) -> PointRule:
        return PointRule(label=label, source="engagement", key=kind, points=points)

    return QualifyingCriteria(
        name="Default (DESIGN.md)",
        questions=[
            _choice_question("budget", "Budget", BantFact.BUDGET, Budget),
            _choice_question("authority", "Authority", BantFact.AUTHORITY, Authority),
            _choice_question("need", "Need", BantFact.NEED, Need),
            Question(
                key="timeframe_months",
                label="Decision time frame (months)",
                help_text="Months until the purchase decision; leave empty if unknown.",
                type=QuestionType.NUMBER,
                bant=BantFact.TIMEFRAME,
                min_value=0,
            ),
        ],
        rating_ladder=[
            RatingRule(
                rating=Rating.HOT,
                any_of=[Condition(timeframe_max_months=3, need_in=identified_or_established)],
            ),
            RatingRule(
                rating=Rating.A,
                any_of=[
                    Condition(
                        budget_in=frozenset({Budget.PRELIMINARY, Budget.APPROVED}),
                        timeframe_max_months=6,
                    )
                ],
            ),
            RatingRule(
                rating=Rating.B,
                any_of=[Condition(timeframe_known=True, timeframe_max_months=9)],
            ),
            RatingRule(
                rating=Rating.C,
                any_of=[
                    Condition(need_in=identified_or_established),
                    Condition(timeframe_known=True),
                ],
            ),
        ],
        point_rules=[
            answer("budget approved", "budget", 25, equals="approved"),
            answer("budget preliminary", "budget", 15, equals="preliminary"),
            answer("authority decision maker", "authority", 25, equals="decision_maker"),
            answer("authority specifier", "authority", 15, equals="specifier"),
            answer("authority influencer", "authority", 10, equals="influencer"),
            answer("need established", "need", 25, equals="established"),
            answer("need identified", "need", 15, equals="identified"),
            answer("timeframe ≤ 3 months", "timeframe_months", 25, max_value=3),
            answer(
                "timeframe 3 to 6 months",
                "timeframe_months",
                15,
                min_value=3,
                min_exclusive=True,
                max_value=6,
            ),
            answer(
                "timeframe 6 to 12 months",
                "timeframe_months",
                5,
                min_value=6,
                min_exclusive=True,
                max_value=12,
            ),
            engagement("email click", "email_click", 5),
            engagement("form fill", "form_fill", 10),
            engagement("reply", "reply", 10),
        ],
    )
