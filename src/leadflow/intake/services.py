"""Capturing one inquiry from any channel: normalise, validate, de-duplicate, then create the
lead or merge it into the one it matches. The API, the web-to-lead forms and the CLI all come
through ``lead_capture``; bulk imports use ``submission_prepare`` and the bulk lead services."""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from leadflow.accounts.models import User
from leadflow.core.dedupe import Candidate, DedupeRule, Match, MatchKeys, MatchOn, find_match
from leadflow.core.enums import Channel, InquiryType
from leadflow.core.errors import CriteriaError, DomainError
from leadflow.core.normalise import RawLead, normalise_lead
from leadflow.core.qualification import parse_answers
from leadflow.leads.models import Lead
from leadflow.leads.services import LeadInput, lead_create, lead_merge
from leadflow.programs.models import Program
from leadflow.programs.selectors import PublishedCriteria, program_published_criteria


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
    company_size: str = ""
    industry: str = ""
    profile: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Prepared:
    data: LeadInput
    keys: MatchKeys


@dataclass(frozen=True)
class Capture:
    lead: Lead
    created: bool
    match: Match | None = None


def dedupe_rule(program: Program) -> DedupeRule:
    return DedupeRule(
        match_on=frozenset(MatchOn(m) for m in program.dedupe_match_on),
        name_similarity=program.dedupe_name_similarity,
    )


def submission_prepare(
    *, program: Program, submission: Submission, published: PublishedCriteria
) -> Prepared:
    """Normalise and validate a submission; every problem is reported at once."""
    lead = normalise_lead(submission.raw, default_region=program.default_region)
    errors = dict(lead.errors)
    answers = dict(submission.answers)
    try:
        parse_answers(published.criteria, answers)
    except CriteriaError as exc:
        errors.update(_answer_errors(published, answers, exc))
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
        domain=_key(lead.domain, "domain"),
        company_key=_key(lead.company_key, "company_key"),
        person_key=_key(lead.person_key, "person_key"),
        channel=submission.channel,
        campaign=submission.campaign.strip(),
        inquiry_type=submission.inquiry_type,
        external_id=(submission.external_id or "").strip() or None,
        profile=dict(submission.profile),
        answers=answers,
    )
    errors.update(_text_errors(data))
    if errors:
        raise IntakeRejected(errors)
    keys = MatchKeys(
        email=data.email, phone=data.phone, company_key=data.company_key, person_key=data.person_key
    )
    return Prepared(data=data, keys=keys)


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


def _storable(value: object, depth: int = 0) -> bool:
    if isinstance(value, str):
        return "\x00" not in value and not any("\ud800" <= ch <= "\udfff" for ch in value)
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


def lead_capture(
    *, program: Program, submission: Submission, actor: User | None, now: datetime
) -> Capture:
    """Create the lead, or merge it into the existing lead of the program that it matches
    (by external id first, then the program's de-duplication rule)."""
    if not program.is_active:
        raise IntakeRejected({"program": f"{program.slug} is not accepting leads (inactive)"})
    published = program_published_criteria(program=program)
    prepared = submission_prepare(program=program, submission=submission, published=published)
    rule = dedupe_rule(program)
    with transaction.atomic():
        _lock_keys(program, prepared, rule)
        existing, match = _existing(program, prepared, rule)
        if existing is None:
            lead = lead_create(
                program=program, data=prepared.data, actor=actor, now=now, published=published
            )
            return Capture(lead=lead, created=True)
        lead = lead_merge(
            lead=existing,
            data=prepared.data,
            match=match.explanation if match else "same external id",
            actor=actor,
            now=now,
            published=published,
        )
        return Capture(lead=lead, created=False, match=match)


def _existing(
    program: Program, prepared: Prepared, rule: DedupeRule
) -> tuple[Lead | None, Match | None]:
    if prepared.data.external_id:
        lead = Lead.objects.filter(program=program, external_id=prepared.data.external_id).first()
        if lead is not None:
            return lead, None
    if not rule.enabled:
        return None, None
    keys = prepared.keys
    query = Q()
    if keys.email and MatchOn.EMAIL in rule.match_on:
        query |= Q(email=keys.email)
    if keys.phone and MatchOn.PHONE in rule.match_on:
        query |= Q(phone=keys.phone)
    if keys.company_key and keys.person_key and MatchOn.COMPANY_AND_NAME in rule.match_on:
        query |= Q(company_key=keys.company_key)
    if not query:
        return None, None
    rows = (
        Lead.objects.filter(program=program)
        .filter(query)
        .values_list("id", "email", "phone", "company_key", "person_key")
    )
    candidates = [
        Candidate(
            id=row[0],
            keys=MatchKeys(email=row[1], phone=row[2], company_key=row[3], person_key=row[4]),
        )
        for row in rows
    ]
    match = find_match(keys, candidates, rule)
    if match is None:
        return None, None
    return Lead.objects.get(pk=match.id), match


def _lock_keys(program: Program, prepared: Prepared, rule: DedupeRule) -> None:
    """Serialise captures that could match each other, so two concurrent submissions of the
    same person make one lead. PostgreSQL: transaction-scoped advisory locks on the keys;
    SQLite: its IMMEDIATE transactions already admit one writer at a time."""
    if connection.vendor != "postgresql":
        return
    keys = prepared.keys
    names = [f"external:{prepared.data.external_id}"] if prepared.data.external_id else []
    if keys.email and MatchOn.EMAIL in rule.match_on:
        names.append(f"email:{keys.email}")
    if keys.phone and MatchOn.PHONE in rule.match_on:
        names.append(f"phone:{keys.phone}")
    if keys.company_key and MatchOn.COMPANY_AND_NAME in rule.match_on:
        names.append(f"company:{keys.company_key}")
    ids = sorted(
        {
            int.from_bytes(
                hashlib.blake2b(f"{program.pk}:{n}".encode(), digest_size=8).digest(),
                "big",
                signed=True,
            )
            for n in names
        }
    )
    with connection.cursor() as cursor:
        for lock_id in ids:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])
