"""Imports of real export shapes with address and consent columns (issue 12, item 4): SuiteCRM's
``Primary Address …``, Dynamics 365's ``address1_…``, Odoo's ``street``/``city``, and opt-out
columns in several spellings and values, with the stored values and the consent rows expected."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from leadflow.imports.models import ImportJob
from leadflow.imports.services.jobs import import_job_create
from leadflow.imports.services.run import import_run
from leadflow.leads.models import ContactConsent, EventKind, Lead, LeadEvent
from leadflow.leads.selectors.consent import marketing_email_allowed, may_call
from leadflow.programs.models import Program
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

WriteCsv = Callable[..., Path]


def run(program: Program, path: Path, **options: Any) -> ImportJob:
    job, _ = import_job_create(
        program=program, path=path, original_name=path.name, uploaded_by=None, now=NOW, **options
    )
    return import_run(job=job, clock=lambda: NOW, chunk_rows=1000)


def addresses() -> dict[str, tuple[str, str, str]]:
    return {
        lead.email: (lead.street, lead.city, lead.postal_code)
        for lead in Lead.objects.order_by("id")
    }


def consents(program: Program) -> dict[tuple[str, str], tuple[str, str]]:
    return {
        (row.channel, row.address): (row.status, row.source)
        for row in ContactConsent.objects.filter(client=program.client)
    }


def test_a_suitecrm_export_s_primary_address_columns_fill_the_lead(
    program: Program, write_csv: WriteCsv
) -> None:
    path = write_csv(
        "Last Name,Account Name,Email Address,Office Phone,Primary Address Street,"
        "Primary Address City,Primary Address State,Primary Address Postalcode,"
        "Primary Address Country\n"
        "Lovelace,Engines,ada@example.com,+1 415 555 0101,1 Main St,Springfield,IL,62701,USA\n"
        'Hopper,Cobol,grace@example.com,,"12 Navy Yard, Bldg 4",Arlington,VA,22201,USA\n'
    )
    job = run(program, path)
    assert (job.created, job.rejected) == (2, 0)
    assert addresses() == {
        "ada@example.com": ("1 Main St", "Springfield", "62701"),
        "grace@example.com": ("12 Navy Yard, Bldg 4", "Arlington", "22201"),
    }
    lead = Lead.objects.get(email="ada@example.com")
    assert (lead.country, lead.subdivision) == ("US", "IL")
    assert "Primary Address Street" not in lead.profile
    assert "Primary Address City" not in lead.profile


def test_a_dynamics_export_s_address_columns_fill_the_lead(
    program: Program, write_csv: WriteCsv
) -> None:
    path = write_csv(
        "firstname,lastname,emailaddress1,companyname,address1_line1,address1_city,"
        "address1_postalcode,address1_country,donotemail,donotphone\n"
        "Ada,Lovelace,ada@example.com,Engines,10 Downing St,London,SW1A 2AA,GB,0,0\n"
    )
    run(program, path)
    assert addresses() == {"ada@example.com": ("10 Downing St", "London", "SW1A 2AA")}


def test_an_odoo_export_s_street_and_city_fill_the_lead(
    program: Program, write_csv: WriteCsv
) -> None:
    path = write_csv(
        "contact_name,partner_name,email_from,street,street2,city,zip,country_id\n"
        "Ada Lovelace,Engines,ada@example.com,Rue de la Loi 16,Bte 2,Bruxelles,1000,Belgium\n"
    )
    run(program, path)
    lead = Lead.objects.get()
    assert (lead.street, lead.city, lead.postal_code, lead.country) == (
        "Rue de la Loi 16",
        "Bruxelles",
        "1000",
        "BE",
    )
    assert lead.profile["street2"] == "Bte 2"  # a second address line stays in the profile


@pytest.mark.parametrize(
    ("header", "value", "status"),
    [
        ("Do Not Email", "Yes", "unsubscribed"),
        ("DoNotEmail", "1", "unsubscribed"),
        ("Email Opt Out", "x", "unsubscribed"),
        ("HasOptedOutOfEmail", "true", "unsubscribed"),
        ("emailoptout", "TRUE", "unsubscribed"),
        ("hs_email_optout", "true", "unsubscribed"),
        ("unsubscribed", "yes", "unsubscribed"),
        ("HasOptedOutOfEmail", "false", "subscribed"),
        ("Do Not Email", "No", "subscribed"),
        ("Email Opt Out", "0", "subscribed"),
    ],
)
def test_e_mail_opt_out_columns_set_the_address_s_consent(
    program: Program, write_csv: WriteCsv, header: str, value: str, status: str
) -> None:
    job = run(program, write_csv(f"Email,Company,Last Name,{header}\nada@x.io,Engines,L,{value}\n"))
    assert consents(program) == {
        ("email", "ada@x.io"): (status, f"import {job.pk}: column {header}")
    }
    allowed = marketing_email_allowed(client=program.client, email="ada@x.io")
    assert allowed is (status == "subscribed")


@pytest.mark.parametrize("header", ["Do Not Call", "DoNotCall", "donotphone"])
def test_do_not_call_columns_mark_the_phone(
    program: Program, write_csv: WriteCsv, header: str
) -> None:
    job = run(program, write_csv(f"Email,Phone,{header}\nada@x.io,+1 415 555 0100,true\n"))
    assert consents(program) == {
        ("phone", "+14155550100"): ("unsubscribed", f"import {job.pk}: column {header}")
    }
    assert not may_call(client=program.client, phone="+14155550100")
    assert marketing_email_allowed(client=program.client, email="ada@x.io")


def test_an_empty_opt_out_cell_records_nothing(program: Program, write_csv: WriteCsv) -> None:
    run(program, write_csv("Email,Do Not Email,Do Not Call\nada@x.io,,\n"))
    assert not ContactConsent.objects.exists()


def test_an_unreadable_opt_out_is_a_warning_and_the_row_is_kept(
    program: Program, write_csv: WriteCsv
) -> None:
    job = run(program, write_csv("Email,Do Not Email\nada@x.io,sometimes\n"))
    assert (job.created, job.rejected) == (1, 0)
    lead = Lead.objects.get()
    assert [w["field"] for w in lead.warnings] == ["email_opt_out"]
    assert lead.profile["email_opt_out"] == "sometimes"
    assert not ContactConsent.objects.exists()


def test_an_unsubscribed_address_is_not_resubscribed_by_a_later_import_saying_false(
    program: Program, write_csv: WriteCsv
) -> None:
    first = run(program, write_csv("Email,Do Not Email\nada@x.io,true\n", name="first.csv"))
    second = run(program, write_csv("Email,Do Not Email\nada@x.io,false\n", name="second.csv"))
    assert second.merged == 1
    assert consents(program) == {
        ("email", "ada@x.io"): ("unsubscribed", f"import {first.pk}: column Do Not Email")
    }
    assert not marketing_email_allowed(client=program.client, email="ada@x.io")
    notes = Lead.objects.get().events.filter(kind=EventKind.NOTE).order_by("id")
    assert [note.reason for note in notes] == [
        f"E-mail ada@x.io: unsubscribed (import {first.pk}: column Do Not Email)",
        f"E-mail ada@x.io stays unsubscribed: import {second.pk}: column Do Not Email said "
        "may be contacted, and only the person may undo an opt-out",
    ]


def test_an_opt_out_in_a_later_import_unsubscribes(program: Program, write_csv: WriteCsv) -> None:
    run(program, write_csv("Email,HasOptedOutOfEmail\nada@x.io,false\n", name="first.csv"))
    second = run(program, write_csv("Email,HasOptedOutOfEmail\nada@x.io,true\n", name="b.csv"))
    assert consents(program) == {
        ("email", "ada@x.io"): ("unsubscribed", f"import {second.pk}: column HasOptedOutOfEmail")
    }


def test_a_dry_run_records_no_consent(program: Program, write_csv: WriteCsv) -> None:
    run(program, write_csv("Email,Do Not Email\nada@x.io,true\n"), dry_run=True)
    assert not ContactConsent.objects.exists()


def test_consent_of_many_rows_is_written_with_the_chunk(
    program: Program, write_csv: WriteCsv
) -> None:
    rows = "".join(f"p{i}@x.io,{'true' if i % 2 else 'false'},Engines {i}\n" for i in range(40))
    job = run(program, write_csv("Email,Do Not Email,Company\n" + rows))
    assert job.created == 40
    statuses = dict(
        ContactConsent.objects.filter(client=program.client).values_list("address", "status")
    )
    assert len(statuses) == 40
    assert statuses["p1@x.io"] == "unsubscribed"
    assert statuses["p2@x.io"] == "subscribed"
    assert LeadEvent.objects.filter(kind=EventKind.NOTE).count() == 20  # the opt-outs


def test_of_two_opt_out_columns_the_opt_out_wins_whatever_their_order(
    program: Program, write_csv: WriteCsv
) -> None:
    job = run(program, write_csv("Email,HasOptedOutOfEmail,Unsubscribed\nada@x.io,false,true\n"))
    assert consents(program) == {
        ("email", "ada@x.io"): ("unsubscribed", f"import {job.pk}: column Unsubscribed")
    }
    assert Lead.objects.get().profile == {"HasOptedOutOfEmail": "false"}
