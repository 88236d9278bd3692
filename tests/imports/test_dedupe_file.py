"""An import's de-duplication: repeated ids that name several people are rejected, swapped names
at one company are two people, and a person captured during the import is not created twice."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from leadflow.core.normalise import RawLead
from leadflow.imports.models import ImportJob
from leadflow.imports.services.jobs import import_job_create
from leadflow.imports.services.run import import_run
from leadflow.intake.models import PossibleDuplicate
from leadflow.intake.services import Submission, lead_capture
from leadflow.leads.models import EventKind, Lead
from leadflow.programs.models import Program
from tests.conftest import NOW

WriteCsv = Callable[..., Path]


def run(program: Program, path: Path, **options: Any) -> ImportJob:
    job, _ = import_job_create(
        program=program, path=path, original_name=path.name, uploaded_by=None, now=NOW
    )
    return import_run(job=job, clock=lambda: NOW, **options)


def test_an_id_repeated_with_different_emails_rejects_those_rows_with_the_reason(
    program: Program, write_csv: WriteCsv
) -> None:
    path = write_csv(
        "Id,First Name,Last Name,Email\n"
        "7,Ada,Lovelace,ada@example.com\n"
        "7,Grace,Hopper,grace@example.com\n"
        "8,Alan,Turing,alan@example.com\n"
        "7,Edsger,Dijkstra,edsger@example.com\n"
    )
    job = run(program, path)
    assert (job.created, job.merged, job.rejected) == (1, 0, 3)
    reasons = {row.row_number: row.reason for row in job.rejected_rows.all()}
    assert set(reasons) == {2, 3, 5}
    assert reasons[2] == "external_id: external id 7 appears on 3 rows with different e-mails"
    assert Lead.objects.get().email == "alan@example.com"


def test_an_id_repeated_with_different_names_and_no_emails_is_rejected(
    program: Program, write_csv: WriteCsv
) -> None:
    path = write_csv(
        "Id,First Name,Last Name,Phone\n1,Ada,Lovelace,415 555 0100\n1,Grace,Hopper,415 555 0199\n"
    )
    job = run(program, path)
    assert (job.created, job.rejected) == (0, 2)
    assert "appears on 2 rows with different names" in job.rejected_rows.first().reason  # type: ignore[union-attr]


def test_an_id_repeated_with_the_same_person_is_one_lead(
    program: Program, write_csv: WriteCsv
) -> None:
    path = write_csv(
        "Id,First Name,Last Name,Email,Title\n"
        "7,Ada,Lovelace,ada@example.com,\n"
        "7,A.,Lovelace,ADA@example.com,Countess\n"
    )
    job = run(program, path)
    assert (job.created, job.merged, job.rejected) == (1, 1, 0)
    lead = Lead.objects.get()
    assert lead.title == "Countess"
    assert lead.events.get(kind=EventKind.MERGED).reason == "same external id"


def test_swapped_names_at_one_company_with_other_emails_are_two_leads_and_a_pair(
    program: Program, write_csv: WriteCsv
) -> None:
    path = write_csv(
        "Id,First Name,Last Name,Email,Company,Street\n"
        "1,Ada,Lovelace,ada@acme.com,Acme,1 Engine Row\n"
        "2,Lovelace,Ada,lovelace@acme.com,ACME Inc.,9 Other Road\n"
        ",Ada,Lovelace,,Acme Corp,\n"
    )
    job = run(program, path)
    assert (job.created, job.merged, job.rejected) == (2, 1, 0)
    first = Lead.objects.get(email="ada@acme.com")
    second = Lead.objects.get(email="lovelace@acme.com")
    assert first.street == "1 Engine Row"
    pair = PossibleDuplicate.objects.get()
    assert (pair.lead_id, pair.other_id) == (second.pk, first.pk)
    assert pair.reason.endswith("other e-mail")


def test_a_person_captured_between_two_chunks_is_merged_not_created_again(
    program: Program, write_csv: WriteCsv
) -> None:
    path = write_csv(
        "Email,First Name\n"
        + "".join(f"p{i}@example.com,P{i}\n" for i in range(4))
        + "late@example.com,Late\n"
    )
    captured: list[int] = []

    def capture_between_chunks(job: ImportJob) -> None:
        if not captured:
            result = lead_capture(
                program=program,
                submission=Submission(raw=RawLead(email="Late@Example.com", first_name="L")),
                actor=None,
                now=NOW,
            )
            captured.append(result.lead.pk)

    job = run(program, path, chunk_rows=2, on_progress=capture_between_chunks)
    assert (job.created, job.merged) == (4, 1)
    late = Lead.objects.get(email="late@example.com")
    assert late.pk == captured[0]
    assert late.events.get(kind=EventKind.MERGED).reason == "same e-mail late@example.com"


def test_an_import_asks_the_database_once_per_chunk_for_its_keys(
    program: Program, write_csv: WriteCsv, django_assert_max_num_queries: Any
) -> None:
    rows = "".join(f"p{i}@example.com,+1 415 555 {i:04d},Firm {i},P,N{i}\n" for i in range(300))
    path = write_csv("Email,Phone,Company,First Name,Last Name\n" + rows)
    with django_assert_max_num_queries(60):
        job = run(program, path, chunk_rows=100)
    assert job.created == 300


def test_a_lead_of_an_earlier_chunk_is_matched_as_it_is_now_not_as_it_was_created(
    program: Program, write_csv: WriteCsv
) -> None:
    """Ada is created in the first chunk without an e-mail; in the second, a row gives her
    ada@acme.com, and the next row of that chunk, the same name at the same company with
    another e-mail, is someone else (company and name match only without a conflicting
    e-mail): a new lead and a possible pair, never merged into Ada through a stale copy of her
    keys (the index once held the first chunk's leads twice: as placed, and as the database
    returned them)."""
    path = write_csv(
        "First Name,Last Name,Company,Email,Phone\n"
        "Ada,Lovelace,Acme,,+1 415 555 0100\n"
        "Bob,Young,Globex,bob@globex.com,\n"
        "Ada,Lovelace,Acme,ada@acme.com,\n"
        "Ada,Lovelace,Acme,countess@elsewhere.org,\n"
    )
    job = run(program, path, chunk_rows=2)
    assert (job.created, job.merged, job.rejected) == (3, 1, 0)
    ada = Lead.objects.get(email="ada@acme.com")
    assert ada.phone == "+14155550100"
    other = Lead.objects.get(email="countess@elsewhere.org")
    assert not other.events.filter(kind=EventKind.MERGED).exists()
    assert PossibleDuplicate.objects.filter(lead=other, other=ada).exists()


def test_a_colleague_captured_between_chunks_is_matched_by_company_and_name(
    program: Program, write_csv: WriteCsv
) -> None:
    """The run keeps the people of the companies it has met (Acme, from the first chunk); a
    person captured at Acme while it runs is added at the next chunk's start, so a row naming
    him there merges into him."""
    path = write_csv(
        "First Name,Last Name,Company,Email\n"
        "Ada,Lovelace,Acme,ada@acme.com\n"
        "Cy,Young,Globex,cy@globex.com\n"
        "Bob,Young,Acme,\n"
    )
    captured: list[int] = []

    def capture_between_chunks(job: ImportJob) -> None:
        if not captured:
            result = lead_capture(
                program=program,
                submission=Submission(
                    raw=RawLead(
                        first_name="Bob", last_name="Young", company="ACME", email="b@y.org"
                    )
                ),
                actor=None,
                now=NOW,
            )
            captured.append(result.lead.pk)

    job = run(program, path, chunk_rows=2, on_progress=capture_between_chunks)
    assert (job.created, job.merged) == (2, 1)
    bob = Lead.objects.get(pk=captured[0])
    assert bob.events.get(kind=EventKind.MERGED).reason.startswith("same company 'acme'")
