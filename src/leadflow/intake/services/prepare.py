"""Preparing one inquiry from any channel: normalise and validate a submission, reporting every
field's problem at once (``IntakeRejected``), and derive the keys it is de-duplicated on. Every
channel prepares through ``submission_prepare``: captures (``intake.services.capture``) and the
rows of bulk imports alike."""

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from leadflow.core.consent import ConsentChannel, flag_status
from leadflow.core.dedupe import MatchKeys
from leadflow.core.enums import Channel, InquiryType
from leadflow.core.errors import CriteriaError, DomainError
from leadflow.core.normalise import NormalisedLead, RawLead, normalise_lead
from leadflow.core.qualification import parse_answers
from leadflow.leads.models import Lead
from leadflow.leads.services import LeadInput
from leadflow.leads.services.consent import ConsentChange
from leadflow.programs.models import Program
from leadflow.programs.selectors import PublishedCriteria


class IntakeRejected(DomainError):
    """An inquiry that cannot be captured, with a reason per field (``answers.<key>`` for
    questionnaire answers, ``contact`` when there is no way to reach the person)."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in errors.items()))


@dataclass
class Submission:
    """An inquiry as it arrived, before normalisation."""

    raw: RawLead
    channel: Channel = Channel.WEB
    campaign: str = ""
    inquiry_type: InquiryType = InquiryType.INFORMATION_REQUEST
    external_id: str | None = None
    #: The system the external id belongs to, as the caller states it ("" when unstated):
    #: an id matches only an id of the same source (docs/DECISIONS.md, Intake).
    external_source: str = ""
    company_size: str = ""
    industry: str = ""
    profile: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    #: Where each opt-out flag of ``raw`` came from ("column Do Not Email", "API:
    #: email_opt_out"), for the consent's source; a flag without one says "intake".
    consent_sources: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Prepared:
    data: LeadInput
    keys: MatchKeys
    #: The consent the submission states for its e-mail and phone (``Do Not Email`` …),
    #: recorded by the caller once the lead is written (``leads.services.consent``).
    consents: tuple[ConsentChange, ...] = ()


def submission_prepare(
    *, program: Program, submission: Submission, published: PublishedCriteria
) -> Prepared:
    """Normalise and validate a submission; every problem is reported at once.

    DESIGN.md, "Intake rules": the submission is rejected (``IntakeRejected``, with every
    problem) only when nobody can be reached or a value cannot be stored at all. A bad optional
    value (a phone, country, state, website, an answer, an over-long optional text) is dropped
    from its field, kept as sent in the profile under the field's name, and listed in the lead's
    ``warnings`` ({"field", "value", "reason"} each). A state without a country is read in the
    program's country (its region)."""
    lead = normalise_lead(
        submission.raw,
        default_region=program.default_region,
        default_country=program.default_region,
    )
    errors = dict(lead.errors)
    problems = dict(lead.warnings)
    sent: dict[str, Any] = {name: getattr(submission.raw, name) for name in lead.warnings}
    answers = dict(submission.answers)
    try:
        parse_answers(published.criteria, answers)
    except CriteriaError as exc:
        answer_problems = _answer_errors(published, answers, exc)
        for key in answer_problems:
            answer = key.removeprefix("answers.")
            if answer in answers:
                sent[key] = answers.pop(answer)
        if errors:
            errors.update(answer_problems)
        else:
            problems.update(answer_problems)
    data = LeadInput(
        first_name=lead.first_name,
        last_name=lead.last_name,
        title=lead.title,
        email=lead.email,
        phone=lead.phone,
        company=lead.company,
        website=lead.website,
        company_size=submission.company_size.strip(),
        industry=submission.industry.strip(),
        country=lead.country,
        subdivision=lead.subdivision,
        postal_code=lead.postal_code,
        street=lead.street,
        city=lead.city,
        domain=_key(lead.domain, "domain"),
        company_key=_key(lead.company_key, "company_key"),
        person_key=_key(lead.person_key, "person_key"),
        channel=submission.channel,
        campaign=submission.campaign.strip(),
        inquiry_type=submission.inquiry_type,
        external_id=(submission.external_id or "").strip() or None,
        external_source=submission.external_source.strip()[:40],
        profile=dict(submission.profile),
        answers=answers,
    )
    for name, reason in _text_errors(data).items():
        if name in _DROPPABLE and _storable(getattr(data, name)):
            sent[name] = getattr(data, name)
            problems[name] = reason
            setattr(data, name, "")
        else:
            errors[name] = reason
    if errors:
        raise IntakeRejected({**errors, **problems})
    for name, reason in problems.items():
        value = sent.get(name, "")
        data.warnings.append({"field": name, "value": _shown(value), "reason": reason})
        if value not in ("", None):
            data.profile.setdefault(name, _kept(value))
    return Prepared(data=data, keys=input_keys(data), consents=_consents(lead, data, submission))


def _consents(
    lead: NormalisedLead, data: LeadInput, submission: Submission
) -> tuple[ConsentChange, ...]:
    """The opt-out flags sent with the inquiry, as consent of its e-mail and phone (a flag for
    an address that is missing or was dropped records nothing)."""
    flags = (
        (ConsentChannel.EMAIL, data.email, lead.email_opt_out, "email_opt_out"),
        (ConsentChannel.PHONE, data.phone, lead.do_not_call, "do_not_call"),
    )
    return tuple(
        ConsentChange(
            channel=channel,
            address=address,
            status=flag_status(opted_out),
            source=submission.consent_sources.get(name, "intake"),
        )
        for channel, address, opted_out, name in flags
        if address and opted_out is not None
    )


def input_keys(data: LeadInput) -> MatchKeys:
    """The keys an inquiry is de-duplicated on (its external id with the id's source)."""
    return MatchKeys(
        email=data.email,
        phone=data.phone,
        company_key=data.company_key,
        person_key=data.person_key,
        external_id=data.external_id or "",
        external_source=data.external_source,
    )


#: Optional text fields an over-long value is dropped from with a warning (the others name or
#: reach the person, and an over-long one rejects the submission).
_DROPPABLE = frozenset(
    {"title", "website", "company_size", "industry", "postal_code", "street", "city"}
)


def _kept(value: object) -> object:
    """The value as sent, for the profile: a number no JSON reader keeps exactly as text."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)
    return value


def _shown(value: object) -> str:
    """A warning's value: the value as sent, as text, cut for the lead page and the report."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text[:200]


#: Lead columns a submission fills, by the name the submitter used for them.
_SIZED_FIELDS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "title": "title",
    "email": "email",
    "phone": "phone",
    "company": "company",
    "website": "website",
    "company_size": "company_size",
    "industry": "industry",
    "postal_code": "postal_code",
    "street": "street",
    "city": "city",
    "campaign": "campaign",
    "external_id": "external_id",
}


def _text_errors(data: LeadInput) -> dict[str, str]:
    """Values longer than their column, or holding characters no database stores (NUL, lone
    surrogates), are refused here: never truncated, never left to fail in the database."""
    errors = {}
    for field_name, column in _SIZED_FIELDS.items():
        value = getattr(data, field_name) or ""
        limit = _max_length(column)
        if limit is not None and len(value) > limit:
            errors[field_name] = f"at most {limit} characters"
        elif not _storable(value):
            errors[field_name] = "contains characters that cannot be stored"
    for field_name in ("profile", "answers"):
        if not _storable(getattr(data, field_name)):
            errors[field_name] = "contains characters that cannot be stored"
    return errors


#: What no database stores in text: NUL and lone surrogates (one scan, not one per character).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(value: object, depth: int = 0) -> bool:
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is None
    if depth > 16:
        return False
    if isinstance(value, dict):
        return all(_storable(k, depth + 1) and _storable(v, depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_storable(item, depth + 1) for item in value)
    return True


def _key(value: str, column: str) -> str:
    """Matching keys are derived and may outgrow their column; a cut key still matches."""
    limit = _max_length(column)
    return value[:limit] if limit else value


@cache
def _max_length(column: str) -> int | None:
    limit: int | None = getattr(Lead._meta.get_field(column), "max_length", None)
    return limit


def _answer_errors(
    published: PublishedCriteria, answers: dict[str, Any], exc: CriteriaError
) -> dict[str, str]:
    """Split the criteria's message into one error per answer key."""
    errors: dict[str, str] = {}
    for key, value in answers.items():
        try:
            parse_answers(published.criteria, {key: value})
        except CriteriaError as single:
            errors[f"answers.{key}"] = str(single).removeprefix(f"{key}: ")
    return errors or {"answers": str(exc)}
