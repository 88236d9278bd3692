"""The review pages: who may use them, the programs with their waiting leads, the batch with
everything a reviewer needs, decisions one by one (HTMX and plain forms), and "approve all
that pass" behind its confirmation."""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils.html import escape
from pytest_django import DjangoAssertNumQueries

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_set_roles
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.leads.models import CallOutcome, EventKind, Lead
from leadflow.programs.models import Program
from tests.review.conftest import FYI, SubmitLead, Team

HTMX = {"HTTP_HX_REQUEST": "true"}


def _batch(client: Client, program: Program) -> str:
    response = client.get(f"/review/{program.slug}/")
    assert response.status_code == 200
    return response.content.decode()


# --- who -------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    response = client.get("/review/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/review/")


@pytest.mark.parametrize("role", ["qualifier", "manager", "marketer", "client_contact", "partner"])
def test_roles_that_do_not_review_are_refused(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead, role: str
) -> None:
    lead = submit_lead(program, team.other_qualifier)
    client.force_login(getattr(team, role))
    assert client.get("/review/").status_code == 403
    assert client.get(f"/review/{program.slug}/").status_code == 403
    assert client.get(f"/review/{program.slug}/approve-passing").status_code == 403
    assert client.post(f"/review/{program.slug}/leads/{lead.pk}/approve").status_code == 403
    assert client.post(f"/review/{program.slug}/leads/{lead.pk}/push-back").status_code == 403
    lead.refresh_from_db()
    assert lead.status == LeadStatus.IN_REVIEW


def test_a_program_outside_the_reviewers_scope_does_not_exist_for_them(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    lead = submit_lead(program, team.qualifier)
    client.force_login(team.foreign_reviewer)
    assert client.get(f"/review/{program.slug}/").status_code == 404
    assert client.post(f"/review/{program.slug}/leads/{lead.pk}/approve").status_code == 404
    assert client.get("/review/no-such-program/").status_code == 404


def test_a_lead_of_another_program_is_not_found_under_this_one(
    client: Client, team: Team, program: Program, other_program: Program, submit_lead: SubmitLead
) -> None:
    foreign = submit_lead(other_program, team.admin)
    client.force_login(team.admin)
    response = client.post(f"/review/{program.slug}/leads/{foreign.pk}/approve")
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == LeadStatus.IN_REVIEW


# --- the programs ------------------------------------------------------------------------------


def test_the_index_lists_the_programs_in_scope_with_waiting_leads_and_oldest_age(
    client: Client, team: Team, program: Program, other_program: Program, submit_lead: SubmitLead
) -> None:
    submit_lead(program, team.qualifier, minutes=0)
    submit_lead(program, team.qualifier, minutes=30)
    client.force_login(team.reviewer)
    page = client.get("/review/").content.decode()
    assert f'href="/review/{program.slug}/"' in page
    assert f'href="/review/{other_program.slug}/"' not in page
    assert re.search(r'data-testid="waiting">2<', page)
    # NOW is in 2026: the longest waiting lead has waited for a while by any real clock.
    assert 'datetime="2026-11-02T14:30:00+00:00"' in page


def test_admins_see_every_program(
    client: Client, team: Team, program: Program, other_program: Program, submit_lead: SubmitLead
) -> None:
    submit_lead(other_program, team.admin)
    client.force_login(team.admin)
    page = client.get("/review/").content.decode()
    assert f'href="/review/{program.slug}/"' in page
    assert f'href="/review/{other_program.slug}/"' in page


# --- the batch ---------------------------------------------------------------------------------


def test_the_batch_shows_each_lead_with_answers_qualification_calls_and_actions(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    lead = submit_lead(
        program, team.qualifier, first_name="Grace", last_name="Hopper", phone="+12025550143"
    )
    client.force_login(team.reviewer)
    page = _batch(client, program)
    assert "<strong>1</strong> lead waiting" in page
    assert "<strong>1</strong> passes every check" in page
    assert f"#{lead.pk} Grace Hopper" in page
    assert "Submitted Monday 2 November 2026" in page
    assert "<dt>Budget</dt><dd>Approved</dd>" in page
    assert "<dt>Authority</dt><dd>Decision maker</dd>" in page
    assert "<dt>Decision time frame (months)</dt><dd>2</dd>" in page
    assert 'data-testid="rating">Hot<' in page
    for line in lead.explanation:
        assert escape(line) in page
    assert "<strong>Connected</strong>" in page
    assert "✓ Passes every check" in page
    assert f'action="/review/{program.slug}/leads/{lead.pk}/approve"' in page
    assert f'action="/review/{program.slug}/leads/{lead.pk}/push-back"' in page
    for reason in program.push_back_reasons:
        assert f'<option value="{escape(reason)}">' in page
    assert f'href="/review/{program.slug}/approve-passing"' in page


def test_the_batch_says_why_a_lead_needs_a_one_by_one_review(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    submit_lead(program, team.qualifier, answers=FYI, outcome=CallOutcome.VOICEMAIL)
    client.force_login(team.reviewer)
    page = _batch(client, program)
    assert "<strong>0</strong> pass every check" in page
    assert "Review one by one:" in page
    assert "<li>Rated FYI: nothing qualifies it yet</li>" in page
    assert "<li>No connected call logged: the answers were not confirmed on a call</li>" in page
    assert "approve-passing" not in page


def test_the_reviewers_own_lead_shows_why_it_has_no_actions(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    user_set_roles(user=team.reviewer, roles=[Role.REVIEWER, Role.QUALIFIER])
    own = submit_lead(program, team.reviewer)
    client.force_login(team.reviewer)
    page = _batch(client, program)
    assert "You submitted this lead; another reviewer must review it." in page
    assert f"/leads/{own.pk}/approve" not in page
    assert "<strong>1</strong> yours" in page
    assert "approve-passing" not in page


def test_the_batch_page_reads_a_fixed_number_of_queries(
    client: Client,
    team: Team,
    program: Program,
    submit_lead: SubmitLead,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for minutes in range(8):
        submit_lead(program, team.qualifier, minutes=minutes)
    client.force_login(team.reviewer)
    # 8, and one for what the apps show beside the ratings (config/ratings.py)
    with django_assert_max_num_queries(9):
        page = _batch(client, program)
    assert page.count('data-testid="review-lead"') == 8


# --- one by one --------------------------------------------------------------------------------


def test_approving_with_htmx_replaces_the_card_and_records_the_reviewer(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    lead = submit_lead(program, team.qualifier)
    client.force_login(team.reviewer)
    response = client.post(f"/review/{program.slug}/leads/{lead.pk}/approve", **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="review-lead-{lead.pk}"' in body
    assert f"Lead #{lead.pk} approved." in body
    lead.refresh_from_db()
    assert lead.status == LeadStatus.APPROVED
    event = lead.events.filter(kind=EventKind.STATUS_CHANGED).latest("id")
    assert (event.action, event.actor) == (Action.APPROVE, team.reviewer)


def test_approving_without_javascript_comes_back_to_the_batch_with_a_message(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    lead = submit_lead(program, team.qualifier)
    client.force_login(team.reviewer)
    response = client.post(f"/review/{program.slug}/leads/{lead.pk}/approve", follow=True)
    assert response.redirect_chain == [(f"/review/{program.slug}/", 302)]
    assert f"Lead #{lead.pk} approved." in response.content.decode()


def test_approving_ones_own_lead_is_refused_and_the_page_says_why(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    user_set_roles(user=team.reviewer, roles=[Role.REVIEWER, Role.QUALIFIER])
    own = submit_lead(program, team.reviewer)
    client.force_login(team.reviewer)
    response = client.post(f"/review/{program.slug}/leads/{own.pk}/approve", **HTMX)
    assert response.status_code == 200
    assert (
        "Not approved: you submitted this lead; another reviewer must review it."
        in response.content.decode()
    )
    response = client.post(f"/review/{program.slug}/leads/{own.pk}/approve", follow=True)
    assert "Not approved: you submitted this lead" in response.content.decode()
    own.refresh_from_db()
    assert own.status == LeadStatus.IN_REVIEW


def test_approving_a_lead_someone_else_just_decided_says_so(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    lead = submit_lead(program, team.qualifier)
    client.force_login(team.other_reviewer)
    client.post(f"/review/{program.slug}/leads/{lead.pk}/approve", **HTMX)
    client.force_login(team.reviewer)
    response = client.post(f"/review/{program.slug}/leads/{lead.pk}/approve", **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Not approved: a lead that is approved cannot approve" in body
    assert "review-decided refused" in body


def test_pushing_back_with_a_reason_and_a_note(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    lead = submit_lead(program, team.qualifier)
    client.force_login(team.reviewer)
    response = client.post(
        f"/review/{program.slug}/leads/{lead.pk}/push-back",
        {f"push-{lead.pk}-reason": "Wrong contact", f"push-{lead.pk}-note": "Ask for Bob."},
        **HTMX,
    )
    assert response.status_code == 200
    assert f"Lead #{lead.pk} pushed back to its qualifier (Wrong contact)." in (
        response.content.decode()
    )
    lead.refresh_from_db()
    assert (lead.status, lead.push_back_reason) == (LeadStatus.QUALIFYING, "Wrong contact")
    event = lead.events.filter(kind=EventKind.STATUS_CHANGED).latest("id")
    assert (event.action, event.actor, event.reason) == (
        Action.PUSH_BACK,
        team.reviewer,
        "Wrong contact — Ask for Bob.",
    )


def test_pushing_back_a_lead_with_no_qualifier_says_where_it_goes(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    lead = submit_lead(program, team.qualifier)
    Lead.objects.filter(pk=lead.pk).update(submitted_by=None, owner=None)
    client.force_login(team.reviewer)
    response = client.post(
        f"/review/{program.slug}/leads/{lead.pk}/push-back",
        {f"push-{lead.pk}-reason": "Wrong contact", f"push-{lead.pk}-note": "Ask for Bob."},
        **HTMX,
    )
    body = response.content.decode()
    assert (
        f"Lead #{lead.pk} pushed back (Wrong contact). No qualifier submitted this lead, so it "
        "goes to the top of the program&#x27;s queue for every qualifier."
    ) in body
    assert "to its qualifier" not in body


@pytest.mark.parametrize(
    "data",
    [
        {"reason": "", "note": "Ask for Bob."},
        {"reason": "Wrong contact", "note": ""},
        {"reason": "Not a reason of this program", "note": "Ask for Bob."},
    ],
)
def test_a_push_back_without_a_listed_reason_and_a_note_changes_nothing(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead, data: dict[str, str]
) -> None:
    lead = submit_lead(program, team.qualifier)
    client.force_login(team.reviewer)
    response = client.post(
        f"/review/{program.slug}/leads/{lead.pk}/push-back",
        {f"push-{lead.pk}-{key}": value for key, value in data.items()},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Not pushed back: choose a reason and write a note for the qualifier." in body
    assert f'action="/review/{program.slug}/leads/{lead.pk}/approve"' in body  # the card again
    lead.refresh_from_db()
    assert (lead.status, lead.pushed_back_at) == (LeadStatus.IN_REVIEW, None)


# --- approve all that pass ---------------------------------------------------------------------


def _mixed_batch(
    program: Program, team: Team, submit_lead: SubmitLead
) -> tuple[list[Lead], list[Lead]]:
    passing = [submit_lead(program, team.qualifier, minutes=m) for m in range(3)]
    failing = [
        submit_lead(program, team.qualifier, answers=FYI, minutes=5),
        submit_lead(program, team.qualifier, outcome=None, minutes=6),
    ]
    return passing, failing


def test_approve_all_that_pass_asks_for_confirmation_with_the_count(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    passing, failing = _mixed_batch(program, team, submit_lead)
    client.force_login(team.reviewer)
    response = client.get(f"/review/{program.slug}/approve-passing")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Approve 3 leads of Acme Demand Gen?" in page
    assert f'name="leads" value="{",".join(str(lead.pk) for lead in passing)}"' in page
    assert "Yes: approve 3 leads" in page
    assert all(
        Lead.objects.get(pk=lead.pk).status == LeadStatus.IN_REVIEW for lead in passing + failing
    )


def test_confirming_approves_those_that_pass_and_leaves_the_rest(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    passing, failing = _mixed_batch(program, team, submit_lead)
    client.force_login(team.reviewer)
    ids = ",".join(str(lead.pk) for lead in passing)
    response = client.post(
        f"/review/{program.slug}/approve-passing", {"leads": ids, "confirm": "on"}, follow=True
    )
    assert response.redirect_chain == [(f"/review/{program.slug}/", 302)]
    page = response.content.decode()
    assert "3 leads approved." in page
    assert "<strong>2</strong> leads waiting" in page
    statuses = {lead.pk: Lead.objects.get(pk=lead.pk).status for lead in passing + failing}
    assert statuses == {
        **{lead.pk: LeadStatus.APPROVED for lead in passing},
        **{lead.pk: LeadStatus.IN_REVIEW for lead in failing},
    }


def test_a_confirmation_that_went_stale_says_which_leads_were_left(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    passing, failing = _mixed_batch(program, team, submit_lead)
    client.force_login(team.reviewer)
    ids = ",".join(str(lead.pk) for lead in [*passing, failing[0]])
    page = client.post(
        f"/review/{program.slug}/approve-passing", {"leads": ids, "confirm": "on"}, follow=True
    ).content.decode()
    assert "3 leads approved; 1 left for one-by-one review." in page
    assert f"Lead #{failing[0].pk} left in review: rated FYI: nothing qualifies it yet." in page


def test_without_the_confirmation_nothing_is_approved(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    passing, _ = _mixed_batch(program, team, submit_lead)
    client.force_login(team.reviewer)
    page = client.post(
        f"/review/{program.slug}/approve-passing",
        {"leads": ",".join(str(lead.pk) for lead in passing)},
        follow=True,
    ).content.decode()
    assert "Nothing approved: confirm from the batch page again." in page
    assert all(Lead.objects.get(pk=lead.pk).status == LeadStatus.IN_REVIEW for lead in passing)


def test_when_nothing_passes_the_confirmation_sends_back_to_the_batch(
    client: Client, team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    submit_lead(program, team.qualifier, answers=FYI)
    client.force_login(team.reviewer)
    response = client.get(f"/review/{program.slug}/approve-passing", follow=True)
    assert response.redirect_chain == [(f"/review/{program.slug}/", 302)]
    assert "No lead of this batch passes every check" in response.content.decode()


def test_the_confirmation_reads_a_fixed_number_of_queries(
    client: Client,
    team: Team,
    program: Program,
    submit_lead: SubmitLead,
    django_assert_max_num_queries: Callable[..., DjangoAssertNumQueries],
) -> None:
    for minutes in range(25):
        submit_lead(program, team.qualifier, minutes=minutes)
    client.force_login(team.reviewer)
    with django_assert_max_num_queries(7):
        page = client.get(f"/review/{program.slug}/approve-passing").content.decode()
    assert "Approve 25 leads" in page
    assert "and 25 in all." in page
