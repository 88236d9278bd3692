"""Imports keep every reachable lead (issue 12, item 3): files in the shapes real exports have
(punctuated and nine-digit phones, USPS territory codes, a country written ``unknown``) are
imported with warnings, counted in the job and on the CLI's last line."""

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from leadflow.core.enums import Channel
from leadflow.imports.models import ImportJob
from leadflow.imports.services.jobs import import_job_create
from leadflow.imports.services.run import import_run
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests.conftest import NOW

WriteCsv = Callable[..., Path]

SHAPES = (
    "First Name,Last Name,Email,Phone,Company,Country,State,Lead Source\n"
    "Ada,Lovelace,ada@example.com,385-(642)951-8397,Engines,United States,CA,Online Form\n"
    "Bob,Byte,bob@example.com,385-642-951,Bytes,US,TX,Web\n"
    "Cy,Young,cy@example.com,(415) 555-0100,Young,US,FM,\n"
    "Dee,Dee,dee@example.com,,Dee Co,,PW,Partner\n"
    "Eve,Ng,eve@example.com,,Ng Ltd,unknown,,Spring Expo\n"
    "Fay,Wu,,385-642-951,,,,\n"
    "Gus,Ho,ADA@example.com,415_555_0101,Engines,,,\n"
)


def run(program: Program, path: Path, **options: Any) -> ImportJob:
    job, _ = import_job_create(
        program=program, path=path, original_name=path.name, uploaded_by=None, now=NOW, **options
    )
    return import_run(job=job, clock=lambda: NOW)


def test_the_issues_shapes_are_created_with_warnings_and_counted(
    program: Program, write_csv: WriteCsv
) -> None:
    program.source_channel_rules = {"spring expo": "event"}
    program.save()
    job = run(program, write_csv(SHAPES))
    assert (job.created, job.merged, job.rejected, job.warnings) == (5, 1, 1, 3)
    rejected = job.rejected_rows.get()
    assert rejected.row_number == 7
    assert "phone: not a phone number: too short" in rejected.reason
    assert "contact: needs an e-mail, a phone, or a company and a name" in rejected.reason
    ada = Lead.objects.get(email="ada@example.com")
    assert (ada.phone, ada.country, ada.subdivision) == ("+14155550101", "US", "CA")
    assert ada.profile["phone"] == "385-(642)951-8397"
    assert [w["field"] for w in ada.warnings] == ["phone"]
    bob = Lead.objects.get(email="bob@example.com")
    assert (bob.phone, [w["field"] for w in bob.warnings]) == ("", ["phone"])
    cy = Lead.objects.get(email="cy@example.com")
    assert (cy.country, cy.subdivision, cy.warnings) == ("FM", "", [])
    dee = Lead.objects.get(email="dee@example.com")
    assert (dee.country, dee.subdivision, dee.channel) == ("PW", "", Channel.REFERRAL)
    eve = Lead.objects.get(email="eve@example.com")
    assert (eve.country, eve.channel) == ("", Channel.EVENT)
    assert eve.warnings == [
        {"field": "country", "value": "unknown", "reason": "unknown country 'unknown'"}
    ]
    assert eve.profile["country"] == "unknown"


def test_a_dry_run_counts_the_same_warnings_and_writes_nothing(
    program: Program, write_csv: WriteCsv
) -> None:
    job = run(program, write_csv(SHAPES), dry_run=True)
    assert (job.created, job.merged, job.rejected, job.warnings) == (5, 1, 1, 3)
    assert not Lead.objects.exists()


def test_a_row_with_more_values_than_the_header_is_rejected_saying_so(
    program: Program, write_csv: WriteCsv
) -> None:
    job = run(program, write_csv("Email,Company\nada@example.com,Engines,extra\n"))
    assert (job.created, job.rejected, job.warnings) == (0, 1, 0)
    assert job.rejected_rows.get().reason == "row: 3 values but the header has 2 columns"


def test_an_xlsx_of_spreadsheet_numbers_imports_its_phones(
    program: Program, write_xlsx: Callable[..., Path]
) -> None:
    path = write_xlsx([["Email", "Phone", "State"], ["ada@example.com", 4155550100.0, "FM"]])
    job = run(program, path)
    assert (job.created, job.rejected, job.warnings) == (1, 0, 0)
    lead = Lead.objects.get()
    assert (lead.phone, lead.country) == ("+14155550100", "FM")


LEADFLOW = Path(sys.executable).parent / "leadflow"


def test_the_cli_last_line_keeps_its_three_words_and_adds_the_warnings(
    tmp_path: Path, write_csv: WriteCsv
) -> None:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["LEADFLOW_VAR_DIR"] = str(tmp_path / "var")
    create = (
        "from django.utils import timezone; "
        "from leadflow.programs.services import client_create, program_create; "
        "program_create(client=client_create(name='Acme', slug='acme'), name='Acme Lists', "
        "slug='acme-lists', actor=None, now=timezone.now())"
    )

    def leadflow(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(LEADFLOW), *args], env=env, capture_output=True, text=True, timeout=600
        )

    for args in (("migrate", "--noinput", "-v0"), ("shell", "-c", create)):
        assert leadflow(*args).returncode == 0
    result = leadflow("import", str(write_csv(SHAPES)), "--program", "acme-lists")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "created 5, merged 1, rejected 1, warnings 3"
