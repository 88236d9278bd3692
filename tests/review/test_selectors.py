"""Reads of QA review: the programs with their waiting leads, and the checks of a batch."""

from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from leadflow.leads.models import CallOutcome, Lead
from leadflow.leads.services import LeadInput, lead_create
from leadflow.programs.models import Program
from leadflow.programs.services import program_create
from leadflow.review.selectors import answer_rows, review_batch, review_candidates, review_programs
from leadflow.review.services import lead_approve
from tests.conftest import NOW
from tests.review.conftest import FYI, SubmitLead, Team, at


def test_programs_with_the_longest_waiting_lead_come_first_then_those_with_none(
    team: Team,
    program: Program,
    other_program: Program,
    submit_lead: SubmitLead,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    third = program_create(
        client=program.client, name="Acme Events", slug="acme-events", actor=None, now=NOW
    )
    submit_lead(program, team.admin, minutes=30)
    submit_lead(program, team.admin, minutes=40)
    submit_lead(other_program, team.admin, minutes=10)
    approved = submit_lead(program, team.admin, minutes=0)
    lead_approve(lead=approved, reviewer=team.reviewer, now=at(50))
    # A lead still being qualified is not waiting for review.
    lead_create(program=third, data=LeadInput(first_name="Not yet"), actor=None, now=NOW)
    with django_assert_max_num_queries(1):
        rows = [(p.slug, p.waiting, p.oldest) for p in review_programs(user=team.admin)]
    assert rows == [
        ("globex-partners", 1, at(10)),
        ("acme-demand", 2, at(30)),
        ("acme-events", 0, None),
    ]


def test_a_reviewer_sees_only_the_programs_of_their_scope(
    team: Team, program: Program, other_program: Program
) -> None:
    assert [p.slug for p in review_programs(user=team.reviewer)] == [program.slug]
    assert [p.slug for p in review_programs(user=team.foreign_reviewer)] == [other_program.slug]


def test_the_candidates_are_the_batch_longest_waiting_first_with_their_checks(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    later = submit_lead(program, team.qualifier, minutes=20)
    earlier = submit_lead(program, team.qualifier, answers=FYI, minutes=5)
    no_call = submit_lead(program, team.qualifier, outcome=CallOutcome.BUSY, minutes=10)
    candidates = review_candidates(user=team.reviewer, program=program)
    assert [c.lead_id for c in candidates] == [earlier.pk, no_call.pk, later.pk]
    assert [c.batch_approvable for c in candidates] == [False, False, True]
    assert candidates[0].check.problems == ("rated FYI: nothing qualifies it yet",)


def test_the_batch_groups_leads_by_the_day_they_were_submitted(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    first = submit_lead(program, team.qualifier, minutes=0)
    next_day = submit_lead(program, team.qualifier, minutes=24 * 60)
    batch = review_batch(user=team.reviewer, program=program)
    assert [(day.day, [item.lead.pk for item in day.items]) for day in batch.days] == [
        (timezone.localdate(NOW), [first.pk]),
        (timezone.localdate(at(24 * 60)), [next_day.pk]),
    ]
    assert (batch.waiting, batch.passing, batch.own, batch.shown) == (2, 2, 0, 2)


def test_the_batch_shows_the_longest_waiting_leads_and_counts_them_all(
    team: Team, program: Program, submit_lead: SubmitLead
) -> None:
    leads = [submit_lead(program, team.qualifier, minutes=m) for m in range(3)]
    batch = review_batch(user=team.reviewer, program=program, shown_limit=2)
    assert [item.lead.pk for day in batch.days for item in day.items] == [
        lead.pk for lead in leads[:2]
    ]
    assert (batch.waiting, batch.passing, batch.shown) == (3, 3, 2)


def test_answers_read_as_the_script_asks_them(program: Program) -> None:
    from leadflow.programs.selectors import program_published_criteria

    criteria = program_published_criteria(program=program).criteria
    rows = answer_rows(criteria, {"authority": "decision_maker", "timeframe_months": 2.5,
                                  "legacy_question": "kept"})  # fmt: skip
    assert [(row.question, row.answer) for row in rows] == [
        ("Budget", "—"),
        ("Authority", "Decision maker"),
        ("Need", "—"),
        ("Decision time frame (months)", "2.5"),
        ("legacy_question", "kept"),
    ]


def test_a_lead_in_review_without_a_submitter_is_waiting_since_its_last_change(
    team: Team, program: Program
) -> None:
    lead = lead_create(program=program, data=LeadInput(first_name="Old"), actor=None, now=NOW)
    Lead.objects.filter(pk=lead.pk).update(status="in_review", updated_at=at(7))
    (row,) = review_programs(user=team.reviewer)
    assert (row.waiting, row.oldest) == (1, at(7))
    (candidate,) = review_candidates(user=team.reviewer, program=program)
    assert "not submitted by a qualifier from the workspace" in candidate.check.problems
