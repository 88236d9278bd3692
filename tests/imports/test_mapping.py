"""Columns mapped by header with the core's one alias table: the vocabularies of CRM exports,
questions, unknown columns, lead sources."""

from collections.abc import Callable
from pathlib import Path

import pytest

from leadflow.core.criteria import Question, QuestionType, default_criteria
from leadflow.core.enums import Channel, InquiryType
from leadflow.imports.mapping import HeaderMap
from leadflow.imports.models import ImportJob
from leadflow.imports.services.jobs import import_job_create
from leadflow.imports.services.run import import_run
from leadflow.intake.services import IntakeRejected
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.vocabularies import PERSON, SAMPLES, contact_of

SALESFORCE = [
    "Lead ID", "FirstName", "LastName", "Company", "Title", "Email", "Phone", "MobilePhone",
    "Website", "Country", "State", "PostalCode", "LeadSource", "Industry", "NumberOfEmployees",
    "Description",
]  # fmt: skip
HUBSPOT = [
    "Record ID", "First Name", "Last Name", "Company Name", "Job Title", "Email", "Phone Number",
    "Company Domain Name", "Country/Region", "State/Region", "Postal Code", "Original Source",
    "Campaign", "Industry", "Number of Employees", "Inquiry Type",
]  # fmt: skip


SOURCE_BECOMES = "channel (other when it names none), the value as source_detail"


def becomes(header: list[str]) -> dict[str, str]:
    return {row["column"]: row["becomes"] for row in HeaderMap(header, default_criteria()).report()}


def test_salesforce_export_headers() -> None:
    assert becomes(SALESFORCE) == {
        "Lead ID": "external_id",
        "FirstName": "first_name",
        "LastName": "last_name",
        "Company": "company",
        "Title": "title",
        "Email": "email",
        "Phone": "phone",
        "MobilePhone": "phone",
        "Website": "website",
        "Country": "country",
        "State": "state",
        "PostalCode": "postal_code",
        "LeadSource": SOURCE_BECOMES,
        "Industry": "industry",
        "NumberOfEmployees": "company_size",
        "Description": "description",
    }


def test_hubspot_export_headers() -> None:
    mapped = becomes(HUBSPOT)
    assert mapped["Record ID"] == "external_id"
    assert mapped["Company Name"] == "company"
    assert mapped["Job Title"] == "title"
    assert mapped["Phone Number"] == "phone"
    assert mapped["Company Domain Name"] == "website"
    assert mapped["Country/Region"] == "country"
    assert mapped["State/Region"] == "state"
    assert mapped["Original Source"] == SOURCE_BECOMES
    assert mapped["Campaign"] == "campaign"
    assert mapped["Number of Employees"] == "company_size"
    assert mapped["Inquiry Type"] == "inquiry_type"


def test_headers_compare_without_case_space_or_punctuation() -> None:
    assert becomes(["E-MAIL address", "first_name", " zip code "]) == {
        "E-MAIL address": "email",
        "first_name": "first_name",
        "zip code": "postal_code",
    }


def test_salesforce_row_becomes_a_submission() -> None:
    header = HeaderMap(SALESFORCE, default_criteria())
    values = [
        "00Q1", "Ada", "Lovelace", "Engines Ltd", "CTO", "ada@example.com", "", "+1 415 555 0100",
        "engines.example", "US", "CA", "94105", "Trade Show", "Software", "50-100", "Met at booth",
    ]  # fmt: skip
    submission = header.submission(values)
    assert submission.raw.first_name == "Ada"
    assert submission.raw.phone == "+1 415 555 0100"
    assert submission.external_id == "00Q1"
    assert submission.channel is Channel.EVENT
    assert submission.company_size == "50-100"
    assert submission.industry == "Software"
    assert submission.profile == {"description": "Met at booth", "source_detail": "Trade Show"}


def test_question_columns_are_answers_with_numbers_as_numbers() -> None:
    header = HeaderMap(
        ["Email", "Budget", "authority", "need", "Timeframe Months"], default_criteria()
    )
    submission = header.submission(["a@x.io", "Approved", "Decision Maker", "", "6"])
    assert submission.answers == {
        "budget": "approved",
        "authority": "decision_maker",
        "timeframe_months": 6,
    }


def test_an_answer_that_is_not_a_number_is_left_for_the_criteria_to_reject() -> None:
    header = HeaderMap(["Email", "timeframe_months"], default_criteria())
    assert header.submission(["a@x.io", "soon"]).answers == {"timeframe_months": "soon"}


def test_unknown_columns_are_kept_in_the_profile_under_their_header() -> None:
    header = HeaderMap(["Email", "Shoe Size", "Booth #", ""], default_criteria())
    submission = header.submission(["a@x.io", "42", "B12", "loose"])
    assert submission.profile == {"Shoe Size": "42", "Booth #": "B12", "Column 4": "loose"}


def test_lead_source_that_names_no_channel_is_other_with_the_value_as_source_detail() -> None:
    header = HeaderMap(["Email", "Lead Source"], default_criteria())
    submission = header.submission(["a@x.io", "Gartner list 2026"])
    assert submission.channel is Channel.OTHER
    assert submission.profile == {"source_detail": "Gartner list 2026"}


def test_a_file_without_a_lead_source_is_a_purchased_list() -> None:
    header = HeaderMap(["Email", "Lead Source"], default_criteria())
    submission = header.submission(["a@x.io", " "])
    assert (submission.channel, submission.profile) == (Channel.PURCHASED_LIST, {})


def test_options_override_the_files_channel_and_campaign_which_stay_in_the_profile() -> None:
    header = HeaderMap(["Email", "LeadSource", "Campaign"], default_criteria())
    submission = header.submission(
        ["a@x.io", "Web", "FILE-1"], channel=Channel.EVENT, campaign="SHOW-26"
    )
    assert submission.channel is Channel.EVENT
    assert submission.campaign == "SHOW-26"
    assert submission.profile == {"source_detail": "Web", "Campaign": "FILE-1"}


def test_the_channel_option_also_wins_over_an_unknown_source() -> None:
    header = HeaderMap(["Email", "LeadSource"], default_criteria())
    submission = header.submission(["a@x.io", "Podcast"], channel=Channel.EVENT)
    assert (submission.channel, submission.profile) == (Channel.EVENT, {"source_detail": "Podcast"})


def test_inquiry_type_aliases() -> None:
    header = HeaderMap(["Email", "Inquiry Type"], default_criteria())
    assert (
        header.submission(["a@x.io", "RFP"]).inquiry_type is InquiryType.DEMO_AND_PROPOSAL_REQUEST
    )
    assert header.submission(["a@x.io", "Demo"]).inquiry_type is InquiryType.DEMO_REQUEST


def test_full_name_column_is_split_by_the_core() -> None:
    header = HeaderMap(["Full Name", "Email"], default_criteria())
    assert header.submission(["Lovelace, Ada", "a@x.io"]).raw.full_name == "Lovelace, Ada"


def test_row_with_more_values_than_columns_is_rejected() -> None:
    header = HeaderMap(["Email", "Company"], default_criteria())
    with pytest.raises(IntakeRejected, match="3 values but the header has 2 columns"):
        header.submission(["a@x.io", "Acme", " Inc"])
    assert header.submission(["a@x.io", "Acme", ""]).raw.company == "Acme"


# --- the vocabularies of the core's alias table ---------------------------------------------


@pytest.mark.parametrize("vocabulary", sorted(SAMPLES))
def test_each_vocabulary_fills_the_contact_and_names_the_channel(vocabulary: str) -> None:
    fields, channel = SAMPLES[vocabulary]
    submission = HeaderMap(list(fields), default_criteria()).submission(list(fields.values()))
    raw = submission.raw
    name = raw.full_name or f"{raw.first_name} {raw.last_name}"
    assert (name, raw.email, raw.company, raw.title, raw.phone) == (
        "Ada Lovelace",
        "ada@example.com",
        "Analytical Engines",
        "CTO",
        "+1 415 555 0100",
    )
    assert submission.channel == channel


def test_suitecrm_primary_address_and_phone_columns() -> None:
    header = HeaderMap(
        [
            "Last Name", "Account Name", "Office Phone", "Mobile Phone", "Email Address",
            "Primary Address Street", "Primary Address City", "Primary Address State",
            "Primary Address Postalcode", "Primary Address Country",
        ],
        default_criteria(),
    )  # fmt: skip
    submission = header.submission(
        ["Lovelace", "Engines", "", "+1 415 555 0101", "ada@x.io", "1 Main St", "Springfield",
         "IL", "62701", "USA"]
    )  # fmt: skip
    raw = submission.raw
    assert (raw.phone, raw.email, raw.state, raw.postal_code, raw.country) == (
        "+1 415 555 0101", "ada@x.io", "IL", "62701", "USA"
    )  # fmt: skip
    assert (raw.street, raw.city) == ("1 Main St", "Springfield")
    assert submission.profile == {}


def test_the_first_non_empty_of_several_columns_for_one_field_wins_per_row() -> None:
    header = HeaderMap(
        ["email_work", "email_home", "phone_work", "phone_mobile"], default_criteria()
    )
    first = header.submission(["", "ada@home.example", "", "+1 415 555 0100"])
    assert (first.raw.email, first.raw.phone, first.profile) == (
        "ada@home.example", "+1 415 555 0100", {}
    )  # fmt: skip
    both = header.submission(["ada@work.example", "ada@home.example", "", ""])
    assert both.raw.email == "ada@work.example"
    assert both.profile == {"email_home": "ada@home.example"}


def test_a_second_lead_source_column_is_kept_under_its_header() -> None:
    header = HeaderMap(["Email", "LeadSource", "Original Source"], default_criteria())
    submission = header.submission(["a@x.io", "", "Webinar"])
    assert (submission.channel, submission.profile) == (Channel.EVENT, {"source_detail": "Webinar"})
    both = header.submission(["a@x.io", "Web", "Webinar"])
    assert (both.channel, both.profile) == (Channel.WEB, {"Original Source": "Webinar"})


def test_headers_of_fields_the_lead_lacks_stay_in_the_profile() -> None:
    header = HeaderMap(["Email", "Lead Status", "hs_lead_status"], default_criteria())
    submission = header.submission(["a@x.io", "Open", "NEW"])
    assert submission.profile == {"Lead Status": "Open", "hs_lead_status": "NEW"}


def test_address_and_consent_headers_fill_the_lead_and_its_consent() -> None:
    header = HeaderMap(
        ["Email", "City", "Street", "HasOptedOutOfEmail", "DoNotCall"], default_criteria()
    )
    submission = header.submission(["a@x.io", "Paris", "1 rue X", "true", "1"])
    raw = submission.raw
    assert (raw.city, raw.street, raw.email_opt_out, raw.do_not_call) == (
        "Paris", "1 rue X", "true", "1"
    )  # fmt: skip
    assert submission.profile == {}
    assert submission.consent_sources == {
        "email_opt_out": "column HasOptedOutOfEmail", "do_not_call": "column DoNotCall"
    }  # fmt: skip


def test_a_question_column_wins_over_a_header_alias() -> None:
    criteria = default_criteria()
    question = Question(key="source", label="Where did you hear of us?", type=QuestionType.TEXT)
    custom = criteria.model_copy(update={"questions": (*criteria.questions, question)})
    report = HeaderMap(["Email", "Source"], custom).report()
    assert report[1] == {"column": "Source", "becomes": "answer 'source'"}


# --- through an import ------------------------------------------------------------------------


def _import(program: Program, path: Path) -> ImportJob:
    job, _ = import_job_create(
        program=program, path=path, original_name=path.name, uploaded_by=None, now=NOW
    )
    return import_run(job=job, clock=lambda: NOW)


@pytest.mark.parametrize("vocabulary", sorted(SAMPLES))
def test_an_import_in_each_vocabulary_creates_the_same_lead(
    vocabulary: str, program: Program, write_csv: Callable[..., Path]
) -> None:
    fields, channel = SAMPLES[vocabulary]
    path = write_csv(",".join(fields) + "\n" + ",".join(fields.values()) + "\n")
    job = _import(program, path)
    assert (job.created, job.rejected) == (1, 0)
    lead = Lead.objects.get(program=program)
    assert contact_of(lead) == PERSON
    assert lead.channel == channel


def test_an_import_keeps_an_unknown_source_as_other_with_its_detail(
    program: Program, write_csv: Callable[..., Path]
) -> None:
    path = write_csv(
        "Email,Lead Source\n"
        "a@example.com,Podcast Ep. 12\n"
        "b@example.com,Google\n"
        "c@example.com,Purchased List\n"
        "d@example.com,\n"
    )
    _import(program, path)
    leads = {lead.email: lead for lead in Lead.objects.filter(program=program)}
    assert {email: (lead.channel, lead.profile) for email, lead in leads.items()} == {
        "a@example.com": ("other", {"source_detail": "Podcast Ep. 12"}),
        "b@example.com": ("web", {"source_detail": "Google"}),
        "c@example.com": ("purchased_list", {}),
        "d@example.com": ("purchased_list", {}),
    }


def test_an_import_takes_the_first_non_empty_of_email_work_and_email_home(
    program: Program, write_csv: Callable[..., Path]
) -> None:
    path = write_csv(
        "last_name,email_work,email_home,phone_work,phone_mobile\n"
        "Work,ada@work.example,ada@home.example,,\n"
        "Home,,bob@home.example,,+1 415 555 0100\n"
        "Phone,,,,+1 415 555 0111\n"
    )
    job = _import(program, path)
    assert (job.created, job.rejected) == (3, 0)
    leads = Lead.objects.filter(program=program).order_by("id")
    assert [(lead.last_name, lead.email, lead.phone) for lead in leads] == [
        ("Work", "ada@work.example", ""),
        ("Home", "bob@home.example", "+14155550100"),
        ("Phone", "", "+14155550111"),
    ]
    assert leads[0].profile == {"email_home": "ada@home.example"}
