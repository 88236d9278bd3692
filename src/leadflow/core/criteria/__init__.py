"""A program's QualifyingCriteria (DESIGN.md, "Qualification"), one module per concept: the
call script's questions (``questions``), the specification with its rules and persistence
(``spec``), DESIGN.md's default criteria (``defaults``), how criteria write numbers and lists
(``text``), and what every criteria model shares (``validation``).

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

__all__ = [
    "BANT_VALUES",
    "KEY_PATTERN",
    "AuthoritySet",
    "BudgetSet",
    "Choice",
    "Condition",
    "NeedSet",
    "PointRule",
    "QualifyingCriteria",
    "Question",
    "QuestionType",
    "RatingRule",
    "default_criteria",
    "describe_validation_error",
    "format_number",
    "join_or",
    "months",
    "ordered",
    "plain",
]
