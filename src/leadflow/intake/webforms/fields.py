"""The web-to-lead form's inputs as drawn: contact fields, the program's questions and the
message, each with its posted value, its error and what the template needs to make it
accessible, and the summary of errors at the top of the form. Pure functions of the program's
questions and the posted values (read as ``intake.webforms.posted`` reads them)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from leadflow.core.criteria import Question, QuestionType
from leadflow.intake.webforms.posted import CONTACT_FIELDS, form_values, question_field_name


@dataclass(frozen=True)
class FormField:
    """One input of the rendered form, with what the template needs to make it accessible."""

    name: str
    label: str
    kind: str
    """``text``, ``email``, ``tel``, ``url``, ``number``, ``date``, ``select`` or ``textarea``."""
    error_key: str
    required: bool = False
    help_text: str = ""
    autocomplete: str = ""
    max_length: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    choices: tuple[tuple[str, str], ...] = ()
    value: str = ""
    error: str = ""

    @property
    def id(self) -> str:
        return f"id_{self.name}"

    @property
    def help_id(self) -> str:
        return f"{self.id}_help"

    @property
    def error_id(self) -> str:
        return f"{self.id}_error"

    @property
    def described_by(self) -> str:
        ids = [self.help_id] if self.help_text else []
        if self.error:
            ids.append(self.error_id)
        return " ".join(ids)


CONTACT_LAYOUT: tuple[tuple[str, str, str, str], ...] = (
    ("first_name", "First name", "text", "given-name"),
    ("last_name", "Last name", "text", "family-name"),
    ("email", "E-mail", "email", "email"),
    ("phone", "Phone", "tel", "tel"),
    ("company", "Company", "text", "organization"),
    ("title", "Job title", "text", "organization-title"),
    ("country", "Country", "text", "country-name"),
    ("state", "State or province", "text", "address-level1"),
    ("zip", "Postal code", "text", "postal-code"),
)

CONTACT_HELP = {
    "email": "We reply by e-mail. Give an e-mail address or a phone number.",
    "state": "For the United States, Canada and other countries with states or provinces.",
}

_QUESTION_KINDS = {
    QuestionType.CHOICE: "select",
    QuestionType.NUMBER: "number",
    QuestionType.DATE: "date",
    QuestionType.TEXT: "textarea",
}


def form_fields(
    questions: Sequence[Question],
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> list[FormField]:
    """The form's inputs in order (contact, the program's questions, the message), each with
    the value it was posted with and its error. The ``contact`` error (no way to reach the
    person) is shown at the e-mail field, where the person can fix it, unless the e-mail has an
    error of its own, whose fix resolves both."""
    values = form_values(values or {}, questions)
    errors = errors or {}
    fields: list[FormField] = []
    for name, label, kind, autocomplete in CONTACT_LAYOUT:
        error = errors.get(name, "")
        if name == "email" and not error:
            error = errors.get("contact", "")
        fields.append(
            FormField(
                name=name,
                label=label,
                kind=kind,
                error_key=name,
                help_text=CONTACT_HELP.get(name, ""),
                autocomplete=autocomplete,
                max_length=CONTACT_FIELDS[name],
                value=values.get(name, ""),
                error=error,
            )
        )
    for question in questions:
        name = question_field_name(question.key)
        key = f"answers.{question.key}"
        fields.append(
            FormField(
                name=name,
                label=question.public_question,
                kind=_QUESTION_KINDS[question.type],
                error_key=key,
                required=question.required,
                help_text=question.help_text,
                min_value=question.min_value,
                max_value=question.max_value,
                choices=question.public_choices,
                value=values.get(name, ""),
                error=errors.get(key, ""),
            )
        )
    fields.append(
        FormField(
            name="description",
            label="How can we help?",
            kind="textarea",
            error_key="description",
            max_length=CONTACT_FIELDS["description"],
            value=values.get("description", ""),
            error=errors.get("description", ""),
        )
    )
    return fields


def error_summary(fields: Sequence[FormField], errors: Mapping[str, str]) -> list[tuple[str, str]]:
    """(link target, message) for the summary at the top of the form: one line per field in
    the form's order, then any error that belongs to no field (linked to the form itself)."""
    lines = [(f"#{f.id}", f"{f.label}: {f.error}") for f in fields if f.error]
    shown = {f.error_key for f in fields if f.error} | {"contact"}
    lines.extend(("#webform", message) for key, message in errors.items() if key not in shown)
    return lines
