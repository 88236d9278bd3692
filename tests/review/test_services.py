"""Review decisions: approving, pushing back with a reason and a note, approving all that pass
in one go; nobody decides a lead they submitted or own; everything leaves its history."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from pytest_django import DjangoAssertNumQueries

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_set_roles
from leadflow.core.errors import InvalidTransition
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.leads.models import CallOutcome, EventKind, Lead, LeadEvent
from leadflow.leads.services import lead_update_answers
from leadflow.leads.services.queue import lead_hold, lead_submit_for_review
from leadflow.programs.models import Program
from leadflow.review.services import (
    BATCH_REASON,
    ReviewRefused,
    lead_approve,
    lead_push_back,
    leads_approve_passing,
)
from tests.conftest import NOW
from tests.review.conftest import FYI, SubmitLead, Team, at

LATER = NOW + timedelta(hours=2)


def _status_events(lead: Lead) -> list[LeadEvent]:
    return list(lead.events.filter(kind=EventKind.STATUS_CHANGED).order_by("at", "id"))


# --- one by one --------------------------------------------------------------------------------


def test_approving_moves_the_lead_to_approved_and_records_the_reviewer(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    lead = submit_lead(program, team.qualifier)
    lead = lead_approve(lead=lead, reviewer=team.reviewer, now=LATER)
    assert lead.status == LeadStatus.APPROVED
    event = _status_events(lead)[-1]
    assert (event.action, event.actor, event.at) == (Action.APPROVE, team.reviewer, LATER)
    assert (event.from_status, event.to_status) == (LeadStatus.IN_REVIEW, LeadStatus.APPROVED)


def test_an_admin_may_review(team: Team, program: Program, submit_lead: SubmitLead) -> None:
    lead = lead_approve(lead=submit_lead(program, team.qualifier), reviewer=team.admin, now=LATER)
    assert lead.status == LeadStatus.APPROVED


@pytest.mark.parametrize("role", ["qualifier", "manager", "marketer", "client_contact", "partner"])
def test_other_roles_may_not_review(
    team: Team, program: Program, submit_lead: SubmitLead, role: str
) -> None:
    lead = submit_lead(program, team.other_qualifier)
    with pytest.raises(ReviewRefused, match="only QA reviewers and admins review leads"):
        lead_approve(lead=lead, reviewer=getattr(team, role), now=LATER)
    with pytest.raises(ReviewRefused):
        lead_push_back(
            lead=lead, reviewer=getattr(team, role), reason="Wrong contact", note="x", now=LATER
        )
    lead.refresh_from_db()
    assert lead.status == LeadStatus.IN_REVIEW


def test_a_reviewer_may_not_approve_or_push_back_a_lead_they_submitted(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    # A reviewer who also qualifies (small teams) submitted this lead.
    user_set_roles(user=team.reviewer, roles=[Role.REVIEWER, Role.QUALIFIER])
    lead = submit_lead(program, team.reviewer)
    assert lead.submitted_by == team.reviewer
    with pytest.raises(ReviewRefused, match="you submitted this lead"):
        lead_approve(lead=lead, reviewer=team.reviewer, now=LATER)
    with pytest.raises(ReviewRefused, match="you submitted this lead"):
        lead_push_back(
            lead=lead, reviewer=team.reviewer, reason="Wrong contact", note="x", now=LATER
        )
    lead.refresh_from_db()
    assert lead.status == LeadStatus.IN_REVIEW
    assert lead_approve(lead=lead, reviewer=team.other_reviewer, now=LATER).status == (
        LeadStatus.APPROVED
    )


def test_a_reviewer_may_not_review_a_lead_they_own(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    lead = submit_lead(program, team.qualifier)
    Lead.objects.filter(pk=lead.pk).update(owner=team.reviewer)
    with pytest.raises(ReviewRefused, match="you own this lead"):
        lead_approve(lead=lead, reviewer=team.reviewer, now=LATER)


def test_a_lead_not_in_review_cannot_be_approved(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    lead = lead_approve(
        lead=submit_lead(program, team.qualifier), reviewer=team.reviewer, now=LATER
    )
    with pytest.raises(InvalidTransition, match="a lead that is approved cannot approve"):
        lead_approve(lead=lead, reviewer=team.other_reviewer, now=LATER)
    assert len(_status_events(lead)) == 3  # start qualifying, submit, approve


def test_pushing_back_returns_the_lead_to_qualifying_flagged_with_reason_and_note(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    lead = submit_lead(program, team.qualifier)
    lead = lead_push_back(
        lead=lead,
        reviewer=team.reviewer,
        reason="BANT not confirmed on the call",
        note="  Budget was a guess: ask who signs off.  ",
        now=LATER,
    )
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFYING
    assert (lead.pushed_back_at, lead.push_back_reason) == (LATER, "BANT not confirmed on the call")
    event = _status_events(lead)[-1]
    assert (event.action, event.actor) == (Action.PUSH_BACK, team.reviewer)
    assert event.reason == "BANT not confirmed on the call — Budget was a guess: ask who signs off."
    assert event.after == {
        "status": "qualifying",
        "push_back_reason": "BANT not confirmed on the call",
    }


def test_a_push_back_needs_a_reason_from_the_programs_list(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    lead = submit_lead(program, team.qualifier)
    with pytest.raises(ReviewRefused, match="“Bad vibes” is not a push-back reason"):
        lead_push_back(lead=lead, reviewer=team.reviewer, reason="Bad vibes", note="x", now=LATER)
    program.push_back_reasons = ["Bad vibes"]
    program.save()
    lead = lead_push_back(
        lead=Lead.objects.get(pk=lead.pk),
        reviewer=team.reviewer,
        reason="Bad vibes",
        note="Rude on the phone",
        now=LATER,
    )
    assert lead.push_back_reason == "Bad vibes"


def test_a_program_without_reasons_offers_the_default_reasons(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    program.push_back_reasons = []
    program.save()
    lead = lead_push_back(
        lead=submit_lead(program, team.qualifier),
        reviewer=team.reviewer,
        reason="Wrong contact",
        note="Reception, not the buyer",
        now=LATER,
    )
    assert lead.status == LeadStatus.QUALIFYING


@pytest.mark.parametrize(("note", "message"), [
    ("", "a push-back needs a note"),
    ("   ", "a push-back needs a note"),
    ("x" * 1001, "the note is 1001 characters; at most 1000"),
])  # fmt: skip
def test_a_push_back_needs_a_note_of_reasonable_length(
    team: Team, program: Program, submit_lead: SubmitLead, note: str, message: str
) -> None:
    lead = submit_lead(program, team.qualifier)
    with pytest.raises(ReviewRefused, match=message):
        lead_push_back(
            lead=lead, reviewer=team.reviewer, reason="Wrong contact", note=note, now=LATER
        )
    lead.refresh_from_db()
    assert (lead.status, lead.pushed_back_at) == (LeadStatus.IN_REVIEW, None)


def test_submitting_again_clears_the_push_back_and_records_the_new_submission(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    lead = submit_lead(program, team.qualifier)
    assert (lead.submitted_by, lead.submitted_at) == (team.qualifier, NOW)
    lead_push_back(
        lead=lead, reviewer=team.reviewer, reason="Wrong contact", note="Call Bob", now=at(60)
    )
    lead = lead_hold(lead=Lead.objects.get(pk=lead.pk), user=team.qualifier, now=at(90))
    lead = lead_submit_for_review(lead=lead, user=team.qualifier, now=at(95))
    lead.refresh_from_db()
    assert lead.status == LeadStatus.IN_REVIEW
    assert (lead.submitted_by, lead.submitted_at) == (team.qualifier, at(95))
    assert (lead.pushed_back_at, lead.push_back_reason, lead.held_by) == (None, "", None)


# --- approve all that pass ---------------------------------------------------------------------


def test_approve_passing_approves_only_the_leads_that_pass_each_with_its_event(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    good = [submit_lead(program, team.qualifier, minutes=m) for m in range(3)]
    fyi = submit_lead(program, team.qualifier, answers=FYI)
    no_call = submit_lead(program, team.qualifier, outcome=CallOutcome.NO_ANSWER)
    ids = [lead.pk for lead in [*good, fyi, no_call]]
    result = leads_approve_passing(program=program, reviewer=team.reviewer, lead_ids=ids, now=LATER)
    assert result.approved == [lead.pk for lead in good]
    assert result.skipped == {
        fyi.pk: "rated FYI: nothing qualifies it yet",
        no_call.pk: "no connected call logged: the answers were not confirmed on a call",
    }
    assert result.message == "3 leads approved; 2 left for one-by-one review."
    statuses = dict(Lead.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert statuses == {
        **{lead.pk: LeadStatus.APPROVED for lead in good},
        fyi.pk: LeadStatus.IN_REVIEW,
        no_call.pk: LeadStatus.IN_REVIEW,
    }
    approvals = LeadEvent.objects.filter(action=Action.APPROVE).order_by("lead_id")
    assert [(e.lead_id, e.actor, e.at, e.reason) for e in approvals] == [
        (lead.pk, team.reviewer, LATER, BATCH_REASON) for lead in good
    ]


def test_approve_passing_never_approves_the_reviewers_own_leads(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    user_set_roles(user=team.reviewer, roles=[Role.REVIEWER, Role.QUALIFIER])
    own = submit_lead(program, team.reviewer)
    other = submit_lead(program, team.qualifier)
    result = leads_approve_passing(
        program=program, reviewer=team.reviewer, lead_ids=[own.pk, other.pk], now=LATER
    )
    assert result.approved == [other.pk]
    assert result.skipped == {own.pk: "you submitted this lead; another reviewer must review it"}
    own.refresh_from_db()
    assert own.status == LeadStatus.IN_REVIEW


def test_approve_passing_checks_again_what_changed_since_the_confirmation(
    team: Team, program: Program, other_program: Program, submit_lead: SubmitLead
) -> None:
    decided = submit_lead(program, team.qualifier)
    changed = submit_lead(program, team.qualifier)
    foreign = submit_lead(other_program, team.admin)
    lead_approve(lead=decided, reviewer=team.other_reviewer, now=at(5))
    # Another reviewer's change: the lead lost its answers' rating meanwhile.
    lead_update_answers(
        lead=changed,
        answers={"budget": None, "authority": None, "need": None, "timeframe_months": None},
        actor=team.admin,
        now=at(6),
    )
    result = leads_approve_passing(
        program=program,
        reviewer=team.reviewer,
        lead_ids=[decided.pk, changed.pk, foreign.pk, 999_999],
        now=LATER,
    )
    assert result.approved == []
    assert result.skipped == {
        decided.pk: "no longer in review (Approved)",
        changed.pk: "rated FYI: nothing qualifies it yet",
        foreign.pk: "not in this program's batch",
        999_999: "not in this program's batch",
    }
    assert result.message == "0 leads approved; 4 left for one-by-one review."


def test_approve_passing_is_refused_to_other_roles_and_beyond_the_limit(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    lead = submit_lead(program, team.other_qualifier)
    with pytest.raises(ReviewRefused):
        leads_approve_passing(
            program=program, reviewer=team.qualifier, lead_ids=[lead.pk], now=LATER
        )
    with pytest.raises(ReviewRefused, match="at most 1000 leads"):
        leads_approve_passing(
            program=program, reviewer=team.reviewer, lead_ids=list(range(1, 1002)), now=LATER
        )
    lead.refresh_from_db()
    assert lead.status == LeadStatus.IN_REVIEW


def test_approve_passing_writes_a_fixed_number_of_queries_whatever_the_batch(
    team: Team,
    program: Program,
    submit_lead: SubmitLead,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    leads = [submit_lead(program, team.qualifier, minutes=m) for m in range(12)]
    ids = [lead.pk for lead in leads]
    # 9: the history write also lists its leads for the reports (one INSERT).
    with django_assert_max_num_queries(9):
        result = leads_approve_passing(
            program=program, reviewer=team.reviewer, lead_ids=ids, now=LATER
        )
    assert len(result.approved) == 12


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_the_same_batch_at_once_approve_each_lead_once(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    ids = [submit_lead(program, team.qualifier, minutes=m).pk for m in range(20)]
    barrier = threading.Barrier(2)
    results: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def approve(name: str) -> None:
        try:
            reviewer = getattr(team, name)
            barrier.wait()
            result = leads_approve_passing(
                program=program, reviewer=reviewer, lead_ids=ids, now=LATER
            )
            results[name] = result.approved
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(n,)) for n in ("reviewer", "other_reviewer")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results["reviewer"] + results["other_reviewer"]) == sorted(ids)
    assert LeadEvent.objects.filter(action=Action.APPROVE, lead_id__in=ids).count() == 20
    assert set(Lead.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        LeadStatus.APPROVED
    }
