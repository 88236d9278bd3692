"""The upload page, the job page with its HTMX progress partial, and the rejected rows CSV."""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from pytest_django.fixtures import Settings

from leadflow.accounts.models import Role, User
from leadflow.imports.models import ImportJob
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests.tasks import IMMEDIATE

CSV = b"Email,Company\nada@example.com,Engines\nADA@example.com,\n=1+1,\n"


@pytest.fixture(autouse=True)
def web(settings: Settings, tmp_path: Path) -> None:
    """Uploads land in tmp_path; plain HTTP, as the tests' client speaks it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SECURE_SSL_REDIRECT = False


def upload(client: Client, program: Program, **extra: object) -> ImportJob:
    """Upload, then confirm the mapping step as it stands ("Import"): the job runs."""
    with override_settings(TASKS=IMMEDIATE):
        response = client.post(
            "/imports/",
            {"file": SimpleUploadedFile("list.csv", CSV), "program": program.pk, **extra},
        )
        assert response.status_code == 302, response.content
        job = ImportJob.objects.get()
        assert response["Location"] == f"/imports/{job.pk}/mapping/"
        response = client.post(
            f"/imports/{job.pk}/mapping/",
            {"action": "import", "column_0": "email", "column_1": "company"},
        )
    assert response.status_code == 302, response.content
    assert response["Location"] == f"/imports/{job.pk}/"
    return job


def test_marketer_uploads_and_sees_the_counts(
    client: Client, program: Program, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.MARKETER, programs=(program,)))
    job = upload(client, program, campaign="LIST-1")
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "Done" in page
    assert "<dt>Created</dt><dd>1</dd>" in page
    assert "<dt>Merged</dt><dd>1</dd>" in page
    assert "<dt>Rejected</dt><dd>1</dd>" in page
    assert f"/imports/{job.pk}/rejected.csv" in page
    assert "hx-trigger" not in page
    assert Lead.objects.get().campaign == "LIST-1"


def test_rejected_rows_download_is_formula_safe(
    client: Client, program: Program, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.MANAGER, programs=(program,)))
    job = upload(client, program)
    response = client.get(f"/imports/{job.pk}/rejected.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "row,reason,Email,Company"
    assert lines[1].startswith("4,")
    assert lines[1].endswith(",'=1+1,")


def test_dry_run_upload_writes_no_lead(
    client: Client, program: Program, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.ADMIN))
    job = upload(client, program, dry_run="on")
    job.refresh_from_db()
    assert (job.created, job.merged, job.rejected) == (1, 1, 1)
    assert Lead.objects.count() == 0


@pytest.mark.parametrize("role", [Role.QUALIFIER, Role.CLIENT])
def test_other_roles_are_refused(
    client: Client, program: Program, make_user: Callable[..., User], role: Role
) -> None:
    client.force_login(make_user(role, programs=(program,)))
    assert client.get("/imports/").status_code == 403
    response = client.post(
        "/imports/", {"file": SimpleUploadedFile("l.csv", CSV), "program": program.pk}
    )
    assert response.status_code == 403
    assert ImportJob.objects.count() == 0


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    response = client.get("/imports/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_program_select_lists_only_programs_in_scope(
    client: Client, program: Program, other_program: Program, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.MARKETER, programs=(program,)))
    page = client.get("/imports/").content.decode()
    assert program.name in page
    assert other_program.name not in page
    response = client.post(
        "/imports/", {"file": SimpleUploadedFile("l.csv", CSV), "program": other_program.pk}
    )
    assert response.status_code == 200
    assert ImportJob.objects.count() == 0


def test_job_out_of_scope_is_404(
    client: Client, program: Program, other_program: Program, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.ADMIN))
    job = upload(client, other_program)
    client.force_login(make_user(Role.MARKETER, programs=(program,)))
    assert client.get(f"/imports/{job.pk}/").status_code == 404
    assert client.get(f"/imports/{job.pk}/rejected.csv").status_code == 404


def test_htmx_request_gets_the_polling_partial_while_running(
    client: Client, program: Program, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.MARKETER, programs=(program,))
    client.force_login(user)
    job = upload(client, program)
    ImportJob.objects.filter(pk=job.pk).update(status="running", processed_rows=1, total_rows=3)
    response = client.get(f"/imports/{job.pk}/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert 'hx-trigger="every 1s"' in html
    assert f'hx-get="/imports/{job.pk}/"' in html
    assert 'value="33"' in html


def test_the_import_page_is_cards_like_the_other_pages(
    client: Client, program: Program, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.MARKETER, programs=(program,)))
    page = client.get("/imports/").content.decode()
    assert '<section class="card import-upload" aria-labelledby="upload-heading">' in page
    assert '<h2 id="upload-heading">Start an import</h2>' in page
    assert '<section class="card" aria-labelledby="recent-heading">' in page
    assert "leadflow/imports.css" in page
