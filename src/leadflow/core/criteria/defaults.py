"""The default criteria of DESIGN.md, "Qualification": what a new program starts with, and
what the CLI and the benchmarks qualify with when given no criteria file."""

from enum import StrEnum
from functools import cache

from leadflow.core.criteria.questions import Choice, Question, QuestionType
from leadflow.core.criteria.spec import Condition, PointRule, QualifyingCriteria, RatingRule
from leadflow.core.enums import Authority, BantFact, Budget, Need, Rating


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
        name="Standard BANT",
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
