"""How a stored value reads on the workspace and the pages that show a lead's qualification."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from leadflow.core.criteria import QualifyingCriteria, format_number


def label(value: str) -> str:
    """``decision_maker`` → ``Decision maker``: how a stored value reads on a page."""
    return value.replace("_", " ").capitalize()


def shown(value: object) -> str:
    """An answer or a history value as text: numbers as a person writes them, dates in ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(shown(item) for item in value)
    return str(value)


#: How a lead's fields read where intake explains what it could not use.
FIELD_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "title": "Title",
    "email": "E-mail",
    "phone": "Phone",
    "company": "Company",
    "website": "Website",
    "company_size": "Company size",
    "industry": "Industry",
    "country": "Country",
    "subdivision": "State or region",
    "postal_code": "Postal code",
    "street": "Street",
    "city": "City",
    "campaign": "Campaign",
    "email_opt_out": "E-mail opt-out",
    "do_not_call": "Do not call",
}


@dataclass(frozen=True)
class IntakeWarning:
    """One value intake could not use, as the lead page says it."""

    field: str
    value: str
    reason: str


def intake_warnings(
    warnings: Sequence[Mapping[str, str]], criteria: QualifyingCriteria
) -> list[IntakeWarning]:
    """The lead's intake warnings in plain words: the field's label (an answer by its question),
    the value as sent, and why it was not used."""
    rows = []
    for warning in warnings:
        name = str(warning.get("field", ""))
        if name.startswith("answers."):
            question = criteria.question(name.removeprefix("answers."))
            field_label = f"Answer: {question.label}" if question else label(name[8:])
        else:
            field_label = FIELD_LABELS.get(name) or label(name)
        rows.append(
            IntakeWarning(
                field_label, str(warning.get("value", "")), str(warning.get("reason", ""))
            )
        )
    return rows
