"""Needs assessments: sent (with the program's assessment kit), followed up on the prospect's
completion date (on a working day), returned with the document, and routed by outcome."""

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leadflow.accounts.models import Role, User
from leadflow.core.criteria import QualifyingCriteria, default_criteria
from leadflow.core.enums import InquiryType
from leadflow.core.errors import DomainRefused, InputError
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.leads.models import Lead
from leadflow.leads.services import lead_transition
from leadflow.leads.services.queue import lead_hold
from leadflow.notifications.models import OutboxMessage
from leadflow.programs.models import Program
from leadflow.programs.services import criteria_publish
from leadflow.sales.models import AssessmentState, Task, TaskKind, TaskState
from leadflow.sales.services.assessments import (
    assessment_outcome_record,
    assessment_return,
    assessment_send,
    assessment_update,
)
from leadflow.sales.services.kits import kit_create
from leadflow.sales.services.tasks import lead_flow_start
from tests.factories import NOW, lead_walk

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def seller(make_user: Callable[..., User], program: Program) -> User:
    return make_user(Role.QUALIFIER, programs=(program,))


@pytest.fixture
def lead(make_lead: Callable[..., Lead], program: Program) -> Lead:
    return make_lead(program, inquiry_type=InquiryType.NEEDS_ASSESSMENT_REQUEST)


def test_the_assessment_kit_goes_out_and_the_follow_up_is_on_the_prospect_s_date(
    lead: Lead, seller: User, program: Program
) -> None:
    kit_create(
        program=program, name="Needs assessment", subject="Your assessment",
        body="Please fill in the attached.", is_assessment=True, now=NOW,
    )  # fmt: skip
    lead_flow_start(lead=lead, owner=seller, actor=None, now=NOW)
    # Sunday 15 November: the follow-up is on Monday 16, 10:00 New York.
    assessment = assessment_send(
        lead=lead, completion_date=date(2026, 11, 15), actor=seller, now=NOW
    )
    assert assessment.state == AssessmentState.SENT
    assert OutboxMessage.objects.filter(content__subject="Your assessment").exists()
    flow_kit = Task.objects.get(lead=lead, kind=TaskKind.SEND_SALES_KIT)
    assert flow_kit.state == TaskState.DONE
    follow_up = Task.objects.get(lead=lead, kind=TaskKind.ASSESSMENT_FOLLOW_UP)
    assert (follow_up.owner, follow_up.due_at, follow_up.assessment) == (
        seller,
        datetime(2026, 11, 16, 15, 0, tzinfo=UTC),
        assessment,
    )
    assert lead.events.get(action="sales_assessment_sent").reason == (
        "Needs assessment sent by e-mail (“Needs assessment”); the prospect means to complete "
        "it by Sun 15 Nov 2026."
    )
    # The prospect needs more time: the follow-up moves (Thursday 26 is Thanksgiving).
    assessment = assessment_update(
        assessment=assessment,
        state=AssessmentState.IN_PROGRESS,
        completion_date=date(2026, 11, 26),
        actor=seller,
        now=NOW,
    )
    follow_up.refresh_from_db()
    assert follow_up.due_at == datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert lead.events.get(action="sales_assessment_changed").reason == (
        "Needs assessment now in progress, to be completed by Thu 26 Nov 2026."
    )

    assessment = assessment_return(
        assessment=assessment,
        document=SimpleUploadedFile("answers.pdf", PDF),
        actor=seller,
        now=NOW,
    )
    assert (assessment.state, assessment.returned_at, assessment.document_name) == (
        AssessmentState.RETURNED,
        NOW,
        "answers.pdf",
    )
    with pytest.raises(DomainRefused, match="returned already"):
        assessment_return(assessment=assessment, actor=seller, now=NOW)


@pytest.mark.parametrize(
    ("outcome", "task"),
    [
        ("remote_demo", (TaskKind.DEMO_PREPARATION, "Offer a remote demo")),
        ("field_sales", (TaskKind.OTHER, "Hand to field sales or a partner")),
    ],
)
def test_the_outcome_routes_the_lead(
    lead: Lead, seller: User, outcome: str, task: tuple[str, str]
) -> None:
    assessment = assessment_send(lead=lead, actor=seller, now=NOW)
    assessment_outcome_record(assessment=assessment, outcome=outcome, actor=seller, now=NOW)
    assert list(Task.objects.filter(lead=lead).values_list("kind", "title", "owner")) == [
        (*task, seller.pk)
    ]
    with pytest.raises(DomainRefused):
        assessment_outcome_record(assessment=assessment, outcome=outcome, actor=seller, now=NOW)


def test_no_interest_sends_the_lead_to_the_dead_file(lead: Lead, seller: User) -> None:
    lead = lead_transition(lead=lead, action=Action.START_QUALIFYING, actor=None, now=NOW)
    lead_flow_start(lead=lead, owner=seller, actor=None, now=NOW)
    assessment = assessment_send(lead=lead, actor=seller, now=NOW)
    assessment_outcome_record(assessment=assessment, outcome="dead_file", actor=seller, now=NOW)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.DEAD_FILE
    assert not Task.objects.filter(lead=lead, state=TaskState.OPEN).exists()
    assert lead.events.filter(action="dead_file").get().reason == (
        "No interest after the needs assessment"
    )


def test_a_prospect_who_will_not_finish_cancels_the_follow_up(lead: Lead, seller: User) -> None:
    assessment = assessment_send(
        lead=lead, completion_date=date(2026, 11, 20), actor=seller, now=NOW
    )
    assessment_update(
        assessment=assessment, state=AssessmentState.NOT_COMPLETED, actor=seller, now=NOW
    )
    assert Task.objects.get(lead=lead).state == TaskState.CANCELLED
    with pytest.raises(InputError):
        assessment_outcome_record(assessment=assessment, outcome="maybe", actor=seller, now=NOW)


# --- "Meets 3 or 4 of BANT": the lead goes on toward field sales or a partner ---------------


def field_sales(lead: Lead, seller: User) -> Lead:
    assessment = assessment_send(lead=lead, actor=seller, now=NOW)
    assessment_outcome_record(assessment=assessment, outcome="field_sales", actor=seller, now=NOW)
    lead.refresh_from_db()
    return lead


def hand_over_tasks(lead: Lead) -> list[tuple[str, int | None]]:
    return list(
        Task.objects.filter(lead=lead, title="Hand to field sales or a partner").values_list(
            "title", "owner"
        )
    )


def outcome_note(lead: Lead) -> str:
    return str(lead.events.get(action="sales_assessment_outcome").reason)


def test_a_lead_being_qualified_that_meets_3_or_4_goes_to_qa_review(
    lead: Lead, seller: User
) -> None:
    lead_hold(lead=lead, user=seller, now=NOW)  # the queue starts qualifying it
    lead = field_sales(lead, seller)
    assert (lead.status, lead.submitted_by, lead.submitted_at) == (
        LeadStatus.IN_REVIEW,
        seller,
        NOW,
    )
    assert lead.held_by is None
    assert hand_over_tasks(lead) == []
    assert outcome_note(lead) == (
        "Needs assessment outcome: Meets 3 or 4 of BANT: hand to field sales or a partner. "
        "Submitted to QA review (Meets 3 or 4 of BANT after the needs assessment); once "
        "approved, it is handed to field sales or a partner."
    )
    assert lead.events.filter(action="submit_for_review", actor=seller).count() == 1


def test_a_refused_submission_keeps_the_outcome_and_gives_the_owner_the_task(
    lead: Lead, seller: User, program: Program
) -> None:
    spec = default_criteria().model_dump(mode="json")
    spec["questions"][0]["required"] = True  # budget
    criteria_publish(
        program=program, criteria=QualifyingCriteria.from_dict(spec), actor=None, now=NOW
    )
    lead = lead_transition(lead=lead, action=Action.START_QUALIFYING, actor=None, now=NOW)
    Lead.objects.filter(pk=lead.pk).update(answers={"need": "established"})
    lead = field_sales(lead, seller)
    assert lead.status == LeadStatus.QUALIFYING
    assert lead.assessments.get().outcome == "field_sales"
    assert hand_over_tasks(lead) == [("Hand to field sales or a partner", seller.pk)]
    assert outcome_note(lead).endswith(
        "Not submitted to QA review: the qualification is incomplete (budget: an answer is "
        "required); a task to hand it over instead."
    )
    assert not lead.events.filter(action="submit_for_review").exists()


def test_a_lead_another_qualifier_holds_is_not_submitted_under_them(
    lead: Lead, seller: User, make_user: Callable[..., User], program: Program
) -> None:
    colleague = make_user(Role.QUALIFIER, programs=(program,))
    lead_hold(lead=lead, user=colleague, now=NOW)
    lead = field_sales(lead, seller)
    assert (lead.status, lead.held_by) == (LeadStatus.QUALIFYING, colleague)
    assert hand_over_tasks(lead) == [("Hand to field sales or a partner", seller.pk)]
    assert outcome_note(lead).endswith(
        f"Not submitted to QA review: {colleague.username} is working on the lead in the "
        "qualification queue; a task to hand it over instead."
    )


def test_a_lead_past_review_just_gets_the_task(lead: Lead, seller: User) -> None:
    lead = lead_walk(lead, (Action.SUBMIT_FOR_REVIEW, Action.APPROVE))
    lead = field_sales(lead, seller)
    assert lead.status == LeadStatus.APPROVED
    assert hand_over_tasks(lead) == [("Hand to field sales or a partner", seller.pk)]
    assert outcome_note(lead).endswith(
        "The lead is approved, past QA review: a task to hand it over."
    )


def test_a_lead_in_qa_review_is_left_to_the_review(lead: Lead, seller: User) -> None:
    lead = lead_walk(lead, (Action.SUBMIT_FOR_REVIEW,))
    lead = field_sales(lead, seller)
    assert lead.status == LeadStatus.IN_REVIEW
    assert hand_over_tasks(lead) == []
    assert outcome_note(lead).endswith(
        "The lead is in QA review already: its approval hands it on."
    )
