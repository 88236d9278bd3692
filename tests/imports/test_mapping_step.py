"""The mapping step (issue 12, part 6): before anything is written, each column with its target
in plain words and a sample of its values; a person changes a target or ignores a column, sees
the dry run, saves the mapping for the program's next files, and imports; the CLI's ``--map``."""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from leadflow.accounts.models import Role, User
from leadflow.core.criteria import default_criteria
from leadflow.imports.mapping import IGNORE, HeaderMap, UnknownTarget, mapping_targets
from leadflow.imports.models import ImportJob, ImportStatus, SavedMapping
from leadflow.imports.services.jobs import import_job_create
from leadflow.imports.services.preview import (
    import_job_confirm,
    import_preview,
    saved_mapping_apply,
    saved_mapping_save,
)
from leadflow.imports.services.run import import_run
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.tasks import IMMEDIATE

WriteCsv = Callable[..., Path]
FILE = (
    "Email,Organisation,Booth,Budget\n"
    ",Empty Co,,\n"
    "ada@example.com,Engines,call after 5,approved\n"
    "bob@example.com,Looms,,none\n"
    "ADA@example.com,,second visit,\n"
    "not-an-email,,,\n"
)


def _job(program: Program, path: Path, **options: object) -> ImportJob:
    job, _ = import_job_create(
        program=program,
        path=path,
        original_name=path.name,
        uploaded_by=None,
        now=NOW,
        awaiting_mapping=True,
        **options,  # type: ignore[arg-type]
    )
    return job


# --- the mapping's vocabulary ----------------------------------------------------------------


def test_targets_are_plain_words_never_internal_keys() -> None:
    labels = {target.key: target.label for target in mapping_targets(default_criteria())}
    assert labels["email"] == "E-mail"
    assert labels["first_name"] == "First name"
    assert labels["answer:budget"] == "Answer: Budget"
    assert labels["profile"] == "Keep in the profile"
    assert labels[IGNORE] == "Ignore"
    assert not [label for key, label in labels.items() if "_" in label or label == key]


def test_an_override_changes_a_column_and_ignore_drops_it() -> None:
    header = HeaderMap(
        ["Mail", "Org", "Booth"],
        default_criteria(),
        overrides={"Mail": "email", "Org": "company", "Booth": IGNORE},
    )
    submission = header.submission(["ada@example.com", "Engines", "call after 5"])
    assert (submission.raw.email, submission.raw.company) == ("ada@example.com", "Engines")
    assert submission.profile == {}
    assert [column.label for column in header.columns] == ["E-mail", "Company", "Ignore"]


def test_an_override_to_an_answer_or_to_the_profile() -> None:
    header = HeaderMap(
        ["Email", "Money", "Company"],
        default_criteria(),
        overrides={"Money": "answer:budget", "Company": "profile"},
    )
    submission = header.submission(["a@x.io", "Approved", "Engines"])
    assert submission.answers == {"budget": "approved"}
    assert submission.profile == {"Company": "Engines"}
    assert submission.raw.company == ""


def test_an_unknown_target_is_refused_with_the_valid_ones() -> None:
    with pytest.raises(UnknownTarget) as refused:
        HeaderMap(["Email"], default_criteria(), overrides={"Email": "e_mail"})
    assert "'e_mail'" in str(refused.value)
    assert "email" in str(refused.value)
    assert "ignore" in str(refused.value)


def test_a_column_the_file_lacks_is_left_out_and_listed() -> None:
    header = HeaderMap(["Email"], default_criteria(), overrides={"Town": "profile"})
    assert header.unknown_columns == ["Town"]
    assert header.overrides() == {}


# --- the preview -------------------------------------------------------------------------------


def test_preview_shows_each_column_with_its_target_and_first_non_empty_values(
    program: Program, write_csv: WriteCsv
) -> None:
    preview = import_preview(job=_job(program, write_csv(FILE)), overrides={})
    columns = {column.header: column for column in preview.columns}
    assert columns["Email"].label == "E-mail"
    assert columns["Email"].samples == ["ada@example.com", "bob@example.com", "ADA@example.com"]
    assert columns["Booth"].label == "Keep in the profile"
    assert columns["Booth"].samples == ["call after 5", "second visit"]
    assert columns["Budget"].label == "Answer: Budget"
    assert not any(column.overridden for column in preview.columns)


def test_preview_applies_an_override_and_counts_the_dry_run(
    program: Program, write_csv: WriteCsv
) -> None:
    job = _job(program, write_csv(FILE))
    before = import_preview(job=job, overrides={})
    assert (before.dry_run.create, before.dry_run.merge, before.dry_run.reject) == (2, 1, 2)
    assert [number for number, _ in before.dry_run.rejections] == [2, 6]
    ignored = import_preview(job=job, overrides={"Email": IGNORE})
    assert [c.label for c in ignored.columns if c.header == "Email"] == ["Ignore"]
    assert ignored.columns[0].overridden
    # Without the e-mail column nobody can be reached: every row is rejected.
    assert (ignored.dry_run.create, ignored.dry_run.merge, ignored.dry_run.reject) == (0, 0, 5)
    assert Lead.objects.count() == 0


def test_dry_run_summary_equals_what_the_import_then_does(
    program: Program, write_csv: WriteCsv
) -> None:
    job = _job(program, write_csv(FILE + "cy@example.com,Cogs,,\n" + "dee@example.com,,,\n"))
    overrides = {"Booth": IGNORE}
    run = import_preview(job=job, overrides=overrides).dry_run
    job = import_job_confirm(job=job, overrides=overrides)
    assert job.status == ImportStatus.PENDING
    job = import_run(job=job, clock=lambda: NOW)
    assert (job.created, job.merged, job.rejected, job.warnings) == (
        run.create,
        run.merge,
        run.reject,
        run.warn,
    )
    assert run.rows == job.processed_rows
    assert [reason for _, reason in run.rejections] == [
        row.reason for row in job.rejected_rows.order_by("row_number")
    ][: len(run.rejections)]
    assert not any("Booth" in lead.profile for lead in Lead.objects.all())


def test_a_saved_mapping_is_reused_on_the_programs_next_file(
    program: Program, write_csv: WriteCsv
) -> None:
    first = _job(program, write_csv(FILE, name="march.csv"))
    saved = saved_mapping_save(
        job=first,
        name="Trade show scanner",
        columns={"Booth": IGNORE, "Organisation": "profile"},
        user=None,
        now=NOW,
    )
    assert SavedMapping.objects.get(program=program).columns == saved.columns
    second = _job(program, write_csv(FILE.replace("ada", "ann"), name="april.csv"))
    second = saved_mapping_apply(job=second, saved=saved)
    preview = import_preview(job=second, overrides=second.overrides)
    labels = {column.header: column.label for column in preview.columns}
    assert labels == {
        "Email": "E-mail",
        "Organisation": "Keep in the profile",
        "Booth": "Ignore",
        "Budget": "Answer: Budget",
    }


def test_a_saved_mapping_whose_target_left_the_criteria_keeps_the_rest(
    program: Program, write_csv: WriteCsv
) -> None:
    job = _job(program, write_csv(FILE))
    saved = SavedMapping.objects.create(
        program=program,
        name="old",
        columns={"Booth": "answer:retired_question", "Organisation": IGNORE},
        created_at=NOW,
    )
    assert saved_mapping_apply(job=job, saved=saved).overrides == {"Organisation": IGNORE}


# --- the web page -----------------------------------------------------------------------------


@pytest.fixture
def marketer(client: Client, program: Program, make_user: Callable[..., User]) -> User:
    user = make_user(Role.MARKETER, programs=(program,))
    client.force_login(user)
    return user


def _upload(client: Client, program: Program, text: str = FILE) -> ImportJob:
    response = client.post(
        "/imports/",
        {"file": SimpleUploadedFile("list.csv", text.encode()), "program": program.pk},
    )
    assert response.status_code == 302, response.content
    job = ImportJob.objects.latest("id")
    assert response["Location"] == f"/imports/{job.pk}/mapping/"
    return job


def _columns(**chosen: str) -> dict[str, str]:
    base = {"column_0": "email", "column_1": "company", "column_2": "profile"}
    return {**base, "column_3": "answer:budget", **chosen}


@pytest.mark.usefixtures("plain_http", "marketer")
def test_upload_writes_nothing_and_shows_the_mapping_page(client: Client, program: Program) -> None:
    job = _upload(client, program)
    assert job.status == ImportStatus.MAPPING
    page = client.get(f"/imports/{job.pk}/mapping/").content.decode()
    assert Lead.objects.count() == 0
    assert '<option value="email" selected>E-mail</option>' in page
    assert '<option value="answer:budget" selected>Answer: Budget</option>' in page
    assert ">Keep in the profile</option>" in page
    assert ">Ignore</option>" in page
    assert "ada@example.com" in page
    assert "call after 5" in page
    assert "<dt>Create</dt><dd>2</dd>" in page
    assert "<dt>Merge</dt><dd>1</dd>" in page
    assert "<dt>Reject</dt><dd>2</dd>" in page
    assert "Row 6:" in page


@pytest.mark.usefixtures("plain_http", "marketer")
def test_changing_a_column_shows_the_new_dry_run(client: Client, program: Program) -> None:
    job = _upload(client, program)
    response = client.post(
        f"/imports/{job.pk}/mapping/", {"action": "check", **_columns(column_0="ignore")}
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.overrides == {"Email": "ignore"}
    page = client.get(f"/imports/{job.pk}/mapping/").content.decode()
    assert "<dt>Reject</dt><dd>5</dd>" in page
    assert Lead.objects.count() == 0


@pytest.mark.usefixtures("plain_http", "marketer")
def test_a_forged_target_is_refused(client: Client, program: Program) -> None:
    job = _upload(client, program)
    response = client.post(
        f"/imports/{job.pk}/mapping/", {"action": "import", **_columns(column_1="password")}
    )
    assert response.status_code == 400
    job.refresh_from_db()
    assert job.status == ImportStatus.MAPPING


@pytest.mark.usefixtures("plain_http", "marketer")
def test_save_then_reuse_a_mapping_on_the_page(client: Client, program: Program) -> None:
    job = _upload(client, program)
    client.post(
        f"/imports/{job.pk}/mapping/",
        {"action": "save", "name": "Scanner", **_columns(column_2="ignore")},
    )
    saved = SavedMapping.objects.get(program=program)
    assert (saved.name, saved.columns) == ("Scanner", {"Booth": "ignore"})
    second = _upload(client, program, FILE.replace("ada", "ann"))
    page = client.get(f"/imports/{second.pk}/mapping/").content.decode()
    assert "Use a saved mapping" in page
    assert ">Scanner</option>" in page
    client.post(f"/imports/{second.pk}/mapping/", {"action": "load", "saved": saved.pk})
    second.refresh_from_db()
    assert second.overrides == {"Booth": "ignore"}


@pytest.mark.usefixtures("plain_http", "marketer")
def test_import_runs_the_job_with_the_chosen_mapping(client: Client, program: Program) -> None:
    job = _upload(client, program)
    with override_settings(TASKS=IMMEDIATE):
        response = client.post(
            f"/imports/{job.pk}/mapping/", {"action": "import", **_columns(column_2="ignore")}
        )
    assert response["Location"] == f"/imports/{job.pk}/"
    job.refresh_from_db()
    assert (job.status, job.created, job.merged, job.rejected) == ("done", 2, 1, 2)
    assert not any("Booth" in lead.profile for lead in Lead.objects.all())
    assert "<dt>Created</dt><dd>2</dd>" in client.get(f"/imports/{job.pk}/").content.decode()
    # Once started, the mapping page is gone: it leads to the result.
    assert client.get(f"/imports/{job.pk}/mapping/")["Location"] == f"/imports/{job.pk}/"


@pytest.mark.usefixtures("plain_http", "marketer")
def test_result_page_lists_rejections_inline_and_links_the_created_leads(
    client: Client, program: Program
) -> None:
    job = _upload(client, program)
    with override_settings(TASKS=IMMEDIATE):
        client.post(f"/imports/{job.pk}/mapping/", {"action": "import", **_columns()})
    page = client.get(f"/imports/{job.pk}/").content.decode()
    for rejected in job.rejected_rows.all():
        assert f'<td class="num">{rejected.row_number}</td><td>{rejected.reason}</td>' in page
    for lead in Lead.objects.filter(program=program):
        assert f'href="/leads/{lead.pk}/"' in page
    assert f"/leads/?program={program.pk}&amp;sort=-created" in page
    assert f'href="/imports/{job.pk}/undo/"' in page


# --- the CLI -----------------------------------------------------------------------------------


def test_cli_map_applies_the_overrides_on_a_dry_run(
    program: Program, write_csv: WriteCsv, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(FILE)
    call_command(
        "import", str(path), "--program", program.slug, "--dry-run",
        "--map", "Organisation=ignore", "--map", "Booth=answer:need",
    )  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    assert "  Organisation -> ignored" in out
    assert "  Booth -> answer 'need'" in out
    assert out[-1].startswith("created 2, merged 1, rejected 2")  # the CLI's contract
    job = ImportJob.objects.get()
    assert job.overrides == {"Organisation": "ignore", "Booth": "answer:need"}
    assert Lead.objects.count() == 0


def test_cli_map_unknown_target_is_status_2_listing_the_valid_targets(
    program: Program, write_csv: WriteCsv
) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("import", str(write_csv(FILE)), "--program", program.slug,
                     "--map", "Organisation=organisation")  # fmt: skip
    assert refused.value.returncode == 2
    message = str(refused.value)
    assert "unknown target 'organisation'" in message
    assert "company" in message
    assert "answer:budget" in message
    assert "ignore" in message
    assert ImportJob.objects.count() == 0


def test_cli_map_unknown_column_is_status_2(program: Program, write_csv: WriteCsv) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("import", str(write_csv(FILE)), "--program", program.slug,
                     "--map", "Town=profile")  # fmt: skip
    assert refused.value.returncode == 2
    assert "no column 'Town'" in str(refused.value)


@pytest.mark.usefixtures("plain_http", "marketer")
def test_a_file_that_cannot_be_read_says_why_on_the_mapping_page(
    client: Client, program: Program
) -> None:
    job = _upload(client, program, "\x00\x01\x02" * 400)
    response = client.get(f"/imports/{job.pk}/mapping/")
    assert response.status_code == 400
    assert "binary" in response.content.decode()
    assert Lead.objects.count() == 0


@pytest.mark.usefixtures("plain_http")
def test_mapping_page_of_another_scope_is_404_and_other_roles_403(
    client: Client,
    program: Program,
    other_program: Program,
    write_csv: WriteCsv,
    make_user: Callable[..., User],
) -> None:
    job = _job(other_program, write_csv(FILE))
    client.force_login(make_user(Role.MARKETER, programs=(program,)))
    assert client.get(f"/imports/{job.pk}/mapping/").status_code == 404
    assert client.post(f"/imports/{job.pk}/mapping/", {"action": "import"}).status_code == 404
    client.force_login(make_user(Role.QUALIFIER, programs=(other_program,)))
    assert client.get(f"/imports/{job.pk}/mapping/").status_code == 403
    job.refresh_from_db()
    assert job.status == ImportStatus.MAPPING


def test_cli_map_a_column_to_the_city(
    program: Program, write_csv: WriteCsv, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv("Email,Town\nada@example.com,Springfield\n")
    call_command("import", str(path), "--program", program.slug, "--map", "Town=city")
    assert capsys.readouterr().out.splitlines()[-1].startswith("created 1, merged 0, rejected 0")
    lead = Lead.objects.get()
    assert (lead.city, lead.profile.get("Town")) == ("Springfield", None)
