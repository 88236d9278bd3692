"""Capturing one inquiry as a new lead in as few statements as the database allows: the API's
``POST /api/v1/leads`` (issue 18, item 5). The same lead, qualification and ``created`` event
as ``lead_create`` (whose helpers it uses); on PostgreSQL the lead, its event and what the
in-transaction subscribers of ``leads.history_recorded`` add (the reports' pending entry) are
one statement, and inside a caller's transaction no savepoint is opened."""

from datetime import datetime

from django.db import transaction

from leadflow.accounts.models import User
from leadflow.core.qualification import parse_answers
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.services.create import LeadInput, _build, _created_snapshot
from leadflow.leads.services.history import event_build
from leadflow.leads.services.qualify import (
    answers_jsonable,
    apply_qualification,
    evaluate_qualification,
)
from leadflow.lib.events import announce, announce_joined, joined_statements
from leadflow.lib.rows import row_insert_linked
from leadflow.programs.models import Program
from leadflow.programs.selectors import PublishedCriteria, program_published_criteria

HISTORY_RECORDED = "leads.history_recorded"


def lead_create_one(
    *,
    program: Program,
    data: LeadInput,
    actor: User | None,
    now: datetime,
    published: PublishedCriteria | None = None,
) -> Lead:
    """``lead_create`` for a capture of one inquiry: the lead, qualified with the program's
    published criteria, and its ``created`` event, in the caller's transaction (one of its
    own when there is none)."""
    published = published or program_published_criteria(program=program)
    lead = _build(
        program, data, answers_jsonable(parse_answers(published.criteria, data.answers)), now
    )
    apply_qualification(lead, evaluate_qualification(lead, published, now), published, now)
    event = event_build(
        lead=lead,
        kind=EventKind.CREATED,
        actor=actor,
        now=now,
        to_status=lead.status,
        after=_created_snapshot(lead),
    )
    with transaction.atomic(savepoint=False):
        joined = joined_statements(HISTORY_RECORDED, "new_rows")
        if row_insert_linked(lead, event, "lead", joined=joined):
            announce_joined(HISTORY_RECORDED, lead_ids=[lead.pk])
        else:
            announce(HISTORY_RECORDED, lead_ids=[lead.pk])
    return lead
