"""What the criteria editor's forms share: a base form whose help and error lists are tied to
their inputs, and the kinds of field the sections are made of (numbers shown as a person writes
them, enum values as boxes to tick)."""

from enum import StrEnum
from typing import Any

from django import forms

from leadflow.core.criteria import format_number


class EditorForm(forms.Form):
    """Django ties a field's help and error list to its input (``aria-describedby`` with the
    ``<id>_helptext`` and ``<id>_error`` ids); ``_field.html`` renders the lists with those ids."""


def choices_of(values: type[StrEnum]) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ")) for member in values]


def number_field(**kwargs: Any) -> forms.FloatField:
    return forms.FloatField(
        required=False, widget=forms.NumberInput(attrs={"step": "any"}), **kwargs
    )


def shown(value: float | None) -> str | None:
    """3 rather than 3.0 in a number box."""
    return None if value is None else format_number(value)


def checkboxes(values: type[StrEnum], label: str, **kwargs: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices_of(values), widget=forms.CheckboxSelectMultiple, **kwargs
    )


EMPTY = ("", "—")
