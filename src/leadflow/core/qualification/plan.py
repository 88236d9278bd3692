"""Qualification of one lead against its program's criteria (DESIGN.md, "Qualification").

Answers give the four BANT facts; the facts give the criteria met (BANT flags) and so the stage;
the first rating-ladder rule whose conditions hold gives the rating (FYI when none does, no
rating when the lead is disqualified); answer, profile and engagement point rules add up to the
score. Every result carries its explanation, in the words a sales manager reads in the lead's
history. Everything is a value and ``now`` is a parameter, so the same engine serves the API, the
CLI, the preview of a draft criteria and a re-qualification of a million leads.

A criteria object is compiled once into a plan (cached per object) holding the lookups and the
sentences that do not depend on the lead, which keeps one qualification in the microseconds.
"""

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from leadflow.core.criteria import (
    PointRule,
    QualifyingCriteria,
    Question,
    QuestionType,
    format_number,
    join_or,
    months,
    ordered,
)
from leadflow.core.enums import (
    Authority,
    BantFact,
    Budget,
    DisqualificationReason,
    Need,
    Rating,
    Stage,
)
from leadflow.core.errors import CriteriaError

_NOTHING: Mapping[str, object] = MappingProxyType({})
_E = TypeVar("_E", bound=StrEnum)
_SECONDS_PER_DAY = 86_400.0
_REASONS = tuple(reason.value for reason in DisqualificationReason)


@dataclass(frozen=True, slots=True)
class BantFacts:
    """What the answers say about budget, authority, need and time frame.

    An unanswered question is the fact's "none"; an unanswered time frame is unknown (None).
    """

    budget: Budget
    authority: Authority
    need: Need
    timeframe_months: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "budget": self.budget.value,
            "authority": self.authority.value,
            "need": self.need.value,
            "timeframe_months": self.timeframe_months,
        }


@dataclass(frozen=True, slots=True)
class BantFlags:
    """Which of the four criteria the facts meet; their count is the stage."""

    budget: bool
    authority: bool
    need: bool
    timeframe: bool

    @property
    def met_count(self) -> int:
        return self.budget + self.authority + self.need + self.timeframe

    def as_dict(self) -> dict[str, bool]:
        return {
            "budget": self.budget,
            "authority": self.authority,
            "need": self.need,
            "timeframe": self.timeframe,
        }


@dataclass(frozen=True, slots=True)
class EngagementEvent:
    """One response to nurture or marketing (a tracked click, a reply, a form fill) at a moment.

    The moment must be timezone-aware: engagement points decay with the event's age.
    """

    kind: str
    at: datetime

    def __post_init__(self) -> None:
        if self.at.utcoffset() is None:
            raise ValueError(f"engagement event {self.kind!r}: time must be timezone-aware")


@dataclass(frozen=True, slots=True)
class PointAward:
    """Points one rule added to the score, and why."""

    label: str
    points: float
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"label": self.label, "points": self.points, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Qualification:
    """The derived qualification of a lead, with the explanation of every part of it.

    ``fired_rule`` is the 1-based position of the rating rule that fired; it is None when the
    rating is the FYI fallback or the lead is disqualified (no rating).
    """

    facts: BantFacts
    bant: BantFlags
    stage: Stage
    rating: Rating | None
    fired_rule: int | None
    score: float
    points: tuple[PointAward, ...]
    explanation: tuple[str, ...]
    disqualified: DisqualificationReason | None
    criteria_version: int | None

    def as_dict(self) -> dict[str, object]:
        return {
            "facts": self.facts.as_dict(),
            "bant": self.bant.as_dict(),
            "stage": self.stage.value,
            "rating": None if self.rating is None else self.rating.value,
            "fired_rule": self.fired_rule,
            "score": self.score,
            "points": [award.as_dict() for award in self.points],
            "explanation": list(self.explanation),
            "disqualified": None if self.disqualified is None else self.disqualified.value,
            "criteria_version": self.criteria_version,
        }


def parse_answers(
    criteria: QualifyingCriteria, raw: Mapping[str, object], *, require: bool = False
) -> dict[str, object]:
    """Checks raw answers (a form, an import row, an API body) against the questions.

    Choice answers must be one of the choices, numbers real numbers within the question's
    bounds, dates ISO dates (returned as ``datetime.date``), text strings. None or "" means
    unanswered and is dropped. With ``require``, unanswered required questions are problems
    too. All problems are reported at once in one ``CriteriaError``, separated by "; ".
    """
    questions = _plan(criteria).questions
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


def bant_facts(criteria: QualifyingCriteria, answers: Mapping[str, object]) -> BantFacts:
    """The BANT facts of parsed answers (unanswered: none, or an unknown time frame)."""
    return _plan(criteria).verdict(answers).facts


def qualify(
    criteria: QualifyingCriteria,
    answers: Mapping[str, object],
    *,
    profile: Mapping[str, object] = _NOTHING,
    engagement: Sequence[EngagementEvent] = (),
    disqualified: DisqualificationReason | None = None,
    now: datetime | None = None,
    criteria_version: int | None = None,
) -> Qualification:
    """Qualifies one lead: BANT flags, stage, rating, score and the explanation of each.

    ``answers`` is the output of ``parse_answers``. A disqualified lead keeps its facts, stage
    and score but gets no rating. Engagement points decay with age, so ``now`` (timezone-aware)
    is required whenever engagement is given; a ``ValueError`` says so.
    """
    plan = _plan(criteria)
    verdict = plan.verdict(answers)
    rating: Rating | None = verdict.rating
    fired_rule = verdict.fired_rule
    rating_line = verdict.rating_line
    reason = None
    if disqualified is not None:
        reason = _disqualification(disqualified)
        rating = fired_rule = None
        rating_line = (
            "no rating: disqualified"
            if reason is DisqualificationReason.UNSPECIFIED
            else f"no rating: disqualified ({reason.value.replace('_', ' ')})"
        )
    scored = plan.value_awards(answers, profile)
    if engagement:
        scored.extend(plan.engagement_awards(engagement, now))
    score = round(sum(award.points for award, _ in scored), 2)
    return Qualification(
        facts=verdict.facts,
        bant=verdict.bant,
        stage=verdict.stage,
        rating=rating,
        fired_rule=fired_rule,
        score=score,
        points=tuple(award for award, _ in scored),
        explanation=(
            *verdict.lines,
            rating_line,
            *(line for _, line in scored),
            f"score: {format_number(score)}",
        ),
        disqualified=reason,
        criteria_version=criteria_version,
    )


def _disqualification(reason: object) -> DisqualificationReason:
    if isinstance(reason, str) and reason in _REASONS:
        return DisqualificationReason(reason)
    known = ", ".join(_REASONS)
    raise ValueError(f"disqualified: {reason!r} is not a reason ({known})")


def _points(points: float) -> str:
    """How an award reads in the explanation: "+25 points", "+1 point", "-10 points"."""
    sign = "+" if points >= 0 else "-"
    return f"{sign}{format_number(abs(points))} {'point' if abs(points) == 1 else 'points'}"


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


@dataclass(frozen=True, slots=True)
class _Verdict:
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
        where = "" if rule.source == "answer" else "profile "
        texts = (rule.equals,) if rule.equals is not None else rule.one_of
        return cls(
            rule=rule,
            from_answers=rule.source == "answer",
            line=f"{_points(rule.points)}: {rule.label}",
            text_awards=None
            if texts is None
            else {
                text: PointAward(rule.label, rule.points, f"{where}{rule.key} = {text}")
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
        where = "" if self.from_answers else "profile "
        return PointAward(rule.label, rule.points, f"{where}{rule.key} = {_shown(value)}")


class _Plan:
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
        self.budget_lines = _fact_lines("budget", Budget, criteria.budget_met)
        self.authority_lines = _fact_lines("authority", Authority, criteria.authority_met)
        self.need_lines = _fact_lines("need", Need, criteria.need_met)
        horizon = criteria.horizon_months
        if horizon is None:
            self.timeframe_met = "criterion met (defined: known)"
            self.timeframe_unmet = "not met (needs a known time frame)"
        else:
            self.timeframe_met = f"criterion met (defined: known and ≤ {months(horizon)})"
            self.timeframe_unmet = f"not met (needs a known time frame ≤ {months(horizon)})"
        self.ladder = tuple(
            (number, rule, f"rating: {rule.rating.label} — rule {number} fired: {rule.describe()}")
            for number, rule in enumerate(criteria.rating_ladder, start=1)
        )
        self.value_rules = tuple(
            _ValueRule.compile(rule) for rule in criteria.point_rules if rule.source != "engagement"
        )
        self.engagement_rules = tuple(r for r in criteria.point_rules if r.source == "engagement")
        self.engagement_kinds = frozenset(rule.key for rule in self.engagement_rules)
        self.verdicts: dict[tuple[Budget, Authority, Need, float | None], _Verdict] = {}

    def verdict(self, answers: Mapping[str, object]) -> _Verdict:
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

    def _judge(self, facts: BantFacts) -> _Verdict:
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
            f"timeframe: {shown} — {verdict}",
            f"stage: {stage.value.replace('_', ' ')} — {bant.met_count} of 4 criteria met",
        )
        for number, rule, line in self.ladder:
            if rule.matches(
                budget=facts.budget,
                authority=facts.authority,
                need=facts.need,
                timeframe_months=timeframe,
            ):
                return _Verdict(facts, bant, stage, rule.rating, number, lines, line)
        fallback = f"rating: {Rating.FYI.label} — no rule matched"
        return _Verdict(facts, bant, stage, Rating.FYI, None, lines, fallback)

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
                    f"{count} {rule.key} event{'' if count == 1 else 's'}, "
                    f"{_points(rule.points).lstrip('+')} each, {decay}"
                )
                award = PointAward(rule.label, round(rule.points * sum(kind_weights), 2), reason)
                scored.append((award, f"{_points(award.points)}: {rule.label} ({reason})"))
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
    """The explanation of each value of a fact, e.g. "budget: preliminary — criterion met
    (defined: preliminary or approved)"."""
    definition = join_or(ordered(met))
    return {
        value: f"{fact}: {value.value} — criterion met (defined: {definition})"
        if value in met
        else f"{fact}: {value.value} — not met (needs {definition})"
        for value in kind
    }


_PLANS: dict[int, tuple[QualifyingCriteria, _Plan]] = {}
_PLANS_LOCK = threading.Lock()
_PLANS_KEPT = 64


def _plan(criteria: QualifyingCriteria) -> _Plan:
    """The compiled plan of a criteria object, kept while the object is among the recent ones.

    Keyed by identity (and holding the object, so that its id cannot be reused): criteria are
    immutable, and hashing or comparing them per lead would cost more than the qualification.
    """
    entry = _PLANS.get(id(criteria))
    if entry is not None and entry[0] is criteria:
        return entry[1]
    plan = _Plan(criteria)
    with _PLANS_LOCK:
        while len(_PLANS) >= _PLANS_KEPT:
            del _PLANS[next(iter(_PLANS))]
        _PLANS[id(criteria)] = (criteria, plan)
    return plan
