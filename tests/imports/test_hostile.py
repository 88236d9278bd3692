"""Hostile files fail their own import, with the reason, and nothing else (issue 13, item 4).

Each test writes its file itself (a workbook assembled part by part with ``zipfile``), runs the
real ``leadflow import`` or the import job as the task worker does, and checks the refusal's
reason, that no lead was written, and that the memory stayed bounded: the parent process's own
peak (``ru_maxrss``) did not grow, and no process it started went past the reader's limit.
"""

import os
import resource
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from leadflow.imports.models import ImportJob, ImportStatus
from leadflow.imports.reading import ImportFileError
from leadflow.imports.services.jobs import import_job_create
from leadflow.imports.services.run import import_run
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.imports.test_cli import leadflow, var_dir  # noqa: F401  (the CLI's database)

MB = 1024 * 1024
#: Peak RSS any process of a test may reach: the reader's limit is 2 GB of address space.
BOUND_KB = 1024 * 1024

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
SHEET_OPEN = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
LEAD_ROWS = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>Company</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>ada@hostile.example</t></is></c>'
    '<c r="B2" t="inlineStr"><is><t>Engines</t></is></c></row>'
)
NO_STRINGS = (
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" '
    'uniqueCount="0"/>'
)


def workbook(
    path: Path,
    *,
    sheet: str | Iterator[str],
    strings: str | Iterator[str] = NO_STRINGS,
) -> Path:
    """A workbook assembled part by part; a sheet or shared strings given as an iterator of
    pieces is streamed into the archive, so the test never holds it whole."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, content in (
            ("xl/worksheets/sheet1.xml", sheet),
            ("xl/sharedStrings.xml", strings),
        ):
            with archive.open(name, "w", force_zip64=True) as part:
                for piece in [content] if isinstance(content, str) else content:
                    part.write(piece.encode())
    return path


def own_peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def children_peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def lead_count(var_dir: Path) -> int:  # noqa: F811
    result = leadflow(
        var_dir,
        "shell",
        "-c",
        "from leadflow.leads.models import Lead; print(Lead.objects.count())",
        check=True,
    )
    return int(result.stdout.strip().splitlines()[-1])


def refused_by_cli(var_dir: Path, path: Path) -> str:  # noqa: F811
    """The CLI's exit status is 2 and the file's refusal is on standard error; no lead was
    written and no process went past the bound."""
    before = lead_count(var_dir)
    result = leadflow(var_dir, "import", str(path), "--program", "acme-lists")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert lead_count(var_dir) == before
    assert children_peak_kb() < BOUND_KB
    return result.stderr


FAR_CORNER = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far</t></is></c></row>'


def test_a_sparse_dimension_in_a_tiny_workbook_is_refused_before_parsing(
    var_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    path = workbook(
        tmp_path / "sparse.xlsx",
        sheet=f'{SHEET_OPEN}<dimension ref="A1:XFD1048576"/><sheetData>{LEAD_ROWS}{FAR_CORNER}'
        "</sheetData></worksheet>",
    )
    assert path.stat().st_size < 2048
    stderr = refused_by_cli(var_dir, path)
    assert "the file could not be read: its sheet declares 16,384 columns (A1:XFD1048576)" in stderr


def test_a_far_corner_cell_without_a_dimension_kills_only_the_reader(
    var_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The issue's 1.5 KB file: the reader asks for 549,755,813,888 bytes and aborts; that is
    the child, under its 2 GB limit, and the command says so and exits 2."""
    path = workbook(
        tmp_path / "corner.xlsx",
        sheet=f"{SHEET_OPEN}<sheetData>{LEAD_ROWS}{FAR_CORNER}</sheetData></worksheet>",
    )
    assert path.stat().st_size < 2048
    stderr = refused_by_cli(var_dir, path)
    assert "the file could not be read: reading it needed more than 2 GB of memory" in stderr


def test_a_zip_bomb_is_refused_by_its_compression_ratio(
    var_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    padding = (" " * MB for _ in range(64))
    path = workbook(
        tmp_path / "bomb.xlsx",
        sheet=iter(
            [SHEET_OPEN, "<sheetData>", LEAD_ROWS, "</sheetData>", *padding, "</worksheet>"]
        ),
    )
    assert path.stat().st_size < 2 * MB
    stderr = refused_by_cli(var_dir, path)
    assert "the file could not be read: the part xl/worksheets/sheet1.xml unpacks" in stderr
    assert "as only a ZIP bomb does" in stderr


def test_a_workbook_unpacking_to_more_than_the_limit_is_refused(
    program: Program, tmp_path: Path, settings: SettingsWrapper
) -> None:
    settings.IMPORT_XLSX_MAX_UNPACKED_BYTES = 8 * MB
    path = workbook(
        tmp_path / "big.xlsx",
        sheet=iter(
            [SHEET_OPEN, "<sheetData>", LEAD_ROWS, "</sheetData>", " " * 9 * MB, "</worksheet>"]
        ),
    )
    job = failed_job(program, path)
    assert job.message.startswith("the file could not be read: the workbook unpacks to 9 MB")


def test_one_huge_cell_is_refused_by_the_cell_length_cap(
    var_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    huge = (os.urandom(512 * 1024).hex() for _ in range(50))  # 50 MB of text, 1 MB at a time
    strings = iter(
        [
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
            'uniqueCount="1"><si><t>',
            *huge,
            "</t></si></sst>",
        ]
    )
    sheet = (
        f'{SHEET_OPEN}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Notes</t></is></c>'
        '</row><row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData></worksheet>'
    )
    path = workbook(tmp_path / "cell.xlsx", sheet=sheet, strings=strings)
    own_before = own_peak_kb()
    stderr = refused_by_cli(var_dir, path)
    assert (
        "the file could not be read: row 2, column 1 holds 52,428,800 characters, over the limit"
        " of 32,767 (the most a spreadsheet cell holds)"
    ) in stderr
    assert own_peak_kb() - own_before < 64 * 1024


def test_ten_thousand_columns_are_refused_by_the_column_cap(
    var_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    cells = "".join(
        f'<c r="{column(i)}1" t="inlineStr"><is><t>h{i}</t></is></c>' for i in range(10_000)
    )
    sheet = (
        f'{SHEET_OPEN}<sheetData><row r="1">{cells}</row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>x@hostile.example</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    stderr = refused_by_cli(var_dir, workbook(tmp_path / "wide.xlsx", sheet=sheet))
    assert "the file could not be read: row 1 has 10,000 columns, over the limit of 1,000" in stderr


def test_ten_thousand_columns_in_a_csv_are_refused_too(program: Program, tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"h{i}" for i in range(10_000)) + "\nx@hostile.example\n")
    job = failed_job(program, path)
    assert (
        job.message
        == "the file could not be read: row 1 has 10,000 columns, over the limit of 1,000"
    )


def test_deeply_nested_xml_is_refused(
    var_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    depth = 100_000
    sheet = (
        f"{SHEET_OPEN}<sheetData>{LEAD_ROWS}</sheetData>{'<x>' * depth}{'</x>' * depth}</worksheet>"
    )
    stderr = refused_by_cli(var_dir, workbook(tmp_path / "nested.xlsx", sheet=sheet))
    assert (
        "the file could not be read: the part xl/worksheets/sheet1.xml nests its XML more than"
        " 64 levels deep"
    ) in stderr


def test_a_dtd_is_refused(program: Program, tmp_path: Path) -> None:
    sheet = (
        '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]>'
        f"{SHEET_OPEN}<sheetData>{LEAD_ROWS}</sheetData></worksheet>"
    )
    job = failed_job(program, workbook(tmp_path / "dtd.xlsx", sheet=sheet))
    assert "declares a DTD" in job.message


def test_a_reader_that_runs_out_of_memory_kills_only_its_child(
    program: Program, tmp_path: Path, settings: SettingsWrapper
) -> None:
    """Cells at two far corners, with no declared dimension, pass every check: the reader
    reserves the whole range and dies in its child, under the memory limit. The worker (this
    process) lives, the job is failed with the reason, no lead was written."""
    settings.IMPORT_READER_MEMORY_BYTES = 1024 * MB
    sheet = (
        f'{SHEET_OPEN}<sheetData>{LEAD_ROWS}<row r="1000000"><c r="ALL1000000" t="inlineStr">'
        "<is><t>far</t></is></c></row></sheetData></worksheet>"
    )
    own_before = own_peak_kb()
    job = failed_job(program, workbook(tmp_path / "corners.xlsx", sheet=sheet))
    assert job.message == "the file could not be read: reading it needed more than 1 GB of memory"
    assert own_peak_kb() - own_before < 64 * 1024
    assert children_peak_kb() < BOUND_KB


def failed_job(program: Program, path: Path) -> ImportJob:
    """Run the file's job as the task worker does: it fails with its reason, the process
    lives, no lead is written."""
    job, _ = import_job_create(
        program=program, path=path, original_name=path.name, uploaded_by=None, now=NOW
    )
    with pytest.raises(ImportFileError):
        import_run(job=job, clock=lambda: NOW)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert not Lead.objects.filter(program=program).exists()
    return job


def column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


assert sys.platform.startswith("linux"), "the reader's limits are Linux's resource limits"
