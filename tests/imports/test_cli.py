"""``leadflow import`` as people run it: the real console script against a SQLite file."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

LEADFLOW = Path(sys.executable).parent / "leadflow"
CREATE_PROGRAM = (
    "from django.utils import timezone; "
    "from leadflow.programs.services import client_create, program_create; "
    "program_create(client=client_create(name='Acme', slug='acme'), name='Acme Lists', "
    "slug='acme-lists', actor=None, now=timezone.now())"
)


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli")
    for args in (["migrate", "--noinput", "-v0"], ["shell", "-c", CREATE_PROGRAM]):
        leadflow(path, *args, check=True)
    return path


def leadflow(var_dir: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["LEADFLOW_VAR_DIR"] = str(var_dir)
    return subprocess.run(
        [str(LEADFLOW), *args], env=env, capture_output=True, text=True, check=check, timeout=600
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_last_line_counts_and_errors_csv_neutralises_formulas(
    var_dir: Path, tmp_path: Path
) -> None:
    source = write(
        tmp_path / "list.csv",
        "First Name,Last Name,Email,Company\n"
        "Ada,Lovelace,ada@cli.example,Engines\n"
        "Ada,Lovelace,ADA@cli.example,\n"
        "=cmd|' /C calc'!A0,x,bad@,\n",
    )
    errors = tmp_path / "errors.csv"
    result = leadflow(
        var_dir, "import", str(source), "--program", "acme-lists", "--errors", str(errors)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "created 1, merged 1, rejected 1, warnings 0"
    assert "100%" in result.stderr
    rows = list(csv.reader(errors.open(encoding="utf-8")))
    assert rows[0] == ["row", "reason", "First Name", "Last Name", "Email", "Company"]
    assert rows[1][0] == "4"
    assert rows[1][1].startswith("email: not an e-mail address")
    assert rows[1][2] == "'=cmd|' /C calc'!A0"


def test_dry_run_reports_the_same_counts_and_writes_nothing(var_dir: Path, tmp_path: Path) -> None:
    source = write(tmp_path / "dry.csv", "Email\nnew1@dry.example\nnew2@dry.example\nnope\n")
    dry = leadflow(var_dir, "import", str(source), "--program", "acme-lists", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[-1] == "created 2, merged 0, rejected 1, warnings 0"
    assert "Email -> email" in dry.stdout
    real = leadflow(var_dir, "import", str(source), "--program", "acme-lists")
    assert real.stdout.splitlines()[-1] == "created 2, merged 0, rejected 1, warnings 0"


@pytest.mark.parametrize(
    ("content", "program", "message"),
    [
        (None, "acme-lists", "no such file"),
        (b"%PDF-1.4 binary", "acme-lists", "not a CSV or XLSX file"),
        (b"", "acme-lists", "the file is empty"),
        (b"Email\na@x.io\n", "no-such-program", "no program 'no-such-program'"),
    ],
)
def test_unreadable_input_exits_2_with_one_line(
    var_dir: Path, tmp_path: Path, content: bytes | None, program: str, message: str
) -> None:
    path = tmp_path / "input.csv"
    if content is not None:
        path.write_bytes(content)
    result = leadflow(var_dir, "import", str(path), "--program", program)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
