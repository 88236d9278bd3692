"""Merging a new inquiry into the existing lead it matched (intake de-duplication): one, or many
at once for imports."""

from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.module_loading import import_string

from leadflow.accounts.models import User
from leadflow.config import leads as extensions
from leadflow.core.merge import fields_merge
from leadflow.core.qualification import EngagementEvent, parse_answers
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.services.create import LeadInput
from leadflow.leads.services.create_one import HISTORY_RECORDED
from leadflow.leads.services.history import event_build, events_record
from leadflow.leads.services.qualify import (
    REQUALIFIED_FIELDS,
    answers_jsonable,
    lead_engagement,
    lead_predictions,
    leave_nurture,
    nurture_leavers,
    requalified,
)
from leadflow.leads.services.transitions import lockable
from leadflow.lib.compiled import Compiled, compiled_once
from leadflow.lib.events import announce, announce_joined, joined_statements
from leadflow.lib.rows import Joined, row_update_linked, rows_update
from leadflow.programs.selectors import PublishedCriteria, program_published_criteria

#: Contact and company fields a merge may fill in when the existing lead has them blank.
MERGE_FILLABLE = (
    "first_name",
    "last_name",
    "title",
    "email",
    "phone",
    "company",
    "website",
    "company_size",
    "industry",
    "country",
    "subdivision",
    "postal_code",
    "street",
    "city",
    "domain",
    "company_key",
    "person_key",
    "campaign",
    "external_id",
    "external_source",
)


#: Matching keys derived from other fields: their differences are those of the fields.
_DERIVED = frozenset({"domain", "company_key", "person_key"})

MERGE_UPDATE_FIELDS = (
    *MERGE_FILLABLE,
    "answers",
    "profile",
    "warnings",
    "updated_at",
    *REQUALIFIED_FIELDS,
)


def lead_merge(
    *,
    lead: Lead,
    data: LeadInput,
    match: str,
    actor: User | None,
    now: datetime,
    published: PublishedCriteria | None = None,
    also: Callable[[Lead], Joined] | None = None,
) -> Lead:
    """Merge a new inquiry into the existing lead it matched (intake de-duplication).

    The existing lead keeps its contact and company values and its profile attributes, and
    gains those it lacked (the core's ``fields_merge``: incoming values that differ from kept
    ones are recorded in the event's ``after["differing"]``, the profile's under "profile", never
    applied); new answers are added (a new answer to the same question replaces the old one,
    being the more recent: the newest inquiry re-qualifies); the lead is re-qualified. The
    ``merged`` event keeps everything that came in, so nothing of the second inquiry is lost.

    Only ``lead.pk`` is read: the lead is read again under its row lock (with its engagement,
    in the same statement on PostgreSQL). In the caller's transaction (one of its own when
    there is none), without a savepoint; on PostgreSQL the update, its ``merged`` and
    ``qualified`` events and what the in-transaction subscribers of ``leads.history_recorded``
    add are one statement (issue 18, item 5). ``also`` gives, for the merged lead as it will be
    written, a statement of the caller's own to join to that one (the API's record of the
    request's ``Idempotency-Key`` with its answer); it is not asked when the lead leaves
    nurture with the merge (the answer is known only after that step) nor off PostgreSQL, and
    the caller then writes its record itself. Returns the merged lead as written.
    """
    with transaction.atomic(savepoint=False):
        given = lead
        lead, engagement = _locked_with_engagement(lead.pk)
        # The caller's program (the capture's, read with its criteria) spares a read of it.
        if Lead.program.is_cached(given) and given.program_id == lead.program_id:
            lead.program = given.program
        published = published or program_published_criteria(program=lead.program)
        read = {name: getattr(lead, attname) for name, attname in _MERGE_ATTNAMES}
        merged = _merge_into(lead, data, match, published, actor, now)
        # The predicted chance: read only when the criteria have a prediction rule (none else).
        predicted = lead_predictions([lead.pk], published).get(lead.pk)
        qualified = requalified(lead, published, actor, now, engagement, predicted)
        # Only the columns the merge changed: a shorter statement, whose text psycopg keeps.
        written = [
            name
            for name, attname in _MERGE_ATTNAMES
            if name == "updated_at" or getattr(lead, attname) != read[name]
        ]
        joined = joined_statements(HISTORY_RECORDED, "new_rows")
        own = (
            [also(lead)]
            if also is not None
            and connection.vendor == "postgresql"
            and not nurture_leavers([qualified])
            else []
        )
        if row_update_linked(lead, written, [merged, qualified], "lead", joined, also=own):
            announce_joined(HISTORY_RECORDED, lead_ids=[lead.pk])
        else:
            announce(HISTORY_RECORDED, lead_ids=[lead.pk])
        leave_nurture([qualified], actor, now)
        announce("leads.merged", lead_ids=[lead.pk], statuses=[str(lead.status)], now=now)
    return lead


@cache
def _engagement_columns() -> list[tuple[Any, Callable[[Any], list[EngagementEvent]]]]:
    """The engagement sources' columns, built once per process."""
    return [import_string(path)() for path in extensions.LEAD_ENGAGEMENT_COLUMNS]


#: The columns a merge may write, as (field name, attribute name); ``updated_at`` is always
#: written (a merge at the same instant as the last change changes no other column).
_MERGE_ATTNAMES = tuple(
    (name, Lead._meta.get_field(name).attname)  # type: ignore[union-attr]
    for name in MERGE_UPDATE_FIELDS
)

#: ``_locked_with_engagement``'s query, compiled once (``lib.compiled``).
_LOCKED: dict[Hashable, Compiled] = {}
_LEAD_MARKER = -918_273_645


def _locked_with_engagement(lead_id: int) -> tuple[Lead, list[EngagementEvent]]:
    """The lead under its row lock (``lockable``) and its engagement events: one statement on
    PostgreSQL (the sources' columns, ``config/leads.py`` ``LEAD_ENGAGEMENT_COLUMNS``),
    compiled once; elsewhere the lead, then ``lead_engagement``."""
    if connection.vendor != "postgresql":
        lead = lockable().get(pk=lead_id)
        return lead, lead_engagement([lead.pk]).get(lead.pk, [])
    columns = _engagement_columns()

    def build(*, lead_id: int) -> QuerySet[Lead]:
        annotations = {f"_engagement_{n}": column for n, (column, _) in enumerate(columns)}
        return lockable().filter(pk=lead_id).annotate(**annotations)

    compiled = compiled_once(_LOCKED, "lead", build, {"lead_id": _LEAD_MARKER})
    (lead,) = compiled.run(lead_id=lead_id)
    engagement: list[EngagementEvent] = []
    for n, (_, read) in enumerate(columns):
        engagement.extend(read(getattr(lead, f"_engagement_{n}") or []))
        delattr(lead, f"_engagement_{n}")
    return lead, engagement


@transaction.atomic
def leads_merge_bulk(
    *,
    items: Sequence[tuple[int, LeadInput, str]],
    actor: User | None,
    now: datetime,
    published: PublishedCriteria,
) -> int:
    """``lead_merge`` for many inquiries at once (imports): ``items`` are (lead id, inquiry,
    why it matched), applied in order, so a lead matched twice takes both. One locked read,
    one bulk UPDATE and one INSERT of events instead of six queries per inquiry."""
    leads = lockable().in_bulk({lead_id for lead_id, _, _ in items})
    events = [
        _merge_into(leads[lead_id], data, match, published, actor, now)
        for lead_id, data, match in items
    ]
    touched = {lead_id: leads[lead_id] for lead_id, _, _ in items}
    engagement = lead_engagement(list(touched))
    predicted = lead_predictions(list(touched), published)
    qualified = [
        requalified(
            lead, published, actor, now, engagement.get(lead.pk, []), predicted.get(lead.pk)
        )
        for lead in touched.values()
    ]
    rows_update(list(touched.values()), MERGE_UPDATE_FIELDS)
    events_record([*events, *qualified])
    leave_nurture(qualified, actor, now)
    announce(
        "leads.merged",
        lead_ids=list(touched),
        statuses=[str(lead.status) for lead in touched.values()],
        now=now,
    )
    return len(items)


def _merge_into(
    lead: Lead,
    data: LeadInput,
    match: str,
    published: PublishedCriteria,
    actor: User | None,
    now: datetime,
) -> LeadEvent:
    """Apply an inquiry to the lead in memory; the unsaved ``merged`` event says what changed."""
    incoming_answers = answers_jsonable(parse_answers(published.criteria, data.answers))
    before: dict[str, Any] = {}
    changed: dict[str, Any] = {}
    fields = fields_merge(
        {name: getattr(lead, name) for name in MERGE_FILLABLE},
        {name: getattr(data, name) for name in MERGE_FILLABLE},
        MERGE_FILLABLE,
    )
    for name, value in fields.filled.items():
        before[name] = getattr(lead, name)
        changed[name] = value
        setattr(lead, name, value)
    if incoming_answers:
        before["answers"] = dict(lead.answers)
        lead.answers = {**lead.answers, **incoming_answers}
        changed["answers"] = lead.answers
    differing = {name: value for name, value in fields.differing.items() if name not in _DERIVED}
    if data.profile:
        # Profile attributes follow the fields' rule: a kept value is not replaced.
        attributes = fields_merge(lead.profile, data.profile, data.profile)
        if attributes.differing:
            differing["profile"] = attributes.differing
        if attributes.filled:
            before["profile"] = dict(lead.profile)
            lead.profile = {**lead.profile, **attributes.filled}
            changed["profile"] = lead.profile
    if data.warnings:
        # What intake could not use of this inquiry is added to the lead's list (issue 12).
        before["warnings"] = list(lead.warnings)
        lead.warnings = [*lead.warnings, *data.warnings]
        changed["warnings"] = lead.warnings
    lead.updated_at = now
    incoming = {
        name: getattr(data, name)
        for name in (*MERGE_FILLABLE, "channel", "inquiry_type")
        if getattr(data, name)
    }
    return event_build(
        lead=lead,
        kind=EventKind.MERGED,
        actor=actor,
        now=now,
        before=before,
        after={
            "incoming": {**incoming, "answers": incoming_answers, "profile": data.profile},
            "changed": changed,
            "differing": differing,
        },
        reason=match,
    )
