"""An import and captures at the same time never create the same person twice (PostgreSQL: real
threads, real advisory locks; issue 12, part 8)."""

import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection, connections

from leadflow.core.normalise import RawLead
from leadflow.imports.models import ImportJob
from leadflow.imports.services.jobs import import_job_create
from leadflow.imports.services.run import import_run
from leadflow.intake.services import Submission, lead_capture
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests.conftest import NOW

ROWS = 3000


def person(i: int) -> tuple[str, str, str]:
    return (f"p{i}@example.com", f"+1 415 555 {i:04d}", f"Firm {i}")


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_people_captured_while_a_file_listing_them_imports_exist_once(
    program: Program, write_csv: Callable[..., Path]
) -> None:
    rows = "".join(f"P,No{i},{','.join(person(i))}\n" for i in range(ROWS))
    path = write_csv("First Name,Last Name,Email,Phone,Company\n" + rows)
    job, _ = import_job_create(
        program=program, path=path, original_name=path.name, uploaded_by=None, now=NOW
    )
    # Captures spread over the whole file, each thread from another end, some by phone only.
    captured = [list(range(start, ROWS, 97)) for start in (5, 40, 70)]
    captured[1].reverse()
    barrier = threading.Barrier(1 + len(captured))
    errors: list[BaseException] = []
    finished: list[ImportJob] = []

    def do_import() -> None:
        try:
            barrier.wait(timeout=30)
            finished.append(import_run(job=job, clock=lambda: NOW, chunk_rows=250))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    def do_captures(numbers: list[int]) -> None:
        try:
            barrier.wait(timeout=30)
            for i in numbers:
                email, phone, company = person(i)
                raw = (
                    RawLead(phone=phone, first_name="P", last_name=f"No{i}")
                    if i % 2
                    else RawLead(email=email.upper(), company=company, first_name="P")
                )
                lead_capture(program=program, submission=Submission(raw=raw), actor=None, now=NOW)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=do_import)] + [
        threading.Thread(target=do_captures, args=(numbers,)) for numbers in captured
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    (done,) = finished
    leads = Lead.objects.filter(program=program)
    assert leads.count() == ROWS
    assert Counter(leads.values_list("phone", flat=True)).most_common(1)[0][1] == 1
    assert set(leads.values_list("email", flat=True)) == {person(i)[0] for i in range(ROWS)}
    taken = sum(len(numbers) for numbers in captured)
    assert done.created + done.merged == ROWS
    assert done.merged <= taken
