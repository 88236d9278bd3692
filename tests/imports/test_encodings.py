"""Files in the encodings people's tools write, through the whole import (issue 12, item 9):
a UTF-8 file with one row in another encoding keeps its other rows intact and rejects that row
with the reason; a Windows-1252 file is read as such; a NUL in a field rejects its row."""

from collections.abc import Callable
from pathlib import Path

import pytest

from leadflow.imports.models import ImportJob
from leadflow.imports.services.jobs import import_job_create
from leadflow.imports.services.run import import_run
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.imports.test_cli import leadflow

WriteCsv = Callable[..., Path]
HEADER = "First Name,Last Name,Email,Company\n"
UTF8_ROWS = (
    "Jürgen,Müller,jm@example.com,Müller & Söhne GmbH\n"
    "Zoë,Ångström,za@example.com,Ørsted A/S\n"
    "JÜRGEN,MÜLLER,JM@example.com,\n"
)
LATIN1_ROW = "Renée,Weiß,rw@example.com,Café Zürich\n".encode("latin-1")


def run(program: Program, path: Path) -> ImportJob:
    job, _ = import_job_create(
        program=program, path=path, original_name=path.name, uploaded_by=None, now=NOW
    )
    return import_run(job=job, clock=lambda: NOW)


def people(program: Program) -> list[tuple[str, str, str]]:
    leads = Lead.objects.filter(program=program).order_by("id")
    return [(lead.first_name, lead.last_name, lead.company) for lead in leads]


def test_utf8_file_with_one_latin1_row_imports_the_others_intact(
    program: Program, write_csv: WriteCsv
) -> None:
    path = write_csv(HEADER + UTF8_ROWS)
    path.write_bytes(path.read_bytes() + LATIN1_ROW)
    job = run(program, path)
    assert (job.created, job.merged, job.rejected) == (2, 1, 1)
    assert people(program) == [
        ("Jürgen", "Müller", "Müller & Söhne GmbH"),
        ("Zoë", "Ångström", "Ørsted A/S"),
    ]
    rejected = job.rejected_rows.get()
    assert rejected.row_number == 5
    assert rejected.reason.startswith(
        "row: bytes that are not valid UTF-8 (0xE9 in column 1, First Name; 0xDF in column 2, "
        "Last Name; 0xE9 0xFC in column 4, Company)"
    )
    assert rejected.data == ["Ren\ufffde", "Wei\ufffd", "rw@example.com", "Caf\ufffd Z\ufffdrich"]


@pytest.mark.parametrize("bom", [False, True])
def test_utf8_with_or_without_bom_imports_every_row(
    program: Program, write_csv: WriteCsv, bom: bool
) -> None:
    job = run(program, write_csv(HEADER + UTF8_ROWS, bom=bom))
    assert (job.created, job.merged, job.rejected) == (2, 1, 0)
    assert people(program)[0] == ("Jürgen", "Müller", "Müller & Söhne GmbH")


def test_windows_1252_file_is_decoded_as_windows_1252(
    program: Program, write_csv: WriteCsv
) -> None:
    text = HEADER + "Renée,Weiß,rw@example.com,\u201cCafé\u201d Zürich \u20ac\n"
    job = run(program, write_csv(text + UTF8_ROWS, encoding="cp1252"))
    assert (job.created, job.merged, job.rejected) == (3, 1, 0)
    assert people(program)[0] == ("Renée", "Weiß", "\u201cCafé\u201d Zürich \u20ac")


def test_nul_in_a_field_rejects_the_row_with_the_field_named(
    program: Program, write_csv: WriteCsv
) -> None:
    path = write_csv(HEADER + "Ada,Love\x00lace,ada@example.com,Engines\n" + UTF8_ROWS)
    job = run(program, path)
    assert (job.created, job.merged, job.rejected) == (2, 1, 1)
    rejected = job.rejected_rows.get()
    assert (rejected.row_number, rejected.reason) == (
        2,
        "row: a NUL character (byte 0x00) in column 2, Last Name: it cannot be stored",
    )
    assert not Lead.objects.filter(email="ada@example.com").exists()


def test_cli_counts_a_utf8_file_with_one_bad_row(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    create_program = (
        "from django.utils import timezone; "
        "from leadflow.programs.services import client_create, program_create; "
        "program_create(client=client_create(name='Acme', slug='acme'), name='Acme Lists', "
        "slug='acme-lists', actor=None, now=timezone.now())"
    )
    for args in (["migrate", "--noinput", "-v0"], ["shell", "-c", create_program]):
        leadflow(var_dir, *args, check=True)
    path = tmp_path / "export.csv"
    path.write_bytes((HEADER + UTF8_ROWS).encode() + LATIN1_ROW)
    errors = tmp_path / "errors.csv"
    result = leadflow(
        var_dir, "import", str(path), "--program", "acme-lists", "--errors", str(errors)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("created 2, merged 1, rejected 1")
    report = errors.read_text(encoding="utf-8")
    assert "not valid UTF-8" in report
    assert "Jürgen" not in report
