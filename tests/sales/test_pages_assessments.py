"""The needs-assessment pages: send one from the lead's panel (with the program's assessment
kit when it has one), follow it (in progress, the prospect's completion date moving the
follow-up call, not completed), record it returned with the returned document (checked by its
content: anything else refused with nothing saved), download that document (scoped), and
record the outcome, which routes the lead (QA review for a lead being qualified, the dead file
only once confirmed). Who may do what: ``sales.work`` works it, ``sales.view`` reads it, anyone
else outside the lead's scope gets 404."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import Lead
from leadflow.leads.services.queue import lead_hold
from leadflow.notifications.models import OutboxMessage
from leadflow.programs.models import Program
from leadflow.sales.models import Assessment, AssessmentState, Task, TaskKind, TaskState
from leadflow.sales.services.assessments import assessment_send
from leadflow.sales.services.kits import kit_create
from tests.factories import NOW, Leads, Team
from tests.sales.test_pages import partner_lead  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.usefixtures("plain_http"), pytest.mark.django_db]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file()]


def sent(lead: Lead, team: Team) -> Assessment:
    return assessment_send(lead=lead, actor=team.qualifier, now=NOW)


def test_sending_the_assessment_uses_the_programs_assessment_kit(
    client: Client, team: Team, leads: Leads, program: Program
) -> None:
    kit_create(
        program=program, name="Needs assessment", subject="Your needs assessment",
        body="Please fill it in.", is_assessment=True, is_marketing=False, now=NOW,
    )  # fmt: skip
    client.force_login(team.qualifier)
    panel = text(client.get(f"/leads/{leads.a.pk}/"))
    assert f'href="/sales/leads/{leads.a.pk}/assessments/new"' in panel
    form = text(client.get(f"/sales/leads/{leads.a.pk}/assessments/new"))
    assert "The needs-assessment kit “Needs assessment” is e-mailed to grace@cobol.example" in form
    response = client.post(
        f"/sales/leads/{leads.a.pk}/assessments/new", {"completion_date": "2026-11-13"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/leads/{leads.a.pk}/#sales-heading"
    assessment = Assessment.objects.get(lead=leads.a)
    assert (assessment.state, assessment.completion_date) == ("sent", date(2026, 11, 13))
    assert OutboxMessage.objects.filter(content__subject="Your needs assessment").count() == 1
    # The follow-up call: Friday 13 November at 10:00 in New York.
    follow_up = Task.objects.get(lead=leads.a, kind=TaskKind.ASSESSMENT_FOLLOW_UP)
    assert follow_up.due_at == datetime(2026, 11, 13, 15, 0, tzinfo=UTC)
    page = text(client.get(f"/leads/{leads.a.pk}/"))
    assert "Needs assessment recorded as sent. “Needs assessment” went to grace@cobol.example." in (
        page
    )
    assert f'href="/sales/assessments/{assessment.pk}/"' in page
    assert leads.a.events.filter(action="sales_assessment_sent").exists()


def test_without_a_kit_the_assessment_is_recorded_as_sent(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.qualifier)
    form = text(client.get(f"/sales/leads/{leads.a.pk}/assessments/new"))
    assert "This program has no needs-assessment kit" in form
    client.post(f"/sales/leads/{leads.a.pk}/assessments/new", {"completion_date": ""})
    assert Assessment.objects.get(lead=leads.a).completion_date is None
    assert not OutboxMessage.objects.exists()
    bad = client.post(f"/sales/leads/{leads.a.pk}/assessments/new", {"completion_date": "soon"})
    assert bad.status_code == 400
    assert "The assessment was not recorded" in text(bad)
    assert Assessment.objects.count() == 1


def test_a_new_completion_date_moves_the_follow_up_call(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.qualifier)
    client.post(f"/sales/leads/{leads.a.pk}/assessments/new", {"completion_date": "2026-11-13"})
    assessment = Assessment.objects.get()
    page = text(client.get(f"/sales/assessments/{assessment.pk}/"))
    assert "Where the prospect is" in page
    response = client.post(
        f"/sales/assessments/{assessment.pk}/progress",
        {"state": "in_progress", "completion_date": "2026-11-20", "notes": "Waiting for IT"},
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.state, assessment.notes) == (AssessmentState.IN_PROGRESS, "Waiting for IT")
    follow_up = Task.objects.get(kind=TaskKind.ASSESSMENT_FOLLOW_UP)
    assert follow_up.due_at == datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    assert "Needs assessment updated." in text(client.get(response["Location"]))


def test_a_prospect_who_will_not_finish_is_marked_not_completed(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.qualifier)
    client.post(f"/sales/leads/{leads.a.pk}/assessments/new", {"completion_date": "2026-11-13"})
    assessment = Assessment.objects.get()
    client.post(f"/sales/assessments/{assessment.pk}/progress", {"state": "not_completed"})
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.NOT_COMPLETED
    assert Task.objects.get(kind=TaskKind.ASSESSMENT_FOLLOW_UP).state == TaskState.CANCELLED
    page = text(client.get(f"/sales/assessments/{assessment.pk}/"))
    assert "Where the prospect is" not in page  # nothing more to follow
    assert "Record the outcome" in page


def test_the_returned_document_is_checked_by_its_content_and_downloaded_scoped(
    client: Client, team: Team, leads: Leads, media_root: Path
) -> None:
    assessment = sent(leads.a, team)
    client.force_login(team.qualifier)
    renamed = SimpleUploadedFile("answers.pdf", EXE, content_type="application/pdf")
    refused = client.post(f"/sales/assessments/{assessment.pk}/return", {"document": renamed})
    assert refused.status_code == 400
    page = text(refused)
    assert "Nothing was saved" in page
    assert "answers.pdf is not a PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG or" in page
    assessment.refresh_from_db()
    assert (assessment.state, assessment.document_name) == (AssessmentState.SENT, "")
    assert stored_files(media_root) == []

    upload = SimpleUploadedFile("answers.pdf", PDF, content_type="text/plain")
    done = client.post(f"/sales/assessments/{assessment.pk}/return", {"document": upload})
    assert done.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.state, assessment.document_type) == ("returned", "application/pdf")
    assert "answers" not in assessment.document.name  # stored under a name nobody can guess
    panel = text(client.get(f"/leads/{leads.a.pk}/"))
    assert f'href="/sales/assessments/{assessment.pk}/document"' in panel
    download = client.get(f"/sales/assessments/{assessment.pk}/document")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="answers.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    for user in (team.outsider, team.client_contact, team.partner):
        client.force_login(user)
        assert client.get(f"/sales/assessments/{assessment.pk}/document").status_code == 404
    client.force_login(team.reviewer)
    assert client.get(f"/sales/assessments/{assessment.pk}/document").status_code == 200


def test_a_dead_file_outcome_needs_the_confirmation(
    client: Client, team: Team, leads: Leads
) -> None:
    assessment = sent(leads.a, team)
    client.force_login(team.qualifier)
    unconfirmed = client.post(
        f"/sales/assessments/{assessment.pk}/outcome", {"outcome": "dead_file"}
    )
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm the lead goes to the dead file." in text(unconfirmed)
    leads.a.refresh_from_db()
    assert (leads.a.status, Assessment.objects.get().outcome) == (LeadStatus.NEW, "")
    confirmed = client.post(
        f"/sales/assessments/{assessment.pk}/outcome",
        {"outcome": "dead_file", "confirm_dead_file": "on"},
    )
    assert confirmed.status_code == 302
    leads.a.refresh_from_db()
    assert leads.a.status == LeadStatus.DEAD_FILE
    page = text(client.get(f"/leads/{leads.a.pk}/"))
    assert "Lead moved to the dead file; its open tasks are cancelled." in page
    assert "Outcome: No interest: dead file" in page


def test_meeting_3_or_4_of_bant_sends_a_lead_being_qualified_to_qa_review(
    client: Client, team: Team, leads: Leads
) -> None:
    lead_hold(lead=leads.a, user=team.qualifier, now=NOW)
    assessment = sent(leads.a, team)
    client.force_login(team.qualifier)
    response = client.post(
        f"/sales/assessments/{assessment.pk}/outcome", {"outcome": "field_sales"}
    )
    assert response.status_code == 302
    leads.a.refresh_from_db()
    assert leads.a.status == LeadStatus.IN_REVIEW
    page = text(client.get(response["Location"]))
    assert "the lead is in QA review. Once approved, it is handed to field sales" in page
    again = client.post(f"/sales/assessments/{assessment.pk}/outcome", {"outcome": "remote_demo"})
    assert again.status_code == 400
    assert "The assessment&#x27;s outcome is recorded already." in text(again)


def test_a_reviewer_reads_the_assessment_but_does_not_work_it(
    client: Client, team: Team, leads: Leads
) -> None:
    assessment = sent(leads.a, team)
    client.force_login(team.reviewer)
    page = client.get(f"/sales/assessments/{assessment.pk}/")
    assert page.status_code == 200
    assert "Record the outcome" not in text(page)
    assert "assessments/new" not in text(client.get(f"/leads/{leads.a.pk}/"))
    assert client.get(f"/sales/leads/{leads.a.pk}/assessments/new").status_code == 403
    for step in ("progress", "return", "outcome"):
        assert client.post(f"/sales/assessments/{assessment.pk}/{step}").status_code == 403
    assert Assessment.objects.get().state == AssessmentState.SENT


def test_assessments_are_not_found_outside_the_scope(
    client: Client, team: Team, leads: Leads
) -> None:
    assessment = sent(leads.a, team)
    for user in (team.outsider, team.client_contact, team.partner):
        client.force_login(user)
        assert client.get(f"/sales/assessments/{assessment.pk}/").status_code == 404
        assert client.get(f"/sales/leads/{leads.a.pk}/assessments/new").status_code == 404
        for step in ("progress", "return", "outcome"):
            response = client.post(
                f"/sales/assessments/{assessment.pk}/{step}", {"outcome": "remote_demo"}
            )
            assert response.status_code == 404
    assert Assessment.objects.get().outcome == ""


def test_a_partner_works_the_assessment_of_its_assigned_lead(
    client: Client,
    team: Team,
    partner_lead: Lead,  # noqa: F811
) -> None:
    client.force_login(team.partner)
    response = client.post(f"/sales/leads/{partner_lead.pk}/assessments/new", {})
    assert response.status_code == 302
    assert response["Location"] == f"/sales/leads/{partner_lead.pk}/"
    assessment = Assessment.objects.get(lead=partner_lead)
    upload = SimpleUploadedFile("needs.pdf", PDF)
    client.post(f"/sales/assessments/{assessment.pk}/return", {"document": upload})
    assert client.get(f"/sales/assessments/{assessment.pk}/document").status_code == 200
    client.post(f"/sales/assessments/{assessment.pk}/outcome", {"outcome": "field_sales"})
    partner_lead.refresh_from_db()
    assert partner_lead.status == LeadStatus.ASSIGNED  # past review: a task, no lifecycle step
    assert Task.objects.get(lead=partner_lead).title == "Hand to field sales or a partner"
