"""How a criteria version reads for people (issue 17, item 3): every question with its choices,
every BANT criterion, every rating rule and every point rule as a sentence in the words of the
questions' labels and their choices' labels, never their keys ("Authority: met when the answer
is Decision maker", "Budget approved: +25 points when the answer to “Budget” is Approved").

This is the one wording of criteria: the program and version pages read ``criteria_words``, the
criteria diff says what changed with the same phrases, and a qualification's explanation writes
its points with ``signed_points``.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from leadflow.core.criteria.questions import Question, QuestionType
from leadflow.core.criteria.spec import PointRule, QualifyingCriteria
from leadflow.core.criteria.text import format_number, join_or, months, ordered, plain
from leadflow.core.enums import BantFact

#: How each BANT fact is named in a sentence.
FACT_NAMES = {
    BantFact.BUDGET: "Budget",
    BantFact.AUTHORITY: "Authority",
    BantFact.NEED: "Need",
    BantFact.TIMEFRAME: "Time frame",
}

_TYPES = {
    QuestionType.CHOICE: "Choice question",
    QuestionType.NUMBER: "Number question",
    QuestionType.DATE: "Date question",
    QuestionType.TEXT: "Free-text question",
}


@lru_cache(maxsize=4096)  # per award line of every explanation; equal points read the same
def signed_points(points: float) -> str:
    """How an award reads: "+25 points", "+1 point", "-10 points"."""
    sign = "+" if points >= 0 else "-"
    return f"{sign}{format_number(abs(points))} {'point' if abs(points) == 1 else 'points'}"


def points_text(points: float) -> str:
    """A rule's points as an amount: "25 points", "1 point"."""
    return f"{format_number(points)} point{'' if points == 1 else 's'}"


def sentence(text: str) -> str:
    """A label at the start of a sentence: its first letter upper case, the rest as written."""
    return text[:1].upper() + text[1:]


def _choice_labels(question: Question, values: Iterable[str]) -> str:
    labels = {choice.value: choice.label or plain(choice.value) for choice in question.choices}
    return join_or(labels.get(value, plain(value)) for value in values)


def _subject(question: Question, fact: str | None = None) -> str:
    """ "the answer" when the question is named after its fact, else "the answer to “…”"."""
    if fact is not None and question.label.casefold() == fact.casefold():
        return "the answer"
    return f"the answer to “{question.label}”"


def fact_met(criteria: QualifyingCriteria, fact: BantFact) -> str:
    """When a BANT criterion is met, in the words of the question that asks it: "the answer is
    Decision maker", "the answer to “Role in the purchase” is Signs the contract",
    "“Decision time frame (months)” is answered with at most 12 months"."""
    question = criteria.question_for(fact)
    if fact is BantFact.TIMEFRAME:
        horizon = criteria.horizon_months
        within = "" if horizon is None else f" with at most {months(horizon)}"
        named = "a time frame" if question is None else f"“{question.label}”"
        return f"{named} is answered{within}" + ("" if horizon is not None else " (no horizon)")
    met: frozenset[StrEnum] = getattr(criteria, f"{fact.value}_met")
    values = ordered(met)
    if question is None:
        return f"it is {join_or(plain(value) for value in values)} (no question asks it)"
    answers = [choice.label for choice in question.choices if choice.bant_value in values]
    if not answers:
        return f"it is {join_or(plain(value) for value in values)} (no choice says so)"
    return f"{_subject(question, FACT_NAMES[fact])} is {join_or(answers)}"


def point_rule_condition(rule: PointRule, criteria: QualifyingCriteria) -> str:
    """What a point rule matches, in words: "when the answer to “Budget” is Approved",
    "when the profile's company size is at least 250", "for each email click"."""
    if rule.source == "engagement":
        return f"for each {plain(rule.key)}"
    if rule.source == "prediction":
        limits = []
        if rule.min_value is not None:
            least = "more than" if rule.min_exclusive else "at least"
            limits.append(f"{least} {format_number(rule.min_value)} %")
        if rule.max_value is not None:
            limits.append(f"at most {format_number(rule.max_value)} %")
        return f"when the predicted chance of converting is {' and '.join(limits)}"
    question = criteria.question(rule.key) if rule.source == "answer" else None
    if question is not None:
        subject = _subject(question)
    elif rule.source == "answer":
        subject = f"the answer to {plain(rule.key)}"
    else:
        subject = f"the profile's {plain(rule.key)}"
    texts = (rule.equals,) if rule.equals is not None else rule.one_of
    if texts is not None:
        shown = _choice_labels(question, texts) if question is not None else join_or(texts)
        return f"when {subject} is {shown}"
    bounds = []
    if rule.min_value is not None:
        bounds.append(
            f"{'more than' if rule.min_exclusive else 'at least'} {format_number(rule.min_value)}"
        )
    if rule.max_value is not None:
        bounds.append(f"at most {format_number(rule.max_value)}")
    if bounds:
        return f"when {subject} is {' and '.join(bounds)}"
    return f"when {subject} is given"


def point_rule_line(rule: PointRule, criteria: QualifyingCriteria) -> str:
    """One point rule as a sentence: "Budget approved: +25 points when the answer is …"."""
    return (
        f"{sentence(rule.label)}: {signed_points(rule.points)} "
        f"{point_rule_condition(rule, criteria)}"
    )


def half_life_phrase(days: float | None) -> str:
    """What the engagement half-life does to engagement points: "halve every 30 days"."""
    return "never fade" if days is None else f"halve every {format_number(days)} days"


@dataclass(frozen=True)
class QuestionWords:
    """One question as the criteria page shows it."""

    label: str
    kind: str
    public_question: str
    help_text: str
    choices: tuple[str, ...]


def question_words(question: Question) -> QuestionWords:
    parts = [_TYPES[question.type]]
    if question.required:
        parts.append("required")
    if question.bant is not None:
        parts.append(f"for the {FACT_NAMES[question.bant].lower()} criterion")
    bounds = []
    if question.min_value is not None:
        bounds.append(f"at least {format_number(question.min_value)}")
    if question.max_value is not None:
        bounds.append(f"at most {format_number(question.max_value)}")
    kind = ", ".join(parts) + (f" ({', '.join(bounds)})" if bounds else "")
    choices = tuple(
        choice.label
        + (
            f" (counts as {plain(choice.bant_value)})"
            if choice.bant_value and choice.label.casefold() != plain(choice.bant_value)
            else ""
        )
        for choice in question.choices
    )
    return QuestionWords(
        label=question.label,
        kind=kind,
        public_question=question.public_question,
        help_text=question.help_text,
        choices=choices,
    )


@dataclass(frozen=True)
class CriteriaWords:
    """A whole criteria version in sentences, part by part."""

    questions: tuple[QuestionWords, ...]
    bant: tuple[str, ...]
    ladder: tuple[tuple[str, str], ...]
    point_rules: tuple[str, ...]
    half_life: str


def criteria_words(criteria: QualifyingCriteria) -> CriteriaWords:
    return CriteriaWords(
        questions=tuple(question_words(question) for question in criteria.questions),
        bant=tuple(f"{FACT_NAMES[fact]}: met when {fact_met(criteria, fact)}" for fact in BantFact),
        ladder=tuple((rule.rating.label, rule.describe()) for rule in criteria.rating_ladder),
        point_rules=tuple(point_rule_line(rule, criteria) for rule in criteria.point_rules),
        half_life=f"Engagement points {half_life_phrase(criteria.engagement_half_life_days)}.",
    )
