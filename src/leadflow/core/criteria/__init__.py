"""A program's QualifyingCriteria (DESIGN.md, "Qualification"), one module per concept: the
call script's questions (``questions``), the specification with its rules and persistence
(``spec``), DESIGN.md's default criteria (``defaults``), how criteria write numbers and lists
(``text``), how a whole criteria version reads for people (``words``), and what every
criteria model shares (``validation``).

The names the rest of LeadFlow uses are importable from here, as they were when this was one
module.
"""

from leadflow.core.criteria.defaults import default_criteria
from leadflow.core.criteria.questions import (
    BANT_VALUES,
    KEY_PATTERN,
    Choice,
    Question,
    QuestionType,
)
from leadflow.core.criteria.spec import (
    AuthoritySet,
    BudgetSet,
    Condition,
    NeedSet,
    PointRule,
    QualifyingCriteria,
    RatingRule,
)
from leadflow.core.criteria.text import format_number, join_or, months, ordered, plain
from leadflow.core.criteria.validation import describe_validation_error
from leadflow.core.criteria.words import (
    CriteriaWords,
    criteria_words,
    fact_met,
    point_rule_condition,
    points_text,
    sentence,
    signed_points,
)

__all__ = [
    "BANT_VALUES",
    "KEY_PATTERN",
    "AuthoritySet",
    "BudgetSet",
    "Choice",
    "Condition",
    "CriteriaWords",
    "NeedSet",
    "PointRule",
    "QualifyingCriteria",
    "Question",
    "QuestionType",
    "RatingRule",
    "criteria_words",
    "default_criteria",
    "describe_validation_error",
    "fact_met",
    "format_number",
    "join_or",
    "months",
    "ordered",
    "plain",
    "point_rule_condition",
    "points_text",
    "sentence",
    "signed_points",
]
