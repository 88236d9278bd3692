"""The field-precedence rule of a merge (DESIGN.md, Intake rules: a merge never overwrites
another person's values).

The lead keeps the first non-empty value of each field; a blank is filled from the incoming
inquiry; an incoming value that differs from a kept one is not applied but returned as
*differing*, for the merge event to keep and the lead's page to show. (Answers are not fields:
the newest inquiry's answers re-qualify the lead, a rule of the leads services.)
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldMerge:
    """What a merge does to the lead's fields: `filled` blanks and `differing` incoming values
    that were kept out of the fields."""

    filled: dict[str, Any] = field(default_factory=dict)
    differing: dict[str, Any] = field(default_factory=dict)


def fields_merge(
    current: Mapping[str, Any], incoming: Mapping[str, Any], names: Iterable[str]
) -> FieldMerge:
    """Apply the precedence rule to the fields `names` of two records."""
    filled: dict[str, Any] = {}
    differing: dict[str, Any] = {}
    for name in names:
        value = incoming.get(name)
        if not value:
            continue
        kept = current.get(name)
        if not kept:
            filled[name] = value
        elif kept != value:
            differing[name] = value
    return FieldMerge(filled=filled, differing=differing)
