"""The bulk services of the lead list: lifecycle checks, events, skipped leads, owners."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from leadflow.accounts.models import Role, User
from leadflow.core.errors import InputError
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.selectors.lists import leads_picked
from leadflow.leads.services import lead_transition
from leadflow.leads.services.bulk import (
    BulkNotAllowed,
    leads_bulk_assign_owner,
    leads_bulk_export_record,
    leads_bulk_set_campaign,
    leads_bulk_transition,
)
from leadflow.programs.models import Program
from tests.conftest import NOW


@pytest.fixture
def manager(make_user: Callable[..., User], program: Program) -> User:
    return make_user(Role.MANAGER, programs=(program,))


def test_transition_moves_allowed_leads_and_skips_the_rest(
    program: Program, make_lead: Callable[..., Lead], manager: User
) -> None:
    movable = [make_lead(program, external_id=f"m{n}") for n in range(3)]
    stuck = [make_lead(program, external_id=f"s{n}") for n in range(2)]
    for lead in stuck:
        lead_transition(lead=lead, action=Action.SUBMIT_FOR_REVIEW, actor=None, now=NOW)
    result = leads_bulk_transition(
        leads=Lead.objects.all(), action=Action.NURTURE, actor=manager, now=NOW
    )
    assert sorted(result.changed) == sorted(lead.pk for lead in movable)
    assert sorted(result.skipped) == sorted(lead.pk for lead in stuck)
    assert result.message == (
        "3 moved to nurture, 2 skipped: a lead that is in_review cannot nurture (2)"
    )
    assert Lead.objects.filter(status=LeadStatus.NURTURING).count() == 3
    assert Lead.objects.filter(status=LeadStatus.IN_REVIEW).count() == 2


def test_transition_writes_one_status_event_per_moved_lead(
    program: Program, make_lead: Callable[..., Lead], manager: User
) -> None:
    lead = make_lead(program)
    leads_bulk_transition(leads=Lead.objects.all(), action=Action.DEAD_FILE, actor=manager, now=NOW)
    event = LeadEvent.objects.get(kind=EventKind.STATUS_CHANGED)
    assert (event.lead_id, event.action, event.actor) == (lead.pk, "dead_file", manager)
    assert (event.from_status, event.to_status) == ("new", "dead_file")
    assert event.before == {"status": "new"}
    assert event.after == {"status": "dead_file"}
    lead.refresh_from_db()
    assert lead.status == LeadStatus.DEAD_FILE
    assert lead.updated_at == NOW


def test_skipped_leads_get_no_event(
    program: Program, make_lead: Callable[..., Lead], manager: User
) -> None:
    lead = make_lead(program)
    lead_transition(lead=lead, action=Action.DEAD_FILE, actor=None, now=NOW)
    before = LeadEvent.objects.count()
    result = leads_bulk_transition(
        leads=Lead.objects.all(), action=Action.DEAD_FILE, actor=manager, now=NOW
    )
    assert result.changed == []
    assert (
        result.message
        == "0 moved to the dead file, 1 skipped: a lead that is dead_file cannot dead file"
    )
    assert LeadEvent.objects.count() == before


def test_roles_without_the_action_are_refused(
    program: Program, make_lead: Callable[..., Lead], make_user: Callable[..., User]
) -> None:
    make_lead(program)
    qualifier = make_user(Role.QUALIFIER, programs=(program,))
    with pytest.raises(BulkNotAllowed):
        leads_bulk_transition(
            leads=Lead.objects.all(), action=Action.NURTURE, actor=qualifier, now=NOW
        )
    assert Lead.objects.get().status == LeadStatus.NEW


def test_assign_owner_sets_the_owner_with_an_event(
    program: Program,
    other_program: Program,
    make_lead: Callable[..., Lead],
    make_user: Callable[..., User],
    manager: User,
) -> None:
    qualifier = make_user(Role.QUALIFIER, programs=(program,))
    mine = make_lead(program)
    foreign = make_lead(other_program)
    closed = make_lead(program, external_id="closed")
    lead_transition(lead=closed, action=Action.DEAD_FILE, actor=None, now=NOW)
    result = leads_bulk_assign_owner(
        leads=Lead.objects.all(), owner=qualifier, actor=manager, now=NOW
    )
    assert result.changed == [mine.pk]
    assert result.skipped == {
        foreign.pk: f"{qualifier.username} does not work that program",
        closed.pk: "a lead that is dead_file cannot be assigned",
    }
    mine.refresh_from_db()
    assert mine.owner == qualifier
    event = LeadEvent.objects.get(kind=EventKind.OWNER_CHANGED)
    assert (event.lead_id, event.actor) == (mine.pk, manager)
    assert event.before == {"owner": None}
    assert event.after == {"owner": qualifier.pk}


def test_assigning_the_same_owner_again_changes_nothing(
    program: Program, make_lead: Callable[..., Lead], make_user: Callable[..., User], manager: User
) -> None:
    qualifier = make_user(Role.QUALIFIER, programs=(program,))
    make_lead(program)
    leads_bulk_assign_owner(leads=Lead.objects.all(), owner=qualifier, actor=manager, now=NOW)
    result = leads_bulk_assign_owner(
        leads=Lead.objects.all(), owner=qualifier, actor=manager, now=NOW
    )
    assert result.changed == []
    assert LeadEvent.objects.filter(kind=EventKind.OWNER_CHANGED).count() == 1


def test_owner_must_be_an_active_qualifier(
    program: Program, make_lead: Callable[..., Lead], manager: User
) -> None:
    make_lead(program)
    with pytest.raises(BulkNotAllowed):
        leads_bulk_assign_owner(leads=Lead.objects.all(), owner=manager, actor=manager, now=NOW)


def test_marketers_may_not_assign_owners(
    program: Program, make_lead: Callable[..., Lead], make_user: Callable[..., User]
) -> None:
    make_lead(program)
    marketer = make_user(Role.MARKETER, programs=(program,))
    qualifier = make_user(Role.QUALIFIER, programs=(program,))
    with pytest.raises(BulkNotAllowed):
        leads_bulk_assign_owner(leads=Lead.objects.all(), owner=qualifier, actor=marketer, now=NOW)


def test_set_campaign_moves_the_leads_skips_those_already_there_and_records_each(
    program: Program, make_lead: Callable[..., Lead], make_user: Callable[..., User]
) -> None:
    marketer = make_user(Role.MARKETER, programs=(program,))
    moved = make_lead(program, external_id="m", campaign="WEB-1")
    there = make_lead(program, external_id="t", campaign="EVT-2")
    result = leads_bulk_set_campaign(
        leads=Lead.objects.all(), campaign="EVT-2", actor=marketer, now=NOW
    )
    assert result.changed == [moved.pk]
    assert (
        result.message == "1 moved to the campaign EVT-2, 1 skipped: already in the campaign EVT-2"
    )
    event = LeadEvent.objects.get(kind=EventKind.UPDATED, action="set_campaign")
    assert (event.lead_id, event.actor, event.before, event.after) == (
        moved.pk,
        marketer,
        {"campaign": "WEB-1"},
        {"campaign": "EVT-2"},
    )
    moved.refresh_from_db()
    assert (moved.campaign, moved.updated_at) == ("EVT-2", NOW)
    assert not LeadEvent.objects.filter(lead=there, action="set_campaign").exists()


@pytest.mark.parametrize("campaign", ["", "   ", "X" * 101])
def test_set_campaign_refuses_an_empty_or_too_long_code(
    program: Program, make_lead: Callable[..., Lead], manager: User, campaign: str
) -> None:
    lead = make_lead(program, campaign="WEB-1")
    with pytest.raises(InputError):
        leads_bulk_set_campaign(leads=Lead.objects.all(), campaign=campaign, actor=manager, now=NOW)
    lead.refresh_from_db()
    assert lead.campaign == "WEB-1"


def test_qualifiers_may_not_set_campaigns_or_export(
    program: Program, make_lead: Callable[..., Lead], make_user: Callable[..., User]
) -> None:
    make_lead(program)
    qualifier = make_user(Role.QUALIFIER, programs=(program,))
    with pytest.raises(BulkNotAllowed):
        leads_bulk_set_campaign(leads=Lead.objects.all(), campaign="X", actor=qualifier, now=NOW)
    with pytest.raises(BulkNotAllowed):
        leads_bulk_export_record(leads=Lead.objects.all(), actor=qualifier, now=NOW)
    assert not LeadEvent.objects.filter(kind__in=[EventKind.UPDATED, EventKind.EXPORTED]).exists()


def test_export_records_who_took_each_lead_and_changes_none(
    program: Program, make_lead: Callable[..., Lead], manager: User
) -> None:
    first, second = make_lead(program, external_id="1"), make_lead(program, external_id="2")
    later = NOW + timedelta(hours=1)
    exported = leads_bulk_export_record(leads=Lead.objects.all(), actor=manager, now=later)
    assert exported == [first.pk, second.pk]
    events = LeadEvent.objects.filter(kind=EventKind.EXPORTED)
    assert {(e.lead_id, e.actor, e.at) for e in events} == {
        (first.pk, manager, later),
        (second.pk, manager, later),
    }
    first.refresh_from_db()
    assert first.updated_at != later


def test_picked_leads_are_all_in_scope_or_refused(
    program: Program,
    other_program: Program,
    make_lead: Callable[..., Lead],
    manager: User,
) -> None:
    mine = make_lead(program, external_id="mine")
    theirs = make_lead(other_program, external_id="theirs")
    assert list(leads_picked(user=manager, lead_ids=[mine.pk, mine.pk])) == [mine]
    with pytest.raises(InputError, match="1 of the 2 selected leads is not in your programs"):
        leads_picked(user=manager, lead_ids=[mine.pk, theirs.pk])
    with pytest.raises(InputError, match="Select at least one lead"):
        leads_picked(user=manager, lead_ids=[])
