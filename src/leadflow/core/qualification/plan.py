"""A criteria compiled for evaluation (DESIGN.md, "Qualification"): the plan behind ``qualify``.

A criteria object is compiled once into a plan (cached per object) holding the lookups and the
sentences that do not depend on the lead, which keeps one qualification in the microseconds:
the question of each BANT fact and what its choices mean, the explanation of every fact value,
the rating ladder's lines, and the point rules ready to test a value. Verdicts — everything
that follows from the BANT facts alone — are memoised per plan.
"""

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from leadflow.core.criteria import (
    PointRule,
    QualifyingCriteria,
    Question,
    format_number,
    join_or,
    months,
    ordered,
    plain,
    signed_points,
)
from leadflow.core.enums import Authority, BantFact, Budget, Need, Rating, Stage
from leadflow.core.errors import CriteriaError
from leadflow.core.qualification.results import BantFacts, BantFlags, EngagementEvent, PointAward

_E = TypeVar("_E", bound=StrEnum)
_SECONDS_PER_DAY = 86_400.0


def _shown(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _number(value: object) -> float | None:
    """The value as a number, or None for anything else (bools are not numbers here)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return None


def _reason(rule: PointRule, value: str) -> str:
    """Why an answer or profile rule added its points, in words: "budget: approved",
    "company size (profile): 250"."""
    name = plain(rule.key)
    return f"{name}: {value}" if rule.source == "answer" else f"{name} (profile): {value}"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Everything that follows from the BANT facts alone, shared by every lead with those facts."""

    facts: BantFacts
    bant: BantFlags
    stage: Stage
    rating: Rating
    fired_rule: int | None
    lines: tuple[str, ...]
    rating_line: str


@dataclass(frozen=True, slots=True)
class _ValueRule:
    """An answer or profile point rule, compiled: a text rule looks the value up among ready-made
    awards; a number or presence rule tests the value and names it in the award's reason."""

    rule: PointRule
    from_answers: bool
    line: str
    text_awards: Mapping[str, PointAward] | None

    @classmethod
    def compile(cls, rule: PointRule) -> "_ValueRule":
        texts = (rule.equals,) if rule.equals is not None else rule.one_of
        return cls(
            rule=rule,
            from_answers=rule.source == "answer",
            line=f"{signed_points(rule.points)}: {rule.label}",
            text_awards=None
            if texts is None
            else {
                text: PointAward(rule.label, rule.points, _reason(rule, plain(text)))
                for text in texts
            },
        )

    def award(self, value: object) -> PointAward | None:
        rule = self.rule
        if self.text_awards is not None:
            return self.text_awards.get(value) if isinstance(value, str) else None
        if rule.matches_number:
            number = _number(value)
            if number is None:
                return None
            if rule.min_value is not None and (
                number <= rule.min_value if rule.min_exclusive else number < rule.min_value
            ):
                return None
            if rule.max_value is not None and number > rule.max_value:
                return None
        elif value == "":
            return None
        return PointAward(rule.label, rule.points, _reason(rule, _shown(value)))


class Plan:
    """A criteria compiled for evaluation: lookups, and every sentence that does not depend on
    the lead, built once per criteria object. Verdicts are memoised per distinct BANT facts
    (a handful of combinations in practice), bounded so that odd inputs cannot grow it."""

    _VERDICTS_KEPT = 4096

    def __init__(self, criteria: QualifyingCriteria) -> None:
        self.criteria = criteria
        self.questions: Mapping[str, Question] = {q.key: q for q in criteria.questions}
        self.budget = _fact_lookup(criteria, BantFact.BUDGET, Budget)
        self.authority = _fact_lookup(criteria, BantFact.AUTHORITY, Authority)
        self.need = _fact_lookup(criteria, BantFact.NEED, Need)
        timeframe_question = criteria.question_for(BantFact.TIMEFRAME)
        self.timeframe_key = None if timeframe_question is None else timeframe_question.key
        self.budget_lines = _fact_lines("Budget", Budget, criteria.budget_met)
        self.authority_lines = _fact_lines("Authority", Authority, criteria.authority_met)
        self.need_lines = _fact_lines("Need", Need, criteria.need_met)
        horizon = criteria.horizon_months
        if horizon is None:
            self.timeframe_met = "meets the criterion (known)"
            self.timeframe_unmet = "does not meet the criterion (needs a known time frame)"
        else:
            self.timeframe_met = f"meets the criterion (known and within {months(horizon)})"
            self.timeframe_unmet = (
                f"does not meet the criterion (needs a known time frame within {months(horizon)})"
            )
        self.ladder = tuple(
            (number, rule, f"Rated {rule.rating.label}: {rule.describe()}")
            for number, rule in enumerate(criteria.rating_ladder, start=1)
        )
        self.value_rules = tuple(
            _ValueRule.compile(rule) for rule in criteria.point_rules if rule.source != "engagement"
        )
        self.engagement_rules = tuple(r for r in criteria.point_rules if r.source == "engagement")
        self.engagement_kinds = frozenset(rule.key for rule in self.engagement_rules)
        self.verdicts: dict[tuple[Budget, Authority, Need, float | None], Verdict] = {}

    def verdict(self, answers: Mapping[str, object]) -> Verdict:
        key = (
            _fact(answers, *self.budget, Budget.NONE),
            _fact(answers, *self.authority, Authority.NONE),
            _fact(answers, *self.need, Need.NONE),
            self._timeframe(answers),
        )
        verdict = self.verdicts.get(key)
        if verdict is None:
            verdict = self._judge(BantFacts(*key))
            if len(self.verdicts) >= self._VERDICTS_KEPT:
                self.verdicts.clear()
            self.verdicts[key] = verdict
        return verdict

    def _timeframe(self, answers: Mapping[str, object]) -> float | None:
        answer = None if self.timeframe_key is None else answers.get(self.timeframe_key)
        if answer is None:
            return None
        number = _number(answer)
        if number is None:
            raise CriteriaError(f"{self.timeframe_key}: {answer!r} is not a number")
        return float(number)

    def _judge(self, facts: BantFacts) -> Verdict:
        """BANT flags, stage and rating of one combination of facts (DESIGN.md: "Stage is the
        number of criteria met"; "Rating, first rule that matches wins")."""
        criteria = self.criteria
        timeframe = facts.timeframe_months
        horizon = criteria.horizon_months
        bant = BantFlags(
            budget=facts.budget in criteria.budget_met,
            authority=facts.authority in criteria.authority_met,
            need=facts.need in criteria.need_met,
            timeframe=timeframe is not None and (horizon is None or timeframe <= horizon),
        )
        stage = Stage.from_criteria_met(bant.met_count)
        shown = "unknown" if timeframe is None else months(timeframe)
        verdict = self.timeframe_met if bant.timeframe else self.timeframe_unmet
        lines = (
            self.budget_lines[facts.budget],
            self.authority_lines[facts.authority],
            self.need_lines[facts.need],
            f"Time frame: {shown} — {verdict}",
            f"Stage: {plain(stage.value).capitalize()} — {bant.met_count} of 4 criteria met",
        )
        for number, rule, line in self.ladder:
            if rule.matches(
                budget=facts.budget,
                authority=facts.authority,
                need=facts.need,
                timeframe_months=timeframe,
            ):
                return Verdict(facts, bant, stage, rule.rating, number, lines, line)
        fallback = f"Rated {Rating.FYI.label}: no rating rule matched, for information only"
        return Verdict(facts, bant, stage, Rating.FYI, None, lines, fallback)

    def value_awards(
        self, answers: Mapping[str, object], profile: Mapping[str, object]
    ) -> list[tuple[PointAward, str]]:
        scored: list[tuple[PointAward, str]] = []
        for compiled in self.value_rules:
            value = (answers if compiled.from_answers else profile).get(compiled.rule.key)
            if value is not None:
                award = compiled.award(value)
                if award is not None:
                    scored.append((award, compiled.line))
        return scored

    def engagement_awards(
        self, engagement: Sequence[EngagementEvent], now: datetime | None
    ) -> list[tuple[PointAward, str]]:
        """Points per event of each kind, halved for every half-life of the event's age
        (DESIGN.md, "Nurture": old interest stops outranking new)."""
        if now is None:
            raise ValueError("engagement points decay with age: qualify needs now")
        if now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        half_life = self.criteria.engagement_half_life_days
        weights: dict[str, list[float]] = {}
        for event in engagement:
            if event.kind in self.engagement_kinds:
                age_days = max((now - event.at).total_seconds() / _SECONDS_PER_DAY, 0.0)
                weight = 1.0 if half_life is None else 0.5 ** (age_days / half_life)
                weights.setdefault(event.kind, []).append(weight)
        decay = "no decay" if half_life is None else f"halved every {format_number(half_life)} days"
        scored: list[tuple[PointAward, str]] = []
        for rule in self.engagement_rules:
            kind_weights = weights.get(rule.key)
            if kind_weights:
                count = len(kind_weights)
                reason = (
                    f"{count} {plain(rule.key)} event{'' if count == 1 else 's'}, "
                    f"{signed_points(rule.points).lstrip('+')} each, {decay}"
                )
                award = PointAward(rule.label, round(rule.points * sum(kind_weights), 2), reason)
                scored.append((award, f"{signed_points(award.points)}: {rule.label} ({reason})"))
        return scored


def _fact_lookup(
    criteria: QualifyingCriteria, fact: BantFact, kind: type[_E]
) -> tuple[str | None, Mapping[object, _E]]:
    """The key of the question asking a fact, and the fact value each of its choices means."""
    question = criteria.question_for(fact)
    if question is None:
        return None, {}
    return question.key, {
        choice.value: kind(choice.bant_value)
        for choice in question.choices
        if choice.bant_value is not None
    }


def _fact(
    answers: Mapping[str, object], key: str | None, values: Mapping[object, _E], none: _E
) -> _E:
    answer = None if key is None else answers.get(key)
    if answer is None:
        return none
    value = values.get(answer) if isinstance(answer, str) else None
    if value is None:
        raise CriteriaError(f"{key}: {answer!r} is not one of {', '.join(map(str, values))}")
    return value


def _fact_lines(fact: str, kind: type[_E], met: frozenset[_E]) -> Mapping[_E, str]:
    """The explanation of each value of a fact, e.g. "Budget: preliminary — meets the
    criterion (preliminary or approved)"."""
    definition = join_or(plain(value) for value in ordered(met))
    return {
        value: f"{fact}: {plain(value.value)} — meets the criterion ({definition})"
        if value in met
        else f"{fact}: {plain(value.value)} — does not meet the criterion (needs {definition})"
        for value in kind
    }


_PLANS: dict[int, tuple[QualifyingCriteria, Plan]] = {}
_PLANS_LOCK = threading.Lock()
_PLANS_KEPT = 64


def plan_for(criteria: QualifyingCriteria) -> Plan:
    """The compiled plan of a criteria object, kept while the object is among the recent ones.

    Keyed by identity (and holding the object, so that its id cannot be reused): criteria are
    immutable, and hashing or comparing them per lead would cost more than the qualification.
    """
    entry = _PLANS.get(id(criteria))
    if entry is not None and entry[0] is criteria:
        return entry[1]
    plan = Plan(criteria)
    with _PLANS_LOCK:
        while len(_PLANS) >= _PLANS_KEPT:
            del _PLANS[next(iter(_PLANS))]
        _PLANS[id(criteria)] = (criteria, plan)
    return plan
