"""The set-based writers store values exactly as the ORM's own save would."""

from collections.abc import Callable
from datetime import timedelta

from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.services import LeadInput, leads_create_bulk, leads_merge_bulk
from leadflow.lib.rows import rows_insert, rows_update
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
