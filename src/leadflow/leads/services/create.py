"""Capturing inquiries as new leads: one, or many at once for imports, each qualified with
the program's published criteria and recorded with a ``created`` event holding everything
that came in."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from django.db import transaction
from django.db.models import JSONField

from leadflow.accounts.models import User
from leadflow.core.enums import Channel, InquiryType
from leadflow.core.lifecycle import LeadStatus
from leadflow.core.qualification import Qualification, parse_answers, qualify
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.services.history import event_build, events_record
from leadflow.leads.services.qualify import (
    answers_jsonable,
    apply_qualification,
    evaluate_qualification,
    qualification_snapshot,
)
from leadflow.lib.events import announce
from leadflow.lib.rows import db_value, rows_add, rows_insert
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


# --- new leads as plain rows (imports) ------------------------------------------------------------

#: The lead columns a new lead's row holds, in order (every concrete column but the key).
LEAD_COLUMNS = tuple(f.column for f in Lead._meta.concrete_fields if not f.primary_key)
#: The columns of its ``created`` event's row (``lead_id`` first, then these).
_EVENT_COLUMNS = ("lead_id", "kind", "action", "actor_id", "at", "from_status", "to_status")
_EVENT_TAIL = ("before", "after", "reason")
#: The input facts copied as they are, as (position in the row, attribute of ``LeadInput``).
_COPIED = (
    "first_name", "last_name", "title", "email", "phone", "company", "website", "company_size",
    "industry", "country", "subdivision", "postal_code", "street", "city", "domain",
    "company_key", "person_key", "campaign", "external_id", "external_source",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class LeadRow:
    """A new lead as the database stores it (``LEAD_COLUMNS``' values) and its ``created``
    event's ``after``, as JSON text: built by ``lead_row_build`` without a model instance or a
    connection (an import builds them in a second process), written by ``leads_rows_insert``."""

    values: tuple[Any, ...]
    status: str
    event_after: str


@dataclass(frozen=True)
class RowContext:
    """What every row of a batch shares: the program, the criteria version and the moment,
    each already as the database takes it (small: it travels with each chunk of an import)."""

    program_id: int
    now: datetime
    now_db: Any
    template: tuple[Any, ...]
    version_id: int | None
    version_number: int | None


def row_context(*, program: Program, published: PublishedCriteria, now: datetime) -> RowContext:
    """The shared part of a batch of new leads' rows (read once, before the rows are built)."""
    template = [
        None if isinstance(f, JSONField) else db_value(Lead, f.name, f.get_default())
        for f in _lead_fields()
    ]  # every JSON column is written by ``lead_row_build`` itself
    version = published.version
    return RowContext(
        program_id=program.pk,
        now=now,
        now_db=db_value(Lead, "created_at", now),
        template=tuple(template),
        version_id=version.pk if version is not None else None,
        version_number=version.number if version is not None else None,
    )


@cache
def _lead_fields() -> tuple[Any, ...]:
    return tuple(f for f in Lead._meta.concrete_fields if not f.primary_key)


@cache
def _position(name: str) -> int:
    return next(i for i, f in enumerate(_lead_fields()) if f.name == name)


#: JSON text of a qualification's explanation, per result (results are shared by every lead
#: with the same answers: ``core.qualification``), kept with the result it was made for.
_EXPLAINED: dict[int, tuple[Qualification, str]] = {}


def _explanation_text(result: Qualification) -> str:
    found = _EXPLAINED.get(id(result))
    if found is not None and found[0] is result:
        return found[1]
    text = json.dumps(list(result.explanation))
    if len(_EXPLAINED) > 50_000:
        _EXPLAINED.clear()
    _EXPLAINED[id(result)] = (result, text)
    return text


def lead_row_build(
    *, context: RowContext, published: PublishedCriteria, data: LeadInput
) -> LeadRow:
    """The row ``leads_create_bulk`` would store for ``data``, qualified with the published
    criteria at the context's moment; needs no database (the answers are parsed once)."""
    parsed = parse_answers(published.criteria, data.answers)
    answers = answers_jsonable(parsed)
    result = qualify(
        published.criteria,
        parsed,
        profile=data.profile,
        now=context.now,
        criteria_version=published.number,
    )
    values = list(context.template)
    for name in _COPIED:
        values[_position(name)] = getattr(data, name)
    channel, inquiry = str(data.channel), str(data.inquiry_type)
    rating = result.rating.value if result.rating else None
    profile_text, answers_text = json.dumps(data.profile), json.dumps(answers)
    bant = result.bant
    stage = result.stage.value
    for name, value in (
        ("program", context.program_id),
        ("status", LeadStatus.NEW.value),
        ("channel", channel),
        ("inquiry_type", inquiry),
        ("profile", profile_text),
        ("answers", answers_text),
        ("warnings", json.dumps(data.warnings)),
        ("bant_budget", bant.budget),
        ("bant_authority", bant.authority),
        ("bant_need", bant.need),
        ("bant_timeframe", bant.timeframe),
        ("stage", stage),
        ("rating", rating),
        ("score", result.score),
        ("explanation", _explanation_text(result)),
        ("criteria_version", context.version_id),
        ("qualified_at", context.now_db),
        ("created_at", context.now_db),
        ("updated_at", context.now_db),
    ):
        values[_position(name)] = value
    after = (
        f'{{"channel": {json.dumps(channel)}, "campaign": {json.dumps(data.campaign)}, '
        f'"answers": {answers_text}, "profile": {profile_text}, '
        f'"bant_budget": {_json_bool(bant.budget)}, '
        f'"bant_authority": {_json_bool(bant.authority)}, '
        f'"bant_need": {_json_bool(bant.need)}, "bant_timeframe": {_json_bool(bant.timeframe)}, '
        f'"stage": {json.dumps(stage)}, "rating": {json.dumps(rating)}, '
        f'"score": {json.dumps(result.score)}, '
        f'"criteria_version": {json.dumps(context.version_number)}}}'
    )
    return LeadRow(values=tuple(values), status=LeadStatus.NEW.value, event_after=after)


def _json_bool(value: bool) -> str:
    return "true" if value else "false"


@dataclass(frozen=True)
class RowsInserted:
    lead_ids: list[int]
    event_ids: list[int]


def leads_rows_insert(
    *, now: datetime, rows: Sequence[LeadRow], actor: User | None
) -> RowsInserted:
    """Write built rows as new leads with their ``created`` events (``leads_create_bulk``'s
    result, from plain rows: ``COPY`` on PostgreSQL, ``executemany`` on SQLite), inside the
    caller's transaction; the leads' and the events' ids, in the rows' order."""
    lead_ids = rows_add(Lead, LEAD_COLUMNS, [row.values for row in rows])
    actor_id = actor.pk if actor is not None else None
    head = (EventKind.CREATED.value, "", actor_id, db_value(LeadEvent, "at", now), "")
    event_ids = rows_add(
        LeadEvent,
        (*_EVENT_COLUMNS, *_EVENT_TAIL),
        [
            (lead_id, *head, row.status, "{}", row.event_after, "")
            for lead_id, row in zip(lead_ids, rows, strict=True)
        ],
    )
    announce("leads.history_recorded", lead_ids=lead_ids)
    return RowsInserted(lead_ids=lead_ids, event_ids=event_ids)
