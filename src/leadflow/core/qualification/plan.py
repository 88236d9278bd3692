"""A criteria compiled for evaluation (DESIGN.md, "Qualification"): the plan behind ``qualify``.

A criteria object is compiled once into a plan (cached per object) holding the lookups and the
sentences that do not depend on the lead, which keeps one qualification in the microseconds:
the question of each BANT fact and what its choices mean, the explanation of every fact value,
the rating ladder's lines, and the point rules ready to test a value. Verdicts — everything
that follows from the BANT facts alone — are memoised per plan, and so are, per combination of
the answer and profile values the plan reads (``Plan.key``), the value awards with their lines
and the finished result of a lead without engagement: a million leads have a few thousand
combinations at most, so most qualifications are one dictionary lookup. Every memo is bounded.
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
from leadflow.core.qualification.results import (
    BantFacts,
    BantFlags,
    EngagementEvent,
    PointAward,
)

_E = TypeVar("_E", bound=StrEnum)
_SECONDS_PER_DAY = 86_400.0
# The types of value a combination may be keyed by: they are hashable, and equal values of them
# read the same in every rule (1 and 1.0 both show as "1"); a bool equals 1 but is no number
# here, and anything else (a list in a profile, a datetime) is judged without the cache.
_KEYED_TYPES = frozenset({str, int, float, date, type(None)})


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
class Combination:
    """Everything that follows from the values a plan reads of a lead's answers and profile:
    the verdict of its BANT facts and the answer and profile awards with their lines."""

    verdict: Verdict
    awards: tuple[PointAward, ...]
    lines: tuple[str, ...]


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
            _ValueRule.compile(rule)
            for rule in criteria.point_rules
            if rule.source in ("answer", "profile")
        )
        self.prediction_rules = tuple(r for r in criteria.point_rules if r.source == "prediction")
        self.engagement_rules = tuple(r for r in criteria.point_rules if r.source == "engagement")
        self.engagement_kinds = frozenset(rule.key for rule in self.engagement_rules)
        self.verdicts: dict[tuple[Budget, Authority, Need, float | None], Verdict] = {}
        read = (self.budget[0], self.authority[0], self.need[0], self.timeframe_key)
        self.answer_keys = tuple(
            dict.fromkeys(
                [key for key in read if key is not None]
                + [c.rule.key for c in self.value_rules if c.from_answers]
            )
        )
        self.profile_keys = tuple(
            dict.fromkeys(c.rule.key for c in self.value_rules if not c.from_answers)
        )
        self.combinations: dict[tuple[object, ...], Combination] = {}
        self.results: dict[tuple[object, ...], object] = {}
        self.engagement_reasons: dict[tuple[int, int], str] = {}
        self.prediction_reasons: dict[tuple[int, int], PointAward] = {}

    def key(
        self, answers: Mapping[str, object], profile: Mapping[str, object]
    ) -> tuple[object, ...] | None:
        """The values of the answers and the profile that the plan reads, as a key for the
        combination caches; None when one of them cannot key it (see ``_KEYED_TYPES``)."""
        key = (*map(answers.get, self.answer_keys), *map(profile.get, self.profile_keys))
        return key if _KEYED_TYPES.issuperset(map(type, key)) else None

    def combination(
        self,
        key: tuple[object, ...] | None,
        answers: Mapping[str, object],
        profile: Mapping[str, object],
    ) -> Combination:
        """The verdict and the value awards of a lead, memoised per ``key`` (bounded)."""
        found = None if key is None else self.combinations.get(key)
        if found is None:
            scored = self.value_awards(answers, profile)
            found = Combination(
                self.verdict(answers),
                tuple(award for award, _ in scored),
                tuple(line for _, line in scored),
            )
            if key is not None:
                if len(self.combinations) >= self._VERDICTS_KEPT:
                    self.combinations.clear()
                self.combinations[key] = found
        return found

    def remember(self, key: tuple[object, ...], result: object) -> None:
        """Keeps a finished result for leads with the same key (bounded like the verdicts)."""
        if len(self.results) >= self._VERDICTS_KEPT:
            self.results.clear()
        self.results[key] = result

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
    ) -> list[PointAward]:
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
        awards: list[PointAward] = []
        for index, rule in enumerate(self.engagement_rules):
            kind_weights = weights.get(rule.key)
            if kind_weights:
                count = len(kind_weights)
                reason = self.engagement_reasons.get((index, count)) or self._engagement_reason(
                    index, count
                )
                awards.append(
                    PointAward(rule.label, round(rule.points * sum(kind_weights), 2), reason)
                )
        return awards

    def prediction_awards(self, predicted: float) -> tuple[PointAward, ...]:
        """The prediction rules the lead's predicted chance (0-1) meets, each bound in percent
        (issue 19: "predicted at least 40 % → +20"). An award reads the chance in whole percent,
        so each rule's awards are made once per percent shown and shared."""
        percent = predicted * 100
        awards: tuple[PointAward, ...] = ()
        for index, rule in enumerate(self.prediction_rules):
            if rule.min_value is not None and (
                percent <= rule.min_value if rule.min_exclusive else percent < rule.min_value
            ):
                continue
            if rule.max_value is not None and percent > rule.max_value:
                continue
            shown = round(percent)
            award = self.prediction_reasons.get((index, shown))
            if award is None:
                reason = f"predicted chance of converting {format_number(shown)} %"
                award = PointAward(rule.label, rule.points, reason)
                if len(self.prediction_reasons) < self._VERDICTS_KEPT:
                    self.prediction_reasons[(index, shown)] = award
            awards = (*awards, award)
        return awards

    def _engagement_reason(self, index: int, count: int) -> str:
        """Why an engagement rule added its points, e.g. "2 email click events, 5 points each,
        halved every 30 days"; made once per rule and count of events."""
        rule = self.engagement_rules[index]
        half_life = self.criteria.engagement_half_life_days
        decay = "no decay" if half_life is None else f"halved every {format_number(half_life)} days"
        reason = (
            f"{count} {plain(rule.key)} event{'' if count == 1 else 's'}, "
            f"{signed_points(rule.points).lstrip('+')} each, {decay}"
        )
        if len(self.engagement_reasons) < self._VERDICTS_KEPT:
            self.engagement_reasons[(index, count)] = reason
        return reason


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
