"""Capturing inquiries as new leads: one, or many at once for imports, each qualified with
the program's published criteria and recorded with a ``created`` event holding everything
that came in."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from leadflow.accounts.models import User
from leadflow.core.enums import Channel, InquiryType
from leadflow.core.lifecycle import LeadStatus
from leadflow.core.qualification import parse_answers
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.services.history import event_build, events_record
from leadflow.leads.services.qualify import (
    answers_jsonable,
    apply_qualification,
    evaluate_qualification,
    qualification_snapshot,
)
from leadflow.lib.rows import rows_insert
from leadflow.programs.models import Program
from leadflow.programs.selectors import PublishedCriteria, program_published_criteria


@dataclass
class LeadInput:
    """The facts of an inquiry as captured, already normalised by the intake."""

    first_name: str = ""
    last_name: str = ""
    title: str = ""
    email: str = ""
    phone: str = ""
    company: str = ""
    website: str = ""
    company_size: str = ""
    industry: str = ""
    country: str = ""
    subdivision: str = ""
    postal_code: str = ""
    street: str = ""
    city: str = ""
    domain: str = ""
    company_key: str = ""
    person_key: str = ""
    channel: Channel = Channel.WEB
    campaign: str = ""
    inquiry_type: InquiryType = InquiryType.INFORMATION_REQUEST
    external_id: str | None = None
    external_source: str = ""
    profile: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    #: What intake could not use: {"field", "value", "reason"} each.
    warnings: list[dict[str, str]] = field(default_factory=list)


def lead_create(
    *,
    program: Program,
    data: LeadInput,
    actor: User | None,
    now: datetime,
    published: PublishedCriteria | None = None,
) -> Lead:
    """Capture an inquiry: validate its answers against the program's published criteria,
    qualify it, and record the ``created`` event with everything that came in (one transaction:
    ``leads_create_bulk``'s, with no savepoint of its own around it)."""
    (lead,) = leads_create_bulk(
        program=program, items=[data], actor=actor, now=now, published=published
    )
    return lead


def _build(program: Program, data: LeadInput, answers: dict[str, Any], now: datetime) -> Lead:
    return Lead(
        program=program,
        status=LeadStatus.NEW,
        first_name=data.first_name,
        last_name=data.last_name,
        title=data.title,
        email=data.email,
        phone=data.phone,
        company=data.company,
        website=data.website,
        company_size=data.company_size,
        industry=data.industry,
        country=data.country,
        subdivision=data.subdivision,
        postal_code=data.postal_code,
        street=data.street,
        city=data.city,
        domain=data.domain,
        company_key=data.company_key,
        person_key=data.person_key,
        channel=data.channel,
        campaign=data.campaign,
        inquiry_type=data.inquiry_type,
        external_id=data.external_id,
        external_source=data.external_source,
        warnings=list(data.warnings),
        profile=dict(data.profile),
        answers=answers,
        created_at=now,
        updated_at=now,
    )


def _created_snapshot(lead: Lead) -> dict[str, Any]:
    return {
        "channel": lead.channel,
        "campaign": lead.campaign,
        "answers": lead.answers,
        "profile": lead.profile,
        **qualification_snapshot(lead),
    }


@transaction.atomic
def leads_create_bulk(
    *,
    program: Program,
    items: Sequence[LeadInput],
    actor: User | None,
    now: datetime,
    published: PublishedCriteria | None = None,
) -> list[Lead]:
    """Capture many inquiries at once (imports): the same checks and ``created`` events as
    ``lead_create``, written with one INSERT per batch instead of one per lead."""
    published = published or program_published_criteria(program=program)
    leads = []
    for data in items:
        lead = _build(
            program, data, answers_jsonable(parse_answers(published.criteria, data.answers)), now
        )
        apply_qualification(lead, evaluate_qualification(lead, published, now), published, now)
        leads.append(lead)
    rows_insert(leads)
    events_record(
        [
            event_build(
                lead=lead,
                kind=EventKind.CREATED,
                actor=actor,
                now=now,
                to_status=lead.status,
                after=_created_snapshot(lead),
            )
            for lead in leads
        ]
    )
    return leads
