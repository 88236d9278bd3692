"""Call recordings: uploaded by the qualifier of the call (or an admin), audio only and at most
50 MB; heard only by QA reviewers and admins through a short-lived link of their own, every
listen recorded in the lead's history; for everyone else they do not exist."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from leadflow.accounts.models import User
from leadflow.leads.models import CallLog, EventKind, Lead
from leadflow.programs.models import Program
from leadflow.review.links import recording_token
from leadflow.review.models import CallRecording
from leadflow.review.services import (
    RECORDING_MAX_BYTES,
    RecordingRejected,
    recording_upload,
)
from tests.conftest import NOW
from tests.review.conftest import SubmitLead, Team, first_call, wav_bytes

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def call(team: Team, program: Program, submit_lead: SubmitLead) -> CallLog:
    return first_call(submit_lead(program, team.qualifier, first_name="Grace"))


@pytest.fixture
def recording(team: Team, call: CallLog) -> CallRecording:
    return recording_upload(
        call=call,
        upload=SimpleUploadedFile("call.wav", wav_bytes(), content_type="audio/wav"),
        uploader=team.qualifier,
        now=NOW,
    )


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _upload(client: Client, call: CallLog, name: str, content: bytes, content_type: str) -> str:
    response = client.post(
        f"/review/calls/{call.pk}/recording",
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
    )
    return f"{response.status_code} {response.content.decode()}"


def _play(client: Client, recording: CallRecording) -> str:
    """Press Play; the audio's link from the answered player."""
    response = client.post(f"/review/recordings/{recording.pk}/play", **HTMX)
    assert response.status_code == 200
    match = re.search(r'<audio[^>]* src="([^"]+)"', response.content.decode())
    assert match is not None
    return match.group(1).replace("&amp;", "&")


def _played(lead_id: int) -> int:
    return Lead.objects.get(pk=lead_id).events.filter(kind=EventKind.RECORDING_PLAYED).count()


# --- upload ----------------------------------------------------------------------------------


def test_the_qualifier_uploads_the_recording_of_their_call(
    client: Client, team: Team, call: CallLog, media_root: Path
) -> None:
    client.force_login(team.qualifier)
    page = client.get(f"/review/calls/{call.pk}/recording").content.decode()
    assert 'enctype="multipart/form-data"' in page
    response = client.post(
        f"/review/calls/{call.pk}/recording",
        {"file": SimpleUploadedFile("monday call.wav", wav_bytes(), content_type="audio/x-wav")},
        follow=True,
    )
    assert "Recording uploaded. QA reviewers can now hear it." in response.content.decode()
    recording = CallRecording.objects.get(call=call)
    assert (recording.content_type, recording.size, recording.uploaded_by) == (
        "audio/wav",
        len(wav_bytes()),
        team.qualifier,
    )
    assert recording.original_name == "monday call.wav"
    assert re.fullmatch(
        rf"recordings/{call.lead_id}/{call.pk}-[0-9a-f]{{16}}\.wav", recording.file.name
    )
    assert (media_root / recording.file.name).read_bytes() == wav_bytes()
    event = call.lead.events.filter(kind=EventKind.UPDATED).latest("id")
    assert (event.action, event.actor) == ("recording_uploaded", team.qualifier)
    assert event.after["recording"]["call"] == call.pk
    assert "upload the recording" not in response.content.decode().lower()


def test_an_admin_uploads_for_any_call(team: Team, call: CallLog) -> None:
    recording = recording_upload(
        call=call,
        upload=SimpleUploadedFile("c.mp3", b"ID3\x04" + bytes(100), content_type="audio/mpeg"),
        uploader=team.admin,
        now=NOW,
    )
    assert (recording.content_type, recording.file.name[-4:]) == ("audio/mpeg", ".mp3")


@pytest.mark.parametrize(("name", "content", "content_type", "message"), [
    ("notes.html", b"<html><script>alert(1)</script>", "text/html",
     "only audio files are accepted, not text/html"),
    ("call.wav", b"<html><script>alert(1)</script>", "audio/wav",
     "the file&#x27;s content is not audio in a format LeadFlow knows"),
    ("call.wav", b"%PDF-1.7 not a call", "audio/wav",
     "the file&#x27;s content is not audio in a format LeadFlow knows"),
])  # fmt: skip
def test_anything_but_audio_is_refused_and_nothing_is_stored(
    client: Client,
    team: Team,
    call: CallLog,
    media_root: Path,
    name: str,
    content: bytes,
    content_type: str,
    message: str,
) -> None:
    client.force_login(team.qualifier)
    answer = _upload(client, call, name, content, content_type)
    assert answer.startswith("400 ")
    assert f"Not uploaded: {message}" in answer
    assert not CallRecording.objects.exists()
    assert _files(media_root) == []


def test_an_empty_file_is_refused(team: Team, call: CallLog) -> None:
    empty = SimpleUploadedFile("call.wav", b"", content_type="audio/wav")
    with pytest.raises(RecordingRejected, match="the file is empty"):
        recording_upload(call=call, upload=empty, uploader=team.qualifier, now=NOW)


def test_a_file_over_50_mb_is_refused(team: Team, call: CallLog, media_root: Path) -> None:
    big = wav_bytes()[:44] + bytes(RECORDING_MAX_BYTES)
    upload = SimpleUploadedFile("long.wav", big, content_type="audio/wav")
    with pytest.raises(RecordingRejected, match="a recording may be at most 50 MB"):
        recording_upload(call=call, upload=upload, uploader=team.qualifier, now=NOW)
    assert _files(media_root) == []


def test_an_upload_announcing_more_than_the_limit_is_refused_before_it_is_read(
    client: Client, team: Team, call: CallLog
) -> None:
    client.force_login(team.qualifier)
    response = client.post(
        f"/review/calls/{call.pk}/recording",
        {"file": SimpleUploadedFile("call.wav", wav_bytes(), content_type="audio/wav")},
        CONTENT_LENGTH=str(RECORDING_MAX_BYTES * 2),
    )
    assert response.status_code == 413
    assert "Not uploaded: the file is larger than 50 MB." in response.content.decode()
    assert not CallRecording.objects.exists()


def test_a_call_has_one_recording(
    client: Client, team: Team, call: CallLog, recording: CallRecording, media_root: Path
) -> None:
    with pytest.raises(RecordingRejected, match="this call already has a recording"):
        recording_upload(
            call=call,
            upload=SimpleUploadedFile("again.wav", wav_bytes(), content_type="audio/wav"),
            uploader=team.admin,
            now=NOW,
        )
    assert _files(media_root) == [media_root / recording.file.name]


def test_only_the_qualifier_of_the_call_or_an_admin_uploads(
    client: Client, team: Team, call: CallLog
) -> None:
    client.force_login(team.other_qualifier)
    page = client.get(f"/review/calls/{call.pk}/recording")
    assert page.status_code == 200
    assert "multipart/form-data" not in page.content.decode()
    assert _upload(client, call, "c.wav", wav_bytes(), "audio/wav").startswith("403 ")
    with pytest.raises(RecordingRejected, match="only the qualifier who made the call"):
        recording_upload(
            call=call,
            upload=SimpleUploadedFile("c.wav", wav_bytes(), content_type="audio/wav"),
            uploader=team.reviewer,
            now=NOW,
        )
    assert not CallRecording.objects.exists()


@pytest.mark.parametrize("role", ["client_contact", "partner", "manager", "marketer"])
def test_the_recording_page_does_not_exist_for_roles_without_recordings(
    client: Client, team: Team, call: CallLog, role: str
) -> None:
    client.force_login(getattr(team, role))
    assert client.get(f"/review/calls/{call.pk}/recording").status_code == 404
    assert _upload(client, call, "c.wav", wav_bytes(), "audio/wav").startswith("404 ")


def test_a_call_outside_the_users_scope_does_not_exist_for_them(
    client: Client, team: Team, call: CallLog
) -> None:
    client.force_login(team.foreign_reviewer)
    assert client.get(f"/review/calls/{call.pk}/recording").status_code == 404


# --- listening ---------------------------------------------------------------------------------


def test_a_reviewer_plays_a_recording_and_every_listen_is_an_event(
    client: Client, team: Team, recording: CallRecording
) -> None:
    lead_id = recording.call.lead_id
    client.force_login(team.reviewer)
    source = _play(client, recording)
    assert _played(lead_id) == 1
    event = Lead.objects.get(pk=lead_id).events.get(kind=EventKind.RECORDING_PLAYED)
    assert event.actor == team.reviewer
    assert event.after == {"call": recording.call_id, "recording": recording.pk}
    audio = client.get(source)
    assert audio.status_code == 200
    assert audio["Content-Type"] == "audio/wav"
    assert audio["Cache-Control"] == "private, no-store"
    assert audio["Content-Disposition"] == (
        f'inline; filename="lead-{lead_id}-call-{recording.call_id}.wav"'
    )
    assert b"".join(audio.streaming_content) == wav_bytes()  # type: ignore[attr-defined]
    _play(client, recording)
    assert _played(lead_id) == 2


def test_an_admin_plays_a_recording(client: Client, team: Team, recording: CallRecording) -> None:
    client.force_login(team.admin)
    assert client.get(_play(client, recording)).status_code == 200
    assert _played(recording.call.lead_id) == 1


def test_without_javascript_play_opens_a_page_with_the_player(
    client: Client, team: Team, recording: CallRecording
) -> None:
    client.force_login(team.reviewer)
    page = client.post(f"/review/recordings/{recording.pk}/play").content.decode()
    assert "<audio controls" in page
    assert "<!doctype html>" in page


@pytest.mark.parametrize(
    "role", ["client_contact", "partner", "qualifier", "other_qualifier", "manager", "marketer"]
)
def test_no_one_else_can_hear_a_recording_not_even_its_uploader(
    client: Client, team: Team, recording: CallRecording, role: str
) -> None:
    user: User = getattr(team, role)
    client.force_login(user)
    assert client.post(f"/review/recordings/{recording.pk}/play").status_code == 404
    own_token = recording_token(recording_id=recording.pk, user_id=user.pk)
    assert client.get(f"/review/recordings/{recording.pk}/audio?token={own_token}").status_code == (
        404
    )
    assert _played(recording.call.lead_id) == 0


def test_a_reviewer_outside_the_program_cannot_hear_it(
    client: Client, team: Team, recording: CallRecording
) -> None:
    client.force_login(team.foreign_reviewer)
    assert client.post(f"/review/recordings/{recording.pk}/play").status_code == 404
    assert _played(recording.call.lead_id) == 0


def test_the_audio_needs_a_link_made_for_this_user(
    client: Client, team: Team, recording: CallRecording
) -> None:
    client.force_login(team.reviewer)
    source = _play(client, recording)
    assert client.get(f"/review/recordings/{recording.pk}/audio").status_code == 404
    assert client.get(f"/review/recordings/{recording.pk}/audio?token=forged").status_code == 404
    client.force_login(team.other_reviewer)
    assert client.get(source).status_code == 404  # a reviewer's link passed to a colleague


def test_the_link_expires_after_ten_minutes(
    client: Client, team: Team, recording: CallRecording
) -> None:
    client.force_login(team.reviewer)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        source = _play(client, recording)
    with time_machine.travel(start + timedelta(minutes=9), tick=False):
        assert client.get(source).status_code == 200
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        assert client.get(source).status_code == 404


def test_the_batch_offers_play_for_a_recorded_call(
    client: Client, team: Team, program: Program, recording: CallRecording
) -> None:
    client.force_login(team.reviewer)
    page = client.get(f"/review/{program.slug}/").content.decode()
    assert f'hx-post="/review/recordings/{recording.pk}/play"' in page
    assert "▶ Play recording" in page
    assert _played(recording.call.lead_id) == 0  # showing the button is not a listen


def test_the_admin_lists_recordings_read_only_without_a_link_to_the_file(
    client: Client, team: Team, recording: CallRecording
) -> None:
    client.force_login(team.admin)
    assert client.get("/admin/review/callrecording/").status_code == 200
    page = client.get(f"/admin/review/callrecording/{recording.pk}/change/")
    assert page.status_code == 200
    assert recording.file.name not in page.content.decode()
    assert client.get("/admin/review/callrecording/add/").status_code == 403


def test_an_upload_without_the_csrf_token_is_refused(team: Team, call: CallLog) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.qualifier)
    answer = _upload(client, call, "c.wav", wav_bytes(), "audio/wav")
    assert answer.startswith("403 ")
    assert not CallRecording.objects.exists()
