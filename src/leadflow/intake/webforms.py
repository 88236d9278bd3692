"""Web-to-lead: the mapping from a posted form to a ``Submission``, and the form's fields.

The endpoint accepts the field names of Salesforce's web-to-lead (``first_name``, ``zip``,
``lead_source``, ``retURL``…) so that a client can point an existing form at LeadFlow by
changing only its ``action``. Everything here is a pure function of the posted values and the
program's questions, so the mapping is tested without a request or a database.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils.http import url_has_allowed_host_and_scheme

from leadflow.core.answers import number_answer
from leadflow.core.criteria import Question, QuestionType
from leadflow.core.enums import Channel, InquiryType
from leadflow.core.normalise import RawLead
from leadflow.intake.services import Submission

HONEYPOT = "leadflow_hp"
"""The trap field: hidden from people, so only a bot fills it in."""

RETURN_URL = "retURL"

#: Salesforce's ``lead_source`` picklist values (and common variants), case-insensitively.
LEAD_SOURCES: Mapping[str, Channel] = {
    "web": Channel.WEB,
    "website": Channel.WEB,
    "trade show": Channel.EVENT,
    "tradeshow": Channel.EVENT,
    "event": Channel.EVENT,
    "seminar": Channel.EVENT,
    "webinar": Channel.EVENT,
    "purchased list": Channel.PURCHASED_LIST,
    "partner": Channel.REFERRAL,
    "partner referral": Channel.REFERRAL,
    "employee referral": Channel.REFERRAL,
    "customer referral": Channel.REFERRAL,
    "referral": Channel.REFERRAL,
    "advertisement": Channel.PRINT_ADVERTISEMENT,
    "print": Channel.PRINT_ADVERTISEMENT,
    "print advertisement": Channel.PRINT_ADVERTISEMENT,
    "direct mail": Channel.DIRECT_MAIL,
    "public relations": Channel.PUBLIC_RELATIONS,
    "pr": Channel.PUBLIC_RELATIONS,
    "sales": Channel.SALES_PROSPECTING,
    "cold call": Channel.SALES_PROSPECTING,
    "prospecting": Channel.SALES_PROSPECTING,
    "sales prospecting": Channel.SALES_PROSPECTING,
}

#: Posted names that map to a lead field, with the most characters each may have. The limits
#: are the lead's column sizes (the phone before normalisation may carry spaces and an
#: extension); checking them here turns an over-long value into a message next to its field.
CONTACT_FIELDS: Mapping[str, int] = {
    "first_name": 100,
    "last_name": 100,
    "email": 254,
    "phone": 40,
    "company": 200,
    "title": 200,
    "country": 100,
    "state": 100,
    "zip": 16,
    "URL": 200,
    "website": 200,
    "industry": 100,
    "employees": 32,
    "campaign": 100,
    "Campaign_ID": 100,
    "external_id": 100,
    "lead_source": 100,
    "inquiry_type": 40,
    "description": 4000,
}

#: Salesforce's control fields and LeadFlow's own: they steer the endpoint and are not lead data.
CONTROL_FIELDS = frozenset(
    {RETURN_URL, HONEYPOT, "oid", "orgid", "encoding", "debug", "debugEmail", "submit"}
    | {"csrfmiddlewaretoken"}
)

MAX_PROFILE_FIELDS = 30
"""Unknown fields kept in the profile at most, so a form cannot grow a lead without bound."""

MAX_PROFILE_VALUE = 1000

INQUIRY_TYPES: Mapping[str, InquiryType] = {kind.value: kind for kind in InquiryType}

ANSWER_PREFIX = "answer_"
"""Posted name of an answer whose question key is also a contact field's name."""

RESERVED = frozenset(CONTACT_FIELDS) | CONTROL_FIELDS


def question_field_name(key: str) -> str:
    """The posted name of a question's answer: its key, unless that is a contact field's name."""
    return f"{ANSWER_PREFIX}{key}" if key in RESERVED else key


def channel_for(lead_source: str) -> tuple[Channel, str]:
    """The channel a ``lead_source`` names, and the original when it names none (kept in the
    profile so that marketing can still read it); no source at all is the web."""
    text = " ".join(lead_source.split())
    if not text:
        return Channel.WEB, ""
    channel = LEAD_SOURCES.get(text.lower())
    if channel is None:
        return Channel.OTHER, text
    return channel, ""


def posted_values(lists: Iterable[tuple[str, Sequence[str]]]) -> dict[str, str]:
    """One string per posted name (a request's ``POST.lists()``): repeated names, such as a
    multiple select, are joined with ", " so that no value is dropped."""
    return {name: ", ".join(v for v in values if v.strip()) for name, values in lists}


def _first(data: Mapping[str, str], *names: str) -> str:
    for name in names:
        value = data.get(name, "").strip()
        if value:
            return value
    return ""


def answers_from(data: Mapping[str, str], questions: Sequence[Question]) -> dict[str, Any]:
    """The answers to the program's questions; unanswered questions are left out."""
    answers: dict[str, Any] = {}
    for question in questions:
        name = question_field_name(question.key)
        raw = data.get(name, "")
        if question.type is QuestionType.NUMBER:
            value: Any = number_answer(raw)
        else:
            value = raw.strip() or None
        if value is not None:
            answers[question.key] = value
    return answers


def submission_from(data: Mapping[str, str], questions: Sequence[Question]) -> Submission:
    """The ``Submission`` a posted web-to-lead form stands for.

    Salesforce names map to the lead (``zip`` is the postal code, ``URL`` or ``website`` the
    website, ``employees`` the company size); ``description``, an unknown ``lead_source`` and any
    field the lead has no place for are kept in the profile, so nothing the person wrote is lost.
    """
    channel, unknown_source = channel_for(data.get("lead_source", ""))
    inquiry = data.get("inquiry_type", "").strip()
    profile: dict[str, Any] = {}
    if description := data.get("description", "").strip():
        profile["description"] = description
    if unknown_source:
        profile["lead_source"] = unknown_source
    if inquiry and inquiry not in INQUIRY_TYPES:
        profile["inquiry_type"] = inquiry
    answer_names = {question_field_name(q.key) for q in questions}
    for name, value in data.items():
        if len(profile) >= MAX_PROFILE_FIELDS:
            break
        if name in RESERVED or name in answer_names or not value.strip():
            continue
        profile[name[:100]] = value.strip()[:MAX_PROFILE_VALUE]
    return Submission(
        raw=RawLead(
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            email=data.get("email", ""),
            phone=data.get("phone", ""),
            title=data.get("title", ""),
            company=data.get("company", ""),
            website=_first(data, "URL", "website"),
            country=data.get("country", ""),
            state=data.get("state", ""),
            postal_code=data.get("zip", ""),
        ),
        channel=channel,
        campaign=_first(data, "campaign", "Campaign_ID"),
        inquiry_type=INQUIRY_TYPES.get(inquiry, InquiryType.INFORMATION_REQUEST),
        external_id=data.get("external_id", "").strip() or None,
        company_size=data.get("employees", ""),
        industry=data.get("industry", ""),
        profile=profile,
        answers=answers_from(data, questions),
    )


def form_errors(data: Mapping[str, str], questions: Sequence[Question]) -> dict[str, str]:
    """What the form itself rejects before capture: over-long values, and unanswered required
    questions (capture accepts those, as imports and the API may fill them in later, but a
    person filling in the form is asked for them). Keys are those of ``IntakeRejected``."""
    errors: dict[str, str] = {}
    for name, limit in CONTACT_FIELDS.items():
        if len(data.get(name, "").strip()) > limit:
            errors[name] = f"at most {limit} characters"
    answers = answers_from(data, questions)
    for question in questions:
        if question.required and question.key not in answers:
            errors[f"answers.{question.key}"] = "an answer is required"
    return errors


def return_url(raw: str, allowed_hosts: Sequence[str]) -> str | None:
    """``retURL`` when it may be redirected to: an absolute http(s) URL, without credentials,
    whose host is exactly one of the program's allowed hosts (any port). Anything else is None,
    so the endpoint cannot be used to send people to a site of an attacker's choosing."""
    url = raw.strip()
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or parts.username or parts.password:
        return None
    allowed = {h.strip().lower().rstrip(".") for h in allowed_hosts if h.strip()}
    if host.rstrip(".") not in allowed:
        return None
    if not url_has_allowed_host_and_scheme(url, allowed_hosts={parts.netloc}):
        return None
    return url


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
    values = values or {}
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
                label=question.label,
                kind=_QUESTION_KINDS[question.type],
                error_key=key,
                required=question.required,
                help_text=question.help_text,
                min_value=question.min_value,
                max_value=question.max_value,
                choices=tuple((c.value, c.label) for c in question.choices),
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
