"""Web-to-lead: the mapping from a posted form to a ``Submission``.

The endpoint accepts the field names of Salesforce's web-to-lead (``first_name``, ``zip``,
``lead_source``, ``retURL``…) and every other name of the core's alias table, the one the
import reads (Marketo's ``FirstName``, HubSpot's ``firstname`` and ``jobtitle``, Pardot's
``job_title``…), so that a client can point an existing form at LeadFlow by changing only its
``action``. A posted name is first the program's question of that name, then a control field,
then an alias; the first non-empty of several names for one field wins and the others are kept
in the profile. The program's own lead-source rules come before the table. Only what the
visitor must fix (nobody to reach, an over-long name or e-mail, a required question) shows the
form again; an optional field's problem is captured as a warning (``form_errors``,
``shown_errors``). Everything here is a pure function of the posted values and the program's
questions, so the mapping is tested without a request or a database. The form's inputs, as
drawn, are ``intake.webforms.fields``.
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils.http import url_has_allowed_host_and_scheme

from leadflow.core.aliases import SOURCE_DETAIL, header_field, inquiry_type_of, source_channel
from leadflow.core.answers import number_answer
from leadflow.core.criteria import Question, QuestionType
from leadflow.core.enums import Channel, InquiryType
from leadflow.core.normalise import RawLead
from leadflow.intake.services.prepare import Submission

HONEYPOT = "leadflow_hp"
"""The trap field: hidden from people, so only a bot fills it in."""

RETURN_URL = "retURL"

#: The form's names of lead fields, with the most characters each may have (other aliases are
#: read under these names, see ``FORM_NAMES``; ``URL`` and ``Campaign_ID`` stay reserved names
#: of questions' inputs). The limits are the lead's column sizes (the phone before normalisation
#: may carry spaces and an extension); checking them here turns an over-long value into a
#: message next to its field.
CONTACT_FIELDS: Mapping[str, int] = {
    "first_name": 100,
    "last_name": 100,
    "full_name": 200,
    "email": 254,
    "phone": 40,
    "company": 200,
    "title": 200,
    "country": 100,
    "state": 100,
    "zip": 16,
    "street": 200,
    "city": 100,
    "email_opt_out": 40,
    "do_not_call": 40,
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

ANSWER_PREFIX = "answer_"
"""Posted name of an answer whose question key is also a contact field's name."""

RESERVED = frozenset(CONTACT_FIELDS) | CONTROL_FIELDS

FORM_NAMES: Mapping[str, str] = {
    "first_name": "first_name",
    "last_name": "last_name",
    "full_name": "full_name",
    "email": "email",
    "phone": "phone",
    "title": "title",
    "company": "company",
    "website": "website",
    "country": "country",
    "state": "state",
    "postal_code": "zip",
    "street": "street",
    "city": "city",
    "email_opt_out": "email_opt_out",
    "do_not_call": "do_not_call",
    "lead_source": "lead_source",
    "campaign": "campaign",
    "industry": "industry",
    "company_size": "employees",
    "description": "description",
    "external_id": "external_id",
    "inquiry_type": "inquiry_type",
}
"""The form's own name for each field of the alias table (Salesforce's web-to-lead names):
whatever alias was posted, the value is read, checked and shown again under this name."""


def question_field_name(key: str) -> str:
    """The posted name of a question's answer: its key, unless that is a contact field's name."""
    return f"{ANSWER_PREFIX}{key}" if key in RESERVED else key


def posted_values(lists: Iterable[tuple[str, Sequence[str]]]) -> dict[str, str]:
    """One string per posted name (a request's ``POST.lists()``): repeated names, such as a
    multiple select, are joined with ", " so that no value is dropped."""
    return {name: ", ".join(v for v in values if v.strip()) for name, values in lists}


@dataclass(frozen=True)
class _Read:
    values: dict[str, str]
    """The posted values under the form's own names (``FORM_NAMES``) where an alias was posted,
    every other name as posted."""
    others: dict[str, str]
    """Aliases of a field another posted name had already filled, by their posted name."""


def _field(name: str, answer_names: Collection[str]) -> str | None:
    """The field a posted name fills: none for an answer or a control field; the external id
    only by its own name, since a form's hidden ``id`` is usually the form's, the same on every
    submission, and would merge everyone who sends it into one lead."""
    if name in answer_names or name in CONTROL_FIELDS:
        return None
    field = header_field(name)
    if field == "external_id" and name != "external_id":
        return None
    return field


def _read(data: Mapping[str, str], questions: Sequence[Question]) -> _Read:
    answer_names = {question_field_name(q.key) for q in questions}
    values: dict[str, str] = {}
    others: dict[str, str] = {}
    for name, value in data.items():
        field = _field(name, answer_names)
        if field is None:
            values.setdefault(name, value)
            continue
        target = FORM_NAMES[field]
        if not values.get(target, "").strip():
            values[target] = value
        elif value.strip():
            others[name] = value
    return _Read(values, others)


def form_values(data: Mapping[str, str], questions: Sequence[Question]) -> dict[str, str]:
    """The posted values under the form's own names, whichever alias was posted."""
    return _read(data, questions).values


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


def submission_from(
    data: Mapping[str, str],
    questions: Sequence[Question],
    source_rules: Mapping[str, str] | None = None,
) -> Submission:
    """The ``Submission`` a posted web-to-lead form stands for.

    Names of the core's alias table map to the lead (``zip`` is the postal code, ``URL`` or
    ``website`` the website, ``employees`` the company size, ``FirstName`` and ``firstname`` the
    first name…); the lead source names the channel (the program's own ``source_rules`` first,
    then the alias table; none is the web, an unknown one ``other``) and is kept as sent in the
    profile's ``source_detail``. ``description``, a second value for
    a field and any field the lead has no place for are kept in the profile, so nothing the
    person wrote is lost.
    """
    read = _read(data, questions)
    values = read.values
    source = source_channel(values.get("lead_source", ""), default=Channel.WEB, rules=source_rules)
    inquiry = values.get("inquiry_type", "").strip()
    inquiry_type = inquiry_type_of(inquiry)
    profile: dict[str, Any] = {}
    if description := values.get("description", "").strip():
        profile["description"] = description
    if source.detail:
        profile[SOURCE_DETAIL] = source.detail[:MAX_PROFILE_VALUE]
    if inquiry and inquiry_type is None:
        profile["inquiry_type"] = inquiry
    answer_names = {question_field_name(q.key) for q in questions}
    kept = [
        (name, value)
        for name, value in values.items()
        if name not in RESERVED and name not in answer_names
    ]
    for name, value in [*kept, *read.others.items()]:
        if len(profile) >= MAX_PROFILE_FIELDS:
            break
        if value.strip():
            profile.setdefault(name[:100], value.strip()[:MAX_PROFILE_VALUE])
    return Submission(
        raw=RawLead(
            first_name=values.get("first_name", ""),
            last_name=values.get("last_name", ""),
            full_name=values.get("full_name", ""),
            email=values.get("email", ""),
            phone=values.get("phone", ""),
            title=values.get("title", ""),
            company=values.get("company", ""),
            website=values.get("website", ""),
            country=values.get("country", ""),
            state=values.get("state", ""),
            postal_code=values.get("zip", ""),
            street=values.get("street", ""),
            city=values.get("city", ""),
            email_opt_out=values.get("email_opt_out", ""),
            do_not_call=values.get("do_not_call", ""),
        ),
        channel=source.channel,
        campaign=values.get("campaign", "").strip(),
        inquiry_type=inquiry_type or InquiryType.INFORMATION_REQUEST,
        external_id=values.get("external_id", "").strip() or None,
        company_size=values.get("employees", ""),
        industry=values.get("industry", ""),
        profile=profile,
        answers=answers_from(values, questions),
        consent_sources={
            name: f"web form: {name}"
            for name in ("email_opt_out", "do_not_call")
            if values.get(name, "").strip()
        },
    )


#: The fields whose over-long value the form refuses: they name or reach the person. Any other
#: field's problem is an optional field's: the submission is captured with a warning, and the
#: visitor of the client's site never sees LeadFlow's form for it (issue 12).
REFUSED_WHEN_TOO_LONG = ("first_name", "last_name", "full_name", "email", "company", "external_id")


def form_errors(data: Mapping[str, str], questions: Sequence[Question]) -> dict[str, str]:
    """What the form itself rejects before capture: over-long names and e-mail addresses, and
    unanswered required questions (capture accepts those, as imports and the API may fill them
    in later, but a person filling in the form is asked for them). Keys are those of
    ``IntakeRejected``."""
    errors: dict[str, str] = {}
    values = form_values(data, questions)
    for name in REFUSED_WHEN_TOO_LONG:
        limit = CONTACT_FIELDS[name]
        if len(values.get(name, "").strip()) > limit:
            errors[name] = f"at most {limit} characters"
    answers = answers_from(values, questions)
    for question in questions:
        if question.required and question.key not in answers:
            errors[f"answers.{question.key}"] = "an answer is required"
    return errors


#: Field names of ``IntakeRejected`` and of the lead's warnings that the form shows its input
#: for under another name.
_FORM_ERROR_KEYS = {"postal_code": "zip"}


def shown_errors(problems: Mapping[str, str]) -> dict[str, str]:
    """Capture's problems (errors or warnings, by field) under the keys of the form's inputs."""
    return {_FORM_ERROR_KEYS.get(name, name): reason for name, reason in problems.items()}


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
