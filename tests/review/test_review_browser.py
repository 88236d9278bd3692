"""The reviewer's journey in a real browser: open the program's review batch, hear a call
recording, approve one lead and push another back with a reason and a note; then the qualifier
finds the pushed-back lead flagged at the top of the queue and reads why."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import EventKind
from leadflow.programs.models import Program
from leadflow.review.services import recording_upload
from tests.conftest import NOW
from tests.review.conftest import SubmitLead, first_call, wav_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


def _sign_in(page: Page, live_server: LiveServer, path: str, username: str) -> None:
    page.goto(f"{live_server.url}{path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}{path}")


def test_a_reviewer_approves_one_lead_and_pushes_one_back_to_the_qualifier(
    page: Page,
    screenshots: Path,
    live_server: LiveServer,
    program: Program,
    submit_lead: SubmitLead,
) -> None:
    quinn = user_create(
        username="quinn", password="quinn-password-1", roles=(Role.QUALIFIER,),
        programs=(program,), first_name="Quinn", last_name="Caller",
    )  # fmt: skip
    user_create(
        username="rita", password="rita-password-1", roles=(Role.REVIEWER,), programs=(program,)
    )
    good = submit_lead(
        program, quinn, first_name="Ada", last_name="Lovelace", company="Analytical Engines Ltd",
        phone="+442071234567", title="Head of Operations",
    )  # fmt: skip
    doubtful = submit_lead(
        program, quinn, answers={"budget": "preliminary", "timeframe_months": 5},
        first_name="Grace", last_name="Hopper", company="Cobol Systems", minutes=20,
    )  # fmt: skip
    recording = recording_upload(
        call=first_call(doubtful),
        upload=SimpleUploadedFile("grace.wav", wav_bytes(2.0), content_type="audio/wav"),
        uploader=quinn,
        now=NOW,
    )
    page.set_viewport_size(DESKTOP)

    _sign_in(page, live_server, "/review/", "rita")
    program_row = page.get_by_role("row", name=program.name)
    expect(program_row.get_by_test_id("waiting")).to_have_text("2")
    program_row.get_by_role("link", name=program.name).click()
    expect(page).to_have_url(f"{live_server.url}/review/{program.slug}/")
    expect(page.get_by_test_id("summary")).to_contain_text("2 leads waiting · 2 pass every check")

    ada = page.locator(f"#review-lead-{good.pk}")
    grace = page.locator(f"#review-lead-{doubtful.pk}")
    expect(ada).to_contain_text("Passes every check")
    expect(grace.get_by_role("button", name="Play recording")).to_be_visible()
    page.screenshot(path=str(screenshots / "review-batch.png"), full_page=True)

    grace.get_by_role("button", name="Play recording").click()
    expect(grace.get_by_test_id("recording-player")).to_be_attached()
    assert doubtful.events.filter(kind=EventKind.RECORDING_PLAYED).count() == 1
    source = grace.get_by_test_id("recording-player").get_attribute("src")
    assert source is not None
    assert f"/review/recordings/{recording.pk}/audio?token=" in source

    ada.get_by_role("button", name="Approve").click()
    expect(page.locator(f"#review-lead-{good.pk}")).to_have_text(
        f"Lead #{good.pk} approved. Lead and history"
    )

    grace.get_by_text("Push back…").click()
    grace.get_by_label("Reason").select_option("BANT not confirmed on the call")
    grace.get_by_label("Note for the qualifier").fill("The budget was a guess: ask who signs.")
    grace.get_by_role("button", name="Push back", exact=True).click()
    expect(page.locator(f"#review-lead-{doubtful.pk}")).to_contain_text(
        f"Lead #{doubtful.pk} pushed back to its qualifier (BANT not confirmed on the call)."
    )

    good.refresh_from_db()
    doubtful.refresh_from_db()
    assert good.status == LeadStatus.APPROVED
    assert (doubtful.status, doubtful.push_back_reason) == (
        LeadStatus.QUALIFYING,
        "BANT not confirmed on the call",
    )

    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, live_server, "/queue/", "quinn")
    flagged = page.get_by_test_id("pushed-back")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("Pushed back")
    expect(flagged).to_contain_text(f"#{doubtful.pk} Grace Hopper, Cobol Systems")
    expect(flagged).to_contain_text("BANT not confirmed on the call")

    page.get_by_role("button", name="Take next lead").click()
    expect(page).to_have_url(f"{live_server.url}/leads/{doubtful.pk}/")
    expect(page.get_by_test_id("push-back")).to_contain_text(
        "BANT not confirmed on the call — The budget was a guess: ask who signs."
    )
