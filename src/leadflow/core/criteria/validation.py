"""What every criteria model shares: frozen values that refuse unknown fields, validators that
report every problem at once under its field path, and the readable text of pydantic's errors
(a ``CriteriaError`` names ``rating_ladder.0.rating: ...``)."""

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)
from pydantic_core import PydanticCustomError

from leadflow.core.criteria.text import format_number


def describe_validation_error(exc: ValidationError) -> str:
    """One readable problem per failure, each prefixed with its dotted field path."""
    lines: list[str] = []
    for error in exc.errors():
        base = ".".join(str(part) for part in error["loc"])
        found = error["ctx"]["found"] if error["type"] == "criteria" else [("", _words(error))]
        for relative, message in found:
            path = ".".join(part for part in (base, relative) if part)
            lines.append(f"{path}: {message}" if path else message)
    return "; ".join(lines)


def _words(error: Any) -> str:
    """Pydantic's message, except where it would show a person a regular expression."""
    if error["type"] == "string_pattern_mismatch":
        return (
            f"{error['input']!r} is not a usable key: use lower-case letters, digits and "
            "underscores, starting with a letter (such as budget_approved)"
        )
    return str(error["msg"])


class Problems:
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


class Spec(BaseModel):
    """Base of every criteria model: unknown fields are errors, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class SparseSpec(Spec):
    """Leaves unset (None) match fields out of JSON and YAML; None always means "any"."""

    @model_serializer(mode="wrap")
    def _omit_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if value is not None}


def check_range(problems: Problems, low: float | None, high: float | None) -> None:
    if low is not None and high is not None and low > high:
        problems.add("min_value", f"{format_number(low)} is above max_value {format_number(high)}")
