"""A pushed-back lead returns to its qualifier: first in their queue, flagged with the reason,
not handed to other qualifiers; the workspace shows the reason and the reviewer's note."""

from datetime import timedelta

from django.test import Client

from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.leads.models import Lead
from leadflow.leads.selectors.queue import queue_leads, queue_pushed_back
from leadflow.leads.services import LeadInput, lead_create
from leadflow.leads.services.queue import lead_finish, lead_queue_next, lead_release
from leadflow.programs.models import Program
from leadflow.review.services import lead_push_back
from tests.conftest import NOW
from tests.review.conftest import HOT, SubmitLead, Team, at

LATER = NOW + timedelta(hours=3)


def _pushed_back(team: Team, program: Program, submit_lead: SubmitLead, **fields: object) -> Lead:
    lead = submit_lead(program, team.qualifier, answers={"timeframe_months": 8}, **fields)
    return lead_push_back(
        lead=lead,
        reviewer=team.reviewer,
        reason="Contact details wrong",
        note="The phone number is the switchboard's.",
        now=at(30),
    )


def _fresh_hot(program: Program) -> Lead:
    return lead_create(
        program=program, data=LeadInput(first_name="New", answers=HOT), actor=None, now=at(40)
    )


def test_a_pushed_back_lead_comes_first_in_its_qualifiers_queue(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    pushed = _pushed_back(team, program, submit_lead)
    hot = _fresh_hot(program)
    order = list(queue_leads(user=team.qualifier, now=LATER).values_list("pk", flat=True))
    assert order == [pushed.pk, hot.pk]
    assert lead_queue_next(user=team.qualifier, now=LATER) == pushed


def test_the_oldest_push_back_comes_first(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    first = _pushed_back(team, program, submit_lead)
    second = submit_lead(program, team.qualifier)
    lead_push_back(
        lead=second, reviewer=team.reviewer, reason="Wrong contact", note="x", now=at(60)
    )
    order = list(queue_leads(user=team.qualifier, now=LATER).values_list("pk", flat=True))
    assert order == [first.pk, second.pk]


def test_other_qualifiers_are_not_given_a_lead_pushed_back_to_someone_else(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    pushed = _pushed_back(team, program, submit_lead)
    hot = _fresh_hot(program)
    assert list(queue_leads(user=team.other_qualifier, now=LATER)) == [hot]
    assert lead_queue_next(user=team.other_qualifier, now=LATER) == hot
    lead_release(lead=hot, user=team.other_qualifier, now=LATER)
    assert list(queue_pushed_back(user=team.other_qualifier)) == []
    assert list(queue_pushed_back(user=team.qualifier)) == [pushed]


def test_the_owner_is_the_qualifier_a_pushed_back_lead_returns_to(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    pushed = _pushed_back(team, program, submit_lead)
    Lead.objects.filter(pk=pushed.pk).update(owner=team.other_qualifier)
    assert list(queue_pushed_back(user=team.other_qualifier)) == [pushed]
    assert list(queue_pushed_back(user=team.qualifier)) == []
    assert lead_queue_next(user=team.qualifier, now=LATER) is None
    assert lead_queue_next(user=team.other_qualifier, now=LATER) == pushed


def test_the_queue_page_shows_the_pushed_back_lead_flagged_with_its_reason(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    pushed = _pushed_back(team, program, submit_lead, first_name="Grace", last_name="Hopper")
    client.force_login(team.qualifier)
    page = client.get("/queue/").content.decode()
    assert "Pushed back to you by QA review" in page
    assert f'href="/leads/{pushed.pk}/">#{pushed.pk} Grace Hopper' in page
    assert "Contact details wrong" in page
    client.force_login(team.other_qualifier)
    assert "Pushed back to you" not in client.get("/queue/").content.decode()


def test_the_workspace_shows_the_reason_and_the_reviewers_note(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    pushed = _pushed_back(team, program, submit_lead)
    client.force_login(team.qualifier)
    page = client.get(f"/leads/{pushed.pk}/").content.decode()
    assert "Pushed back by QA review on" in page
    assert "Contact details wrong — The phone number is the switchboard&#x27;s." in page
    pushed.refresh_from_db()
    assert (pushed.status, pushed.held_by) == (LeadStatus.QUALIFYING, team.qualifier)


def test_submitting_again_removes_the_flag_from_the_queue(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    pushed = _pushed_back(team, program, submit_lead)
    client.force_login(team.qualifier)
    client.get(f"/leads/{pushed.pk}/")
    response = client.post(f"/leads/{pushed.pk}/submit")
    assert response.status_code == 302
    pushed.refresh_from_db()
    assert (pushed.status, pushed.pushed_back_at, pushed.push_back_reason) == (
        LeadStatus.IN_REVIEW,
        None,
        "",
    )
    assert "Pushed back to you" not in client.get("/queue/").content.decode()


def test_sending_a_pushed_back_lead_to_nurture_settles_its_flag(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    pushed = _pushed_back(team, program, submit_lead)
    lead = lead_queue_next(user=team.qualifier, now=LATER)
    assert lead == pushed
    lead = lead_finish(lead=lead, user=team.qualifier, action=Action.NURTURE, now=LATER)
    lead.refresh_from_db()
    assert (lead.status, lead.pushed_back_at, lead.push_back_reason) == (
        LeadStatus.NURTURING,
        None,
        "",
    )
    assert list(queue_pushed_back(user=team.qualifier)) == []


def _pushed_back_without_qualifier(team: Team, program: Program, submit_lead: SubmitLead) -> Lead:
    """A lead in review whose submitter was never recorded (an import or a form put it there)."""
    lead = submit_lead(program, team.qualifier, answers={"timeframe_months": 8})
    Lead.objects.filter(pk=lead.pk).update(submitted_by=None, owner=None)
    lead.refresh_from_db()
    return lead_push_back(
        lead=lead, reviewer=team.reviewer, reason="Wrong contact", note="Ask for Bob.", now=at(30)
    )


def test_a_push_back_with_no_qualifier_comes_first_for_every_qualifier(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    hot = _fresh_hot(program)
    pushed = _pushed_back_without_qualifier(team, program, submit_lead)
    for qualifier in (team.qualifier, team.other_qualifier):
        order = list(queue_leads(user=qualifier, now=LATER).values_list("pk", flat=True))
        assert order == [pushed.pk, hot.pk]
        assert list(queue_pushed_back(user=qualifier)) == [pushed]


def test_push_backs_to_the_qualifier_and_to_nobody_come_first_oldest_first(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    mine = _pushed_back(team, program, submit_lead)
    nobodys = _pushed_back_without_qualifier(team, program, submit_lead)
    Lead.objects.filter(pk=nobodys.pk).update(pushed_back_at=at(10))
    order = list(queue_leads(user=team.qualifier, now=LATER).values_list("pk", flat=True))
    assert order == [nobodys.pk, mine.pk]
    assert list(queue_leads(user=team.other_qualifier, now=LATER)) == [nobodys]


def test_the_queue_page_flags_a_lead_sent_back_with_no_qualifier(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    pushed = _pushed_back_without_qualifier(team, program, submit_lead)
    client.force_login(team.other_qualifier)
    page = client.get("/queue/").content.decode()
    assert '<li data-testid="pushed-back"><span class="flag">Sent back by review</span>' in page
    assert f"#{pushed.pk} Prospect" in page
