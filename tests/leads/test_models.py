"""LeadEvent is append-only: history is written once and never changed or removed."""

from collections.abc import Callable

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.db.models.deletion import ProtectedError

from leadflow.leads.models import AppendOnlyError, Lead, LeadEvent
from leadflow.programs.models import Program


def test_a_saved_event_cannot_be_saved_again(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    event = make_lead(program).events.get()
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert LeadEvent.objects.get(pk=event.pk).reason == ""


def test_events_cannot_be_updated_through_the_queryset(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    make_lead(program)
    with pytest.raises(AppendOnlyError):
        LeadEvent.objects.update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        LeadEvent.objects.filter(kind="created").update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        LeadEvent.objects.bulk_update(list(LeadEvent.objects.all()), ["reason"])


def test_events_cannot_be_deleted_one_by_one_or_in_bulk(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    event = make_lead(program).events.get()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        LeadEvent.objects.all().delete()
    assert LeadEvent.objects.count() == 1


def test_deleting_a_lead_with_history_is_refused(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(program)
    with pytest.raises(ProtectedError):
        lead.delete()
    assert LeadEvent.objects.filter(lead=lead).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgresql_refuses_raw_updates_and_deletes_of_events(
    program: Program, make_lead: Callable[..., Lead]
) -> None:
    make_lead(program)
    for sql in ("UPDATE leads_leadevent SET reason = 'x'", "DELETE FROM leads_leadevent"):
        with (
            pytest.raises((InternalError, IntegrityError), match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert LeadEvent.objects.count() == 1
