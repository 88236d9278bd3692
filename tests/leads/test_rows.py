"""The set-based writers store values exactly as the ORM's own save would."""

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.db import connection

from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.services import LeadInput, leads_create_bulk, leads_merge_bulk
from leadflow.leads.services.create import (
    LEAD_COLUMNS,
    lead_row_build,
    leads_rows_insert,
    row_context,
)
from leadflow.lib.rows import Joined, row_update_linked, rows_add, rows_insert, rows_update
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_published_criteria
from tests.conftest import NOW


def test_inserted_rows_read_back_equal_to_what_was_written(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(program)
    event = LeadEvent(
        lead=lead,
        kind=EventKind.NOTE,
        at=NOW + timedelta(microseconds=7),
        after={"nested": {"list": [1, 2.5, None, "é"]}},
        reason="from the bulk path",
    )
    rows_insert([event])
    stored = LeadEvent.objects.get(pk=event.pk)
    assert (stored.at, stored.after, stored.reason, stored.actor) == (
        event.at,
        event.after,
        "from the bulk path",
        None,
    )


def test_updated_rows_change_only_the_named_fields(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(program)
    lead.profile = {"budget_cycle": "Q3"}
    lead.next_call_at = NOW + timedelta(days=1)
    lead.company = "not written"
    rows_update([lead], ["profile", "next_call_at"])
    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.profile, stored.next_call_at) == ({"budget_cycle": "Q3"}, lead.next_call_at)
    assert stored.company == "Analytical Engines Ltd"


def test_bulk_created_and_merged_leads_have_their_events(program: Program) -> None:
    published = program_published_criteria(program=program)
    (lead,) = leads_create_bulk(
        program=program,
        items=[LeadInput(email="ada@example.com", answers={"timeframe_months": 12})],
        actor=None,
        now=NOW,
        published=published,
    )
    later = NOW + timedelta(hours=1)
    leads_merge_bulk(
        items=[
            (lead.pk, LeadInput(phone="+14155550100", answers={"need": "identified"}), "e-mail"),
            (lead.pk, LeadInput(answers={"timeframe_months": 2}), "e-mail"),
        ],
        actor=None,
        now=later,
        published=published,
    )
    lead.refresh_from_db()
    assert (lead.status, lead.phone, lead.rating) == (LeadStatus.NEW, "+14155550100", "hot")
    assert lead.answers == {"timeframe_months": 2, "need": "identified"}
    kinds = list(lead.events.values_list("kind", flat=True))
    assert kinds == ["created", "merged", "merged", "qualified"]
    assert lead.events.latest("id").after["rating"] == "hot"


def _stored(lead: Lead) -> dict[str, object]:
    skipped = {"id", "created_at", "updated_at", "qualified_at"}
    return {
        f.attname: getattr(lead, f.attname)
        for f in Lead._meta.concrete_fields
        if f.attname not in skipped
    }


def test_a_lead_written_from_its_plain_row_is_the_lead_the_bulk_create_stores(
    program: Program,
) -> None:
    """The import's row path (``lead_row_build`` + ``leads_rows_insert``) stores every column
    and the ``created`` event exactly as ``leads_create_bulk`` does."""
    published = program_published_criteria(program=program)
    data = LeadInput(
        email="ada@example.com",
        first_name="Ada",
        company="Acme",
        answers={"timeframe_months": 3, "budget": "approved", "authority": "decision_maker"},
        profile={"Booth": "B7", "nested": {"é": [1, 2.5, None]}},
        warnings=[{"field": "phone", "value": "12", "reason": "too short"}],
        external_id="EXT-1",
    )
    (reference,) = leads_create_bulk(
        program=program, items=[data], actor=None, now=NOW, published=published
    )
    context = row_context(program=program, published=published, now=NOW)
    row = lead_row_build(
        context=context, published=published, data=replace(data, external_id="EXT-2")
    )
    written = leads_rows_insert(now=NOW, rows=[row], actor=None)
    (lead_id,), (event_id,) = written.lead_ids, written.event_ids
    copy = Lead.objects.get(pk=lead_id)
    expected = {**_stored(Lead.objects.get(pk=reference.pk)), "external_id": "EXT-2"}
    assert _stored(copy) == expected
    assert (copy.created_at, copy.updated_at, copy.qualified_at) == (NOW, NOW, NOW)
    first = LeadEvent.objects.get(lead_id=reference.pk)
    event = LeadEvent.objects.get(pk=event_id)
    assert (event.lead_id, event.kind, event.at, event.to_status, event.actor_id) == (
        lead_id,
        EventKind.CREATED,
        NOW,
        LeadStatus.NEW,
        None,
    )
    assert (event.before, event.after) == (first.before, first.after)


def test_plain_rows_take_keys_never_given_before(program: Program) -> None:
    """``rows_add`` reserves keys above every key the table ever gave, on SQLite too, where
    it takes them itself: a deleted last row's key is not given again."""
    published = program_published_criteria(program=program)
    context = row_context(program=program, published=published, now=NOW)
    rows = [
        lead_row_build(context=context, published=published, data=LeadInput(email=f"{n}@x.org"))
        for n in range(3)
    ]
    first = rows_add(Lead, LEAD_COLUMNS, [row.values for row in rows[:2]])
    assert first == sorted(first)
    assert len(set(first)) == 2
    Lead.objects.filter(pk=first[-1]).delete()
    (again,) = rows_add(Lead, LEAD_COLUMNS, [rows[2].values])
    assert again > first[-1]
    assert Lead.objects.get(pk=again).email == "2@x.org"


def test_one_lead_s_update_and_its_events_read_back_as_written(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(program)
    lead.title = "Countess"
    lead.profile = {"environment": "cloud", "nested": [1, None]}
    lead.updated_at = NOW + timedelta(microseconds=9)
    events = [
        LeadEvent(lead=lead, kind=EventKind.NOTE, at=NOW, after={"n": n}, reason=f"e{n}")
        for n in range(2)
    ]
    returned: list[Any] = []
    also = Joined(
        "INSERT INTO reports_pendinglead (lead_id) VALUES (%s) RETURNING lead_id",
        [lead.pk],
        returned.append,
    )
    one_statement = row_update_linked(
        lead, ["title", "profile", "updated_at"], events, "lead", also=[also]
    )
    assert one_statement == (connection.vendor == "postgresql")
    # ``also`` runs with the write on PostgreSQL only; elsewhere the caller writes its own.
    assert returned == ([lead.pk] if one_statement else [])
    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.title, stored.profile, stored.updated_at) == (
        "Countess",
        {"environment": "cloud", "nested": [1, None]},
        NOW + timedelta(microseconds=9),
    )
    assert [e.pk for e in events] == sorted(e.pk for e in events)
    assert list(
        LeadEvent.objects.filter(pk__in=[e.pk for e in events])
        .order_by("id")
        .values_list("reason", "after")
    ) == [("e0", {"n": 0}), ("e1", {"n": 1})]
