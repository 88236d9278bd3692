"""The import pipeline: counts, rejected rows, de-duplication, chunks as transactions, resume."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from leadflow.imports.models import ImportJob, ImportStatus
from leadflow.imports.reading import ImportFileError
from leadflow.imports.services import run as run_module
from leadflow.imports.services.jobs import import_job_create
from leadflow.imports.services.run import import_run
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.services.create import RowsInserted
from leadflow.programs.models import Program
from tests.conftest import NOW

WriteCsv = Callable[..., Path]
HEADER = "First Name,Last Name,Email,Phone,Company,Country,budget,timeframe_months,Booth\n"


def run(program: Program, path: Path, *, chunk_rows: int = 1000, **options: Any) -> ImportJob:
    job, _ = import_job_create(
        program=program, path=path, original_name=path.name, uploaded_by=None, now=NOW, **options
    )
    return import_run(job=job, clock=lambda: NOW, chunk_rows=chunk_rows)


def numbered(count: int, *, start: int = 0) -> str:
    return "".join(
        f"Person,No{i},p{i}@example.com,,Firm {i},US,approved,{i % 12},B{i}\n"
        for i in range(start, start + count)
    )


def test_counts_and_rejected_rows_with_number_and_reason(
    program: Program, write_csv: WriteCsv
) -> None:
    path = write_csv(
        HEADER
        + "Ada,Lovelace,ada@example.com,+1 415 555 0100,Engines,US,approved,2,A1\n"
        + "Bob,,not-an-email,,,,,,\n"
        + "Cy,Young,cy@example.com,,,US,lots,,\n"
        + "Dee,Dee,dee@example.com,,,,,,\n"
    )
    job = run(program, path)
    assert (job.status, job.created, job.merged, job.rejected) == ("done", 3, 0, 1)
    assert job.warnings == 1
    assert job.processed_rows == job.total_rows == 4
    rejected = {row.row_number: row.reason for row in job.rejected_rows.all()}
    assert set(rejected) == {3}
    assert "email: not an e-mail address" in rejected[3]
    assert "contact: needs an e-mail, a phone, or a company and a name" in rejected[3]
    assert job.rejected_rows.get(row_number=3).data == [
        "Bob", "", "not-an-email", "", "", "", "", "", "",
    ]  # fmt: skip
    cy = Lead.objects.get(email="cy@example.com")
    assert cy.warnings == [
        {
            "field": "answers.budget",
            "value": "lots",
            "reason": "'lots' is not one of none, preliminary, approved",
        }
    ]
    assert cy.profile["answers.budget"] == "lots"


def test_every_created_lead_has_its_created_event_and_qualification(
    program: Program, write_csv: WriteCsv
) -> None:
    job = run(program, write_csv(HEADER + numbered(5)), channel=None)
    leads = Lead.objects.filter(program=program)
    assert job.created == leads.count() == 5
    assert LeadEvent.objects.filter(kind=EventKind.CREATED, lead__in=leads).count() == 5
    lead = leads.get(email="p3@example.com")
    assert lead.answers == {"budget": "approved", "timeframe_months": 3}
    assert lead.profile == {"Booth": "B3"}
    assert lead.channel == "purchased_list"
    assert lead.criteria_version is not None


def test_duplicates_within_the_file_are_merged_with_merged_events(
    program: Program, write_csv: WriteCsv
) -> None:
    path = write_csv(
        HEADER
        + "Ada,Lovelace,ada@example.com,,Engines,US,,,\n"
        + "ADA,lovelace,  Ada@Example.com ,+1 (415) 555-0100,,US,approved,,\n"
        + "A.,Lovelace,,415.555.0100,,US,,,\n"
    )
    job = run(program, path)
    assert (job.created, job.merged, job.rejected) == (1, 2, 0)
    lead = Lead.objects.get(program=program)
    assert lead.phone == "+14155550100"
    assert lead.answers == {"budget": "approved"}
    merges = lead.events.filter(kind=EventKind.MERGED).order_by("id")
    assert [event.reason for event in merges] == [
        "same e-mail ada@example.com",
        "same phone +14155550100",
    ]


def test_rows_matching_existing_leads_are_merged(
    program: Program, write_csv: WriteCsv, make_lead: Callable[..., Lead]
) -> None:
    existing = make_lead(program, external_id="SF-1")
    path = write_csv(
        "Lead ID,Email,Company,Title\n"
        "SF-1,other@example.com,Engines,Countess\n"
        "SF-2,ADA@example.com,,Analyst\n"
        "SF-3,new@example.com,New Co,\n"
    )
    job = run(program, path)
    assert (job.created, job.merged) == (1, 2)
    existing.refresh_from_db()
    assert existing.title == "Countess"
    reasons = list(existing.events.filter(kind=EventKind.MERGED).values_list("reason", flat=True))
    assert reasons == ["same external id", "same e-mail ada@example.com"]


def test_channel_and_campaign_options_override_the_file(
    program: Program, write_csv: WriteCsv
) -> None:
    path = write_csv("Email,Lead Source,Campaign\na@example.com,Web,FILE\n")
    run(program, path, channel="event", campaign="SHOW-26")
    lead = Lead.objects.get(program=program)
    assert (lead.channel, lead.campaign) == ("event", "SHOW-26")


def test_a_value_too_long_for_its_column_rejects_the_row_not_the_chunk(
    program: Program, write_csv: WriteCsv
) -> None:
    path = write_csv(f"Email,Company\na@example.com,{'X' * 201}\nb@example.com,Fine\n")
    job = run(program, path)
    assert (job.created, job.rejected) == (1, 1)
    assert job.rejected_rows.get().reason == "company: at most 200 characters"


def test_dry_run_writes_no_lead_and_counts_what_would_happen(
    program: Program, write_csv: WriteCsv, make_lead: Callable[..., Lead]
) -> None:
    make_lead(program)
    before = (Lead.objects.count(), LeadEvent.objects.count())
    path = write_csv(HEADER + numbered(3) + "Ada,L,ada@example.com,,,,,,\nX,,bad,,,,,,\n")
    job = run(program, path, dry_run=True)
    assert (job.created, job.merged, job.rejected) == (3, 1, 1)
    assert (Lead.objects.count(), LeadEvent.objects.count()) == before


def test_an_interrupted_import_keeps_whole_chunks_and_a_rerun_resumes_without_duplicates(
    program: Program, write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(HEADER + numbered(25) + numbered(3))  # the last 3 repeat the first 3
    real_create = run_module.leads_rows_insert
    calls = {"n": 0}

    def failing_second_chunk(**kwargs: Any) -> RowsInserted:
        calls["n"] += 1
        created = real_create(**kwargs)  # the fault comes after the chunk's rows are written
        if calls["n"] == 2:
            raise OSError("disk full")
        return created

    monkeypatch.setattr(run_module, "leads_rows_insert", failing_second_chunk)
    with pytest.raises(OSError, match="disk full"):
        run(program, path, chunk_rows=10)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    assert "disk full" in job.message
    assert (job.processed_rows, job.created) == (10, 10)
    assert Lead.objects.filter(program=program).count() == 10
    assert LeadEvent.objects.count() == 10

    monkeypatch.setattr(run_module, "leads_rows_insert", real_create)
    resumed = run(program, path, chunk_rows=10)
    assert resumed.pk == job.pk
    assert (resumed.status, resumed.processed_rows) == ("done", 28)
    assert (resumed.created, resumed.merged, resumed.rejected) == (25, 3, 0)
    assert Lead.objects.filter(program=program).count() == 25


def test_importing_a_finished_file_again_creates_no_duplicates(
    program: Program, write_csv: WriteCsv
) -> None:
    path = write_csv(HEADER + numbered(12))
    first = run(program, path, chunk_rows=5)
    second = run(program, path, chunk_rows=5)
    assert second.pk != first.pk
    assert (second.created, second.merged) == (0, 12)
    assert Lead.objects.filter(program=program).count() == 12


def test_a_merge_fills_keys_that_later_rows_match_on(program: Program, write_csv: WriteCsv) -> None:
    path = write_csv(
        "Email,Phone\nada@example.com,\nada@example.com,+14155550100\n,+1 415 555 0100\n"
    )
    job = run(program, path, chunk_rows=2)
    assert (job.created, job.merged) == (1, 2)


def test_a_file_over_the_size_setting_fails_the_job(program: Program, write_csv: WriteCsv) -> None:
    path = write_csv(HEADER + numbered(50))
    with override_settings(IMPORT_MAX_BYTES=1000), pytest.raises(ImportFileError, match="limit"):
        run(program, path)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    assert "over the import limit of 1000 bytes" in job.message
    assert Lead.objects.count() == 0


def test_new_leads_cost_a_fixed_number_of_queries_per_chunk(
    program: Program,
    write_csv: WriteCsv,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    path = write_csv(HEADER + numbered(300))
    job, _ = import_job_create(
        program=program, path=path, original_name="x.csv", uploaded_by=None, now=NOW
    )
    with django_assert_max_num_queries(30):
        import_run(job=job, clock=lambda: NOW, chunk_rows=1000)
    assert job.created == 300
