"""``{% load criteria_editor %}{% editor_rows editor.questions "question" grid="key label"
below="help_text" flag="required" %}``: the rows of a list section of the criteria editor
(questions, point rules), each in the same frame: its legend ("Question 2: Budget", "Add a
question" for the blank row), its refusals, its fields (``grid`` side by side, ``below`` at
full width), and its tools: the ``flag`` box, its position and the box that removes it."""

from typing import Any

from django import forms, template

register = template.Library()


def _fields(form: forms.Form, names: str) -> list[forms.BoundField]:
    return [form[name] for name in names.split()]


@register.inclusion_tag("programs/_editor_rows.html")
def editor_rows(
    formset: forms.BaseFormSet, noun: str, *, grid: str, flag: str, below: str = ""
) -> dict[str, Any]:
    saved = formset.initial_form_count()
    return {
        "formset": formset,
        "noun": noun,
        "rows": [
            {
                "form": form,
                "number": number,
                "new": number > saved,
                "grid": _fields(form, grid),
                "below": _fields(form, below),
                "flag": form[flag],
            }
            for number, form in enumerate(formset, start=1)
        ],
    }
