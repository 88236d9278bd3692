"""Needs assessments: sent (with the program's assessment kit), followed up on the prospect's
completion date (on a working day), returned with the document, and routed by outcome."""

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leadflow.accounts.models import Role, User
from leadflow.core.enums import InquiryType
from leadflow.core.errors import DomainRefused, InputError
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.leads.models import Lead
from leadflow.leads.services import lead_transition
from leadflow.notifications.models import OutboxMessage
from leadflow.programs.models import Program
from leadflow.sales.models import AssessmentState, Task, TaskKind, TaskState
from leadflow.sales.services.assessments import (
    assessment_outcome_record,
    assessment_return,
    assessment_send,
    assessment_update,
)
from leadflow.sales.services.kits import kit_create
from leadflow.sales.services.tasks import lead_flow_start
from tests.factories import NOW

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
