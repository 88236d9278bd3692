"""A program's QualifyingCriteria: the call script and the rules that turn its answers into BANT
facts, a rating and a score (DESIGN.md, "Qualification"; every value there is a program setting).

The specification is data: frozen pydantic models that round-trip through JSON and YAML, so a
sales manager can edit it, a program can version it, and a draft can be previewed on past leads.
Sequences are tuples (lists are accepted on input) so that a criteria object is truly immutable
and can be shared between requests and cached. Every validation failure surfaces as a
``CriteriaError`` naming the field path, e.g. ``rating_ladder.0.rating: Input should be ...``,
when criteria are read with ``from_dict``, ``from_json``, ``from_yaml`` or ``load`` (building the
models directly in code raises pydantic's ``ValidationError``, as for any model). The questions
are in ``criteria.questions``, DESIGN.md's defaults in ``criteria.defaults``; evaluation lives
in ``leadflow.core.qualification``.
"""

import os
from pathlib import Path
from typing import Annotated, Literal, Self

import yaml
from pydantic import Field, PlainSerializer, ValidationError, model_validator

from leadflow.core.criteria.questions import Question, QuestionType
from leadflow.core.criteria.text import join_or, months, ordered, plain
from leadflow.core.criteria.validation import (
    Problems,
    SparseSpec,
    Spec,
    check_range,
    describe_validation_error,
)
from leadflow.core.enums import Authority, BantFact, Budget, Need, Rating
from leadflow.core.errors import CriteriaError

_AS_ORDERED_LIST = PlainSerializer(ordered, return_type=list[str], when_used="json")
BudgetSet = Annotated[frozenset[Budget], Field(min_length=1), _AS_ORDERED_LIST]
AuthoritySet = Annotated[frozenset[Authority], Field(min_length=1), _AS_ORDERED_LIST]
NeedSet = Annotated[frozenset[Need], Field(min_length=1), _AS_ORDERED_LIST]


class Condition(SparseSpec):
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
        problems = Problems()
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
        """Plain words, e.g. "decision within 3 months and need identified or established"."""
        parts: list[str] = []
        if self.timeframe_max_months is not None:
            parts.append(f"decision within {months(self.timeframe_max_months)}")
        elif self.timeframe_known is not None:
            parts.append(
                "decision time frame known"
                if self.timeframe_known
                else "decision time frame unknown"
            )
        for fact, values in (
            ("budget", self.budget_in),
            ("authority", self.authority_in),
            ("need", self.need_in),
        ):
            if values is not None:
                parts.append(f"{fact} {join_or(plain(value) for value in ordered(values))}")
        return " and ".join(parts) or "any lead"


class RatingRule(Spec):
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


#: The key of a prediction point rule: the lead's predicted chance of converting.
PREDICTION_KEY = "probability"


class PointRule(SparseSpec):
    """Points added to the score when the rule matches (DESIGN.md: "Score").

    ``source`` says where ``key`` is looked up: an answer of the questionnaire, an attribute of
    the lead's profile, or (for ``engagement``) the kind of an engagement event such as
    ``email_click``. Answer and profile rules match text with ``equals`` or ``one_of``, numbers
    with ``min_value``/``max_value`` (inclusive; ``min_exclusive`` makes the minimum strict, for
    buckets like "more than 3 and at most 6 months"), and with no match field set they match
    any given value. Engagement rules give their points per event, halved every
    ``engagement_half_life_days`` of the event's age. A ``prediction`` rule reads the lead's
    predicted chance of converting (issue 19), ``key`` ``probability``, in percent (0-100):
    "predicted at least 40 % → +20" is ``min_value`` 40; a lead without a prediction gets
    nothing from it.
    """

    label: str = Field(min_length=1)
    source: Literal["answer", "profile", "engagement", "prediction"]
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
        problems = Problems()
        if self.source == "engagement" and (self.matches_text or self.matches_number):
            problems.add(
                "source",
                "engagement rules count every event of their kind; "
                "drop equals, one_of, min_value and max_value",
            )
        if self.source == "prediction":
            if self.key != PREDICTION_KEY:
                problems.add("key", f"a prediction rule reads the {PREDICTION_KEY}")
            if self.matches_text or not self.matches_number:
                problems.add(
                    "min_value",
                    "a prediction rule needs a minimum or a maximum in percent (0-100)",
                )
            for name, bound in (("min_value", self.min_value), ("max_value", self.max_value)):
                if bound is not None and not 0 <= bound <= 100:
                    problems.add(name, "a probability is a percentage from 0 to 100")
        if self.equals is not None and self.one_of is not None:
            problems.add("one_of", "use either equals or one_of, not both")
        if self.matches_text and self.matches_number:
            problems.add(
                "min_value" if self.min_value is not None else "max_value",
                "match either text (equals, one_of) or numbers (min_value, max_value)",
            )
        if self.min_exclusive and self.min_value is None:
            problems.add("min_exclusive", "needs a min_value")
        check_range(problems, self.min_value, self.max_value)
        problems.raise_any()
        return self


class QualifyingCriteria(Spec):
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
        problems = Problems()
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

    def _check_answer_rule(self, problems: Problems, path: str, rule: PointRule) -> None:
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
