"""A marketer's import in a real browser (issue 12, parts 6 and 10): upload a file, find on the
mapping page that its "Mail" column would only be kept in the profile, make it the e-mail, check
the dry run, save the mapping for the next file, import, read the result (rejections inline,
links to the created leads), and undo."""

from pathlib import Path

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create
from leadflow.core.lifecycle import LeadStatus
from leadflow.imports.models import ImportJob, ImportStatus, SavedMapping
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests.tasks import IMMEDIATE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
FILE = (
    "Mail,Organisation,First Name,Last Name,Booth\n"
    "ada@example.com,Analytical Engines,Ada,Lovelace,A1\n"
    "grace@example.com,Navy Labs,Grace,Hopper,A2\n"
    "GRACE@example.com,,,,B3\n"
    "not-an-email,,,,\n"
)


def test_upload_map_dry_run_import_result_and_undo(
    page: Page, screenshots: Path, live_server: LiveServer, program: Program, tmp_path: Path
) -> None:
    user_create(
        username="mara", password="mara-imports-1", roles=(Role.MARKETER,), programs=(program,)
    )
    path = tmp_path / "trade-show.csv"
    path.write_text(FILE, encoding="utf-8")
    page.set_viewport_size(DESKTOP)

    page.goto(f"{live_server.url}/imports/")
    page.get_by_label("Username").fill("mara")
    page.get_by_label("Password").fill("mara-imports-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/imports/")
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_label("Program").select_option(label=program.name)
    page.get_by_role("button", name="Upload and map the columns").click()

    # The mapping page: nothing written; "Mail" is not a header LeadFlow knows.
    expect(page.get_by_role("heading", name="Map the columns of trade-show.csv")).to_be_visible()
    mail = page.get_by_label("Mail", exact=True)
    expect(mail).to_have_value("profile")
    expect(page.get_by_label("Organisation")).to_have_value("company")
    expect(
        page.get_by_text("ada@example.com, grace@example.com, GRACE@example.com")
    ).to_be_visible()
    dry_run = page.locator(".dry-run")
    expect(dry_run.locator("dt:has-text('Create') + dd")).to_have_text("2")
    expect(dry_run.locator("dt:has-text('Reject') + dd")).to_have_text("2")
    assert Lead.objects.count() == 0
    page.screenshot(path=str(screenshots / "import-mapping.png"), full_page=True)

    mail.select_option(label="E-mail")
    page.get_by_label("Booth").select_option(label="Ignore")
    page.get_by_role("button", name="Check again").click()
    expect(page.get_by_label("Mail", exact=True)).to_have_value("email")
    expect(dry_run.locator("dt:has-text('Create') + dd")).to_have_text("2")
    expect(dry_run.locator("dt:has-text('Merge') + dd")).to_have_text("1")
    expect(dry_run.locator("dt:has-text('Reject') + dd")).to_have_text("1")
    expect(dry_run.get_by_text("Row 5:")).to_be_visible()
    page.get_by_label("Save this mapping as").fill("Trade show scanner")
    page.get_by_role("button", name="Save the mapping").click()
    expect(
        page.get_by_text(f"Mapping “Trade show scanner” saved for {program.name}.")
    ).to_be_visible()
    expect(page.get_by_label("Use a saved mapping")).to_have_value(
        str(SavedMapping.objects.get(program=program).pk)
    )
    assert Lead.objects.count() == 0
    page.screenshot(path=str(screenshots / "import-mapping-changed.png"), full_page=True)

    with override_settings(TASKS=IMMEDIATE):
        page.get_by_role("button", name="Import", exact=True).click()
        expect(page.get_by_role("heading", name="Import of trade-show.csv")).to_be_visible()
    expect(page.get_by_text("Status: Done")).to_be_visible()
    expect(page.get_by_role("heading", name="Rejected rows")).to_be_visible()
    expect(page.locator("table.rejections td.num")).to_have_text(["5"])
    created = page.locator("ul.created-leads a")
    expect(created).to_have_count(2)
    job = ImportJob.objects.get()
    assert (job.created, job.merged, job.rejected) == (2, 1, 1)
    assert not any("Booth" in lead.profile for lead in Lead.objects.all())
    page.screenshot(path=str(screenshots / "import-result.png"), full_page=True)

    page.get_by_role("link", name="Undo this import…").click()
    expect(page.locator("dt:has-text('Leads to disqualify') + dd")).to_have_text("2")
    page.screenshot(path=str(screenshots / "import-undo.png"), full_page=True)
    page.get_by_role("button", name="Undo the import").click()
    expect(
        page.get_by_text("Import undone: 2 leads disqualified, 0 merges reverted, 0 leads kept.")
    ).to_be_visible()
    expect(page.get_by_text("Status: Undone")).to_be_visible()
    page.screenshot(path=str(screenshots / "import-undone.png"), full_page=True)
    job.refresh_from_db()
    assert job.status == ImportStatus.UNDONE
    assert set(Lead.objects.values_list("status", flat=True)) == {LeadStatus.DISQUALIFIED}
