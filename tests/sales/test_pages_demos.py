"""The demo pages: schedule a remote or on-site demo in the participants' timezone (an on-site
demo inside the minimum lead time refused in plain words beside the start), reschedule and
cancel it from the lead's panel, and download the current invitation (.ics)."""

from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from icalendar import Calendar

from leadflow.accounts.models import User
from leadflow.leads.models import Lead
from leadflow.notifications.models import OutboxMessage
from leadflow.sales.models import Demo, DemoState
from tests.factories import NOW, Leads, Team

pytestmark = [pytest.mark.usefixtures("plain_http"), pytest.mark.django_db]


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def demo_form(**changes: str) -> dict[str, str]:
    form = {
        "kind": "remote",
        "timezone": "Europe/Berlin",
        "starts_at": "2026-11-10T15:00",
        "ends_at": "2026-11-10T16:00",
        "meeting_url": "https://meet.example/abc",
        "location": "",
        "objectives": "Show the reporting",
        "participants": "grace@cobol.example\nseller@acme.example",
    }
    return {**form, **changes}


def schedule(client: Client, lead: Lead, **changes: str) -> object:
    return client.post(f"/sales/leads/{lead.pk}/demos/new", demo_form(**changes))


def test_the_demo_form_offers_the_leads_address_and_the_clients_timezone(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.qualifier)
    page = text(client.get(f"/sales/leads/{leads.a.pk}/demos/new"))
    assert "grace@cobol.example" in page
    assert "An on-site demo must be booked at least 14 days ahead." in page
    assert 'type="datetime-local"' in page


def test_a_remote_demo_is_scheduled_in_the_participants_timezone(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.qualifier)
    response = schedule(client, leads.a)
    assert response.status_code == 302, text(response)
    demo = Demo.objects.get()
    assert demo.starts_at.isoformat() == "2026-11-10T14:00:00+00:00"  # 15:00 in Berlin
    assert demo.timezone == "Europe/Berlin"
    assert sorted(demo.participants.values_list("email", flat=True)) == [
        "grace@cobol.example",
        "seller@acme.example",
    ]
    panel = text(client.get(f"/leads/{leads.a.pk}/"))
    assert "Remote demo scheduled; the invitation went to 2 participants." in panel
    assert "Tue 10 Nov 2026, 15:00\u201316:00" in panel
    assert f'href="/sales/demos/{demo.pk}/invite.ics"' in panel


def test_an_on_site_demo_inside_the_minimum_lead_time_is_refused_in_plain_words(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.qualifier)
    response = schedule(client, leads.a, kind="on_site", location="Cobol HQ, Boston")
    assert response.status_code == 400
    page = text(response)
    assert "The demo was not scheduled" in page
    assert "An on-site demo must be booked at least 14 days ahead: the earliest start is" in page
    assert not Demo.objects.exists()
    later = schedule(
        client,
        leads.a,
        kind="on_site",
        location="Cobol HQ, Boston",
        starts_at="2026-11-20T10:00",
        ends_at="2026-11-20T12:00",
    )
    assert later.status_code == 302
    assert Demo.objects.get().kind == "on_site"


def test_the_demo_form_names_what_is_missing(client: Client, team: Team, leads: Leads) -> None:
    client.force_login(team.qualifier)
    response = schedule(
        client, leads.a, kind="on_site", participants="not-an-address", ends_at="2026-11-10T14:00"
    )
    page = text(response)
    assert response.status_code == 400
    assert "Say where the on-site demo takes place." in page
    assert "“not-an-address” is not an e-mail address." in page
    assert "The demo must end after it starts." in page


def test_a_demo_rescheduled_and_cancelled_keeps_its_invitation_uid(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.qualifier)
    schedule(client, leads.a)
    demo = Demo.objects.get()
    form = text(client.get(f"/sales/demos/{demo.pk}/reschedule"))
    assert 'value="2026-11-10T15:00"' in form  # shown in the demo's own timezone
    moved = client.post(
        f"/sales/demos/{demo.pk}/reschedule",
        {
            "timezone": "Europe/Berlin",
            "starts_at": "2026-11-12T09:00",
            "ends_at": "2026-11-12T10:00",
        },
    )
    assert moved.status_code == 302
    invite = client.get(f"/sales/demos/{demo.pk}/invite.ics")
    assert invite["Content-Type"].startswith("text/calendar")
    event = Calendar.from_ical(invite.content).walk("VEVENT")[0]
    assert str(event["UID"]) == demo.uid
    assert int(event["SEQUENCE"]) == 1
    client.post(f"/sales/demos/{demo.pk}/cancel")
    demo.refresh_from_db()
    assert demo.state == DemoState.CANCELLED
    cancelled = Calendar.from_ical(client.get(f"/sales/demos/{demo.pk}/invite.ics").content)
    assert str(cancelled["METHOD"]) == "CANCEL"
    assert str(cancelled.walk("VEVENT")[0]["UID"]) == demo.uid


def test_demos_are_out_of_reach_outside_the_scope(client: Client, team: Team, leads: Leads) -> None:
    client.force_login(team.qualifier)
    schedule(client, leads.a)
    demo = Demo.objects.get()
    for user in (team.outsider, team.client_contact, team.partner):
        client.force_login(user)
        assert client.get(f"/sales/demos/{demo.pk}/invite.ics").status_code == 404
        assert client.post(f"/sales/demos/{demo.pk}/cancel").status_code == 404
        assert client.get(f"/sales/leads/{leads.a.pk}/demos/new").status_code in (403, 404)
    client.force_login(team.reviewer)
    assert client.get(f"/sales/demos/{demo.pk}/invite.ics").status_code == 200
    assert client.post(f"/sales/demos/{demo.pk}/cancel").status_code == 403


# --- The completed questionnaire and the outcome ---------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file()]


def test_a_demo_scheduled_with_its_questionnaire_sends_it_to_our_people_only(
    client: Client, team: Team, leads: Leads
) -> None:
    User.objects.filter(pk=team.manager.pk).update(email="manager@acme.example")
    client.force_login(team.qualifier)
    upload = SimpleUploadedFile("questions.pdf", PDF, content_type="application/octet-stream")
    form = demo_form(participants="grace@cobol.example\nmanager@acme.example")
    response = client.post(
        f"/sales/leads/{leads.a.pk}/demos/new", {**form, "questionnaire": upload}
    )
    assert response.status_code == 302, text(response)
    demo = Demo.objects.get()
    assert (demo.questionnaire_name, demo.questionnaire_type) == (
        "questions.pdf",
        "application/pdf",
    )
    attached = {
        str(message.content["to"][0]): sorted(
            message.attachments.values_list("filename", flat=True)
        )
        for message in OutboxMessage.objects.all()
    }
    assert attached == {
        "grace@cobol.example": ["invite.ics"],
        "manager@acme.example": ["invite.ics", "questions.pdf"],  # not to the prospect
    }
    panel = text(client.get(f"/leads/{leads.a.pk}/"))
    assert f'href="/sales/demos/{demo.pk}/questionnaire"' in panel
    download = client.get(f"/sales/demos/{demo.pk}/questionnaire")
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="questions.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]


def test_an_executable_renamed_pdf_is_refused_and_no_demo_is_scheduled(
    client: Client, team: Team, leads: Leads, media_root: Path
) -> None:
    client.force_login(team.qualifier)
    renamed = SimpleUploadedFile("questions.pdf", EXE, content_type="application/pdf")
    response = client.post(
        f"/sales/leads/{leads.a.pk}/demos/new", {**demo_form(), "questionnaire": renamed}
    )
    assert response.status_code == 400
    page = text(response)
    assert "The demo was not scheduled" in page
    assert "questions.pdf is not a PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG" in page
    assert not Demo.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert stored_files(media_root) == []


def test_the_questionnaire_is_attached_to_a_demo_already_scheduled(
    client: Client, team: Team, leads: Leads, media_root: Path
) -> None:
    client.force_login(team.qualifier)
    schedule(client, leads.a)
    demo = Demo.objects.get()
    panel = text(client.get(f"/leads/{leads.a.pk}/"))
    assert f'action="/sales/demos/{demo.pk}/questionnaire/attach"' in panel
    renamed = SimpleUploadedFile("questions.pdf", EXE)
    refused = client.post(
        f"/sales/demos/{demo.pk}/questionnaire/attach", {"questionnaire": renamed}
    )
    assert refused.status_code == 302
    page = text(client.get(refused["Location"]))
    assert "Nothing attached: questions.pdf is not a PDF" in page
    demo.refresh_from_db()
    assert not demo.questionnaire
    assert stored_files(media_root) == []
    assert client.get(f"/sales/demos/{demo.pk}/questionnaire").status_code == 404

    upload = SimpleUploadedFile("questions.png", PNG)
    client.post(f"/sales/demos/{demo.pk}/questionnaire/attach", {"questionnaire": upload})
    demo.refresh_from_db()
    assert demo.questionnaire_name == "questions.png"
    assert leads.a.events.filter(action="sales_demo_questionnaire").exists()
    download = client.get(f"/sales/demos/{demo.pk}/questionnaire")
    assert download["Content-Type"] == "image/png"
    for user in (team.outsider, team.client_contact, team.partner):
        client.force_login(user)
        assert client.get(f"/sales/demos/{demo.pk}/questionnaire").status_code == 404
        assert client.post(f"/sales/demos/{demo.pk}/questionnaire/attach").status_code == 404
    client.force_login(team.reviewer)
    assert client.get(f"/sales/demos/{demo.pk}/questionnaire").status_code == 200
    assert client.post(f"/sales/demos/{demo.pk}/questionnaire/attach").status_code == 403


def test_the_demos_outcome_and_next_step_are_recorded_and_shown(
    client: Client, team: Team, leads: Leads, frozen: time_machine.Traveller
) -> None:
    client.force_login(team.qualifier)
    schedule(client, leads.a)
    demo = Demo.objects.get()
    assert "This demo has not started yet" in text(client.get(f"/sales/demos/{demo.pk}/outcome"))
    frozen.move_to("2026-11-10T16:00:00+00:00")
    client.force_login(team.qualifier)  # a week later: a new session
    page = text(client.get(f"/sales/demos/{demo.pk}/outcome"))
    assert "This demo has not started yet" not in page
    assert "Write a proposal" in page
    missing = client.post(f"/sales/demos/{demo.pk}/outcome", {"outcome": "Went well"})
    assert missing.status_code == 400
    assert "The outcome was not recorded" in text(missing)
    response = client.post(
        f"/sales/demos/{demo.pk}/outcome",
        {"outcome": "They liked the reporting.", "next_step": "proposal"},
    )
    assert response.status_code == 302
    demo.refresh_from_db()
    assert (demo.state, demo.next_step) == (DemoState.DONE, "proposal")
    panel = text(client.get(f"/leads/{leads.a.pk}/"))
    assert "They liked the reporting. · Next step: proposal" in panel
    assert f'href="/sales/demos/{demo.pk}/outcome"' not in panel
    history = leads.a.events.get(action="sales_demo_done").reason
    assert history == "Remote demo done. They liked the reporting. Next step: proposal."
    assert "Nothing more to record." in text(client.get(f"/sales/demos/{demo.pk}/outcome"))


def test_only_those_who_work_the_lead_record_a_demos_outcome(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.qualifier)
    schedule(client, leads.a)
    demo = Demo.objects.get()
    for user in (team.outsider, team.client_contact, team.partner):
        client.force_login(user)
        assert client.get(f"/sales/demos/{demo.pk}/outcome").status_code == 404
        form = {"next_step": "lost"}
        assert client.post(f"/sales/demos/{demo.pk}/outcome", form).status_code == 404
    client.force_login(team.reviewer)
    assert client.get(f"/sales/demos/{demo.pk}/outcome").status_code == 403
    assert Demo.objects.get().state == DemoState.SCHEDULED
