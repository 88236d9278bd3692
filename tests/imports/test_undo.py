"""Undoing an import (issue 12, part 6): its untouched created leads are disqualified as
"import undone", its merges into untouched leads are reverted from their ``merged`` events,
leads changed since are kept and listed, and all of it is recorded (events, the job's status
and counts). Nothing is deleted."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.core.enums import DisqualificationReason
from leadflow.core.lifecycle import LeadStatus
from leadflow.imports.models import ImportedLead, ImportJob, ImportStatus
from leadflow.imports.services.jobs import import_job_create
from leadflow.imports.services.run import import_run
from leadflow.imports.services.undo import ImportNotUndoable, import_undo, import_undo_plan
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.services import event_record
from leadflow.programs.models import Program
from tests.conftest import NOW

WriteCsv = Callable[..., Path]
LATER = NOW + timedelta(hours=1)
FILE = (
    "Email,Company,Booth,Budget\n"
    "new1@example.com,First Co,A1,approved\n"
    "new2@example.com,Second Co,A2,\n"
    "old@example.com,Oldco,B7,approved\n"
    "nobody,,,\n"
)


@pytest.fixture
def old(program: Program, make_lead: Callable[..., Lead]) -> Lead:
    """An existing lead with a blank company and no answers: the file's third row fills them."""
    return make_lead(
        program, email="old@example.com", company="", first_name="Old", last_name="Timer",
        answers={},
    )  # fmt: skip


def _import(program: Program, path: Path, **options: object) -> ImportJob:
    job, _ = import_job_create(
        program=program, path=path, original_name=path.name, uploaded_by=None, now=NOW,
        **options,  # type: ignore[arg-type]
    )  # fmt: skip
    return import_run(job=job, clock=lambda: NOW)


def _new(email: str) -> Lead:
    return Lead.objects.get(email=email)


def test_the_import_records_what_it_created_and_merged(
    program: Program, write_csv: WriteCsv, old: Lead
) -> None:
    job = _import(program, write_csv(FILE))
    assert (job.created, job.merged, job.rejected) == (2, 1, 1)
    rows = {row.lead_id: row for row in ImportedLead.objects.filter(job=job)}
    assert {lead_id for lead_id, row in rows.items() if row.created} == {
        _new("new1@example.com").pk,
        _new("new2@example.com").pk,
    }
    merged = rows[old.pk]
    assert not merged.created
    assert LeadEvent.objects.get(pk=merged.merge_event_ids[0]).kind == EventKind.MERGED


def test_undo_disqualifies_the_created_leads_and_reverts_the_merge(
    program: Program, write_csv: WriteCsv, old: Lead
) -> None:
    job = _import(program, write_csv(FILE))
    events_before = LeadEvent.objects.count()
    import_undo(job=job, actor=None, now=LATER)
    for email in ("new1@example.com", "new2@example.com"):
        lead = _new(email)
        assert lead.status == LeadStatus.DISQUALIFIED
        assert lead.disqualification == DisqualificationReason.IMPORT_UNDONE
        assert lead.rating is None
        undone = lead.events.filter(to_status=LeadStatus.DISQUALIFIED).get()
        assert f"import #{job.pk}" in undone.reason
    old.refresh_from_db()
    assert (old.company, old.profile, old.answers) == ("", {}, {})
    assert old.status == LeadStatus.NEW
    reverted = old.events.filter(kind=EventKind.UPDATED).get()
    assert reverted.before["company"] == "Oldco"
    assert reverted.after["restored"]["company"] == ""
    assert f"import #{job.pk}" in reverted.reason
    # The history only grew: nothing was deleted.
    assert LeadEvent.objects.count() > events_before
    assert Lead.objects.count() == 3
    job.refresh_from_db()
    assert job.status == ImportStatus.UNDONE
    assert job.undo_counts == {"disqualified": 2, "reverted": 1, "kept": 0}
    assert job.undone_at == LATER


def test_leads_changed_since_the_import_are_kept(
    program: Program, write_csv: WriteCsv, old: Lead, make_user: Callable[..., User]
) -> None:
    job = _import(program, write_csv(FILE))
    qualifier = make_user(Role.QUALIFIER, programs=(program,))
    touched = _new("new1@example.com")
    event_record(lead=touched, kind=EventKind.NOTE, actor=qualifier, now=LATER, reason="called")
    event_record(lead=old, kind=EventKind.NOTE, actor=qualifier, now=LATER, reason="called")
    plan = import_undo_plan(job=job)
    assert {row.lead_id for row, _ in plan.kept} == {touched.pk, old.pk}
    assert all(why == "changed since the import" for _, why in plan.kept)
    import_undo(job=job, actor=None, now=LATER)
    touched.refresh_from_db()
    old.refresh_from_db()
    assert touched.status == LeadStatus.NEW
    assert old.company == "Oldco"
    assert _new("new2@example.com").status == LeadStatus.DISQUALIFIED
    job.refresh_from_db()
    assert job.undo_counts == {"disqualified": 1, "reverted": 0, "kept": 2}


def test_a_lead_merged_twice_by_one_import_unwinds_both(
    program: Program, write_csv: WriteCsv, old: Lead
) -> None:
    path = write_csv(FILE + "old@example.com,,B9,\nOLD@example.com,,,preliminary\n")
    job = _import(program, path)
    assert job.merged == 3
    import_undo(job=job, actor=None, now=LATER)
    old.refresh_from_db()
    assert (old.company, old.profile, old.answers) == ("", {}, {})


def test_a_row_merged_into_a_lead_the_same_import_created_is_undone_with_it(
    program: Program, write_csv: WriteCsv
) -> None:
    job = _import(program, write_csv(FILE + "NEW1@example.com,,A9,\n"))
    import_undo(job=job, actor=None, now=LATER)
    assert _new("new1@example.com").status == LeadStatus.DISQUALIFIED


def test_an_import_is_undone_once_and_a_dry_run_never(
    program: Program, write_csv: WriteCsv
) -> None:
    job = _import(program, write_csv(FILE))
    import_undo(job=job, actor=None, now=LATER)
    with pytest.raises(ImportNotUndoable):
        import_undo(job=job, actor=None, now=LATER)
    dry = _import(program, write_csv(FILE, name="again.csv"), dry_run=True)
    with pytest.raises(ImportNotUndoable):
        import_undo(job=dry, actor=None, now=LATER)


@pytest.mark.usefixtures("plain_http")
def test_undo_page_says_what_will_happen_then_does_it(
    client: Client, program: Program, write_csv: WriteCsv, old: Lead,
    make_user: Callable[..., User],
) -> None:  # fmt: skip
    user = make_user(Role.MARKETER, programs=(program,))
    client.force_login(user)
    job = _import(program, write_csv(FILE))
    page = client.get(f"/imports/{job.pk}/undo/").content.decode()
    assert "<dt>Leads to disqualify</dt><dd>2</dd>" in page
    assert "<dt>Merges to revert</dt><dd>1</dd>" in page
    assert "Consent" in page
    response = client.post(f"/imports/{job.pk}/undo/")
    assert response["Location"] == f"/imports/{job.pk}/"
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "Import undone: 2 leads disqualified, 1 merges reverted, 0 leads kept." in page
    assert "Undone" in page
    assert f'href="/imports/{job.pk}/undo/"' not in page
    assert client.post(f"/imports/{job.pk}/undo/").status_code == 409
    assert _new("new1@example.com").events.filter(actor=user).exists()


@pytest.mark.usefixtures("plain_http")
def test_undo_of_a_job_out_of_scope_is_404(
    client: Client, other_program: Program, write_csv: WriteCsv,
    make_user: Callable[..., User], program: Program,
) -> None:  # fmt: skip
    job = _import(other_program, write_csv(FILE))
    client.force_login(make_user(Role.MARKETER, programs=(program,)))
    assert client.post(f"/imports/{job.pk}/undo/").status_code == 404
    assert not Lead.objects.filter(status=LeadStatus.DISQUALIFIED).exists()


def test_a_failed_import_undoes_the_chunks_it_committed(
    program: Program, write_csv: WriteCsv
) -> None:
    job = _import(program, write_csv(FILE))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED)
    job.refresh_from_db()
    import_undo(job=job, actor=None, now=LATER)
    assert _new("new1@example.com").status == LeadStatus.DISQUALIFIED
    again, resumed = import_job_create(
        program=program, path=write_csv(FILE), original_name="leads.csv", uploaded_by=None,
        now=LATER,
    )  # fmt: skip
    assert not resumed
    assert again.pk != job.pk
