"""Columns mapped by header: Salesforce and HubSpot exports, questions, unknown columns."""

import pytest

from leadflow.core.criteria import default_criteria
from leadflow.core.enums import Channel, InquiryType
from leadflow.imports.mapping import HeaderMap
from leadflow.intake.services import IntakeRejected

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
        "LeadSource": "channel (or profile when it names no channel)",
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
    assert mapped["Original Source"] == "channel (or profile when it names no channel)"
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
    assert submission.profile == {"description": "Met at booth"}


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


def test_lead_source_that_names_no_channel_is_kept_in_the_profile() -> None:
    header = HeaderMap(["Email", "Lead Source"], default_criteria())
    submission = header.submission(["a@x.io", "Gartner list 2026"])
    assert submission.channel is Channel.PURCHASED_LIST
    assert submission.profile == {"Lead Source": "Gartner list 2026"}


def test_options_override_the_files_channel_and_campaign_which_stay_in_the_profile() -> None:
    header = HeaderMap(["Email", "LeadSource", "Campaign"], default_criteria())
    submission = header.submission(
        ["a@x.io", "Web", "FILE-1"], channel=Channel.EVENT, campaign="SHOW-26"
    )
    assert submission.channel is Channel.EVENT
    assert submission.campaign == "SHOW-26"
    assert submission.profile == {"LeadSource": "Web", "Campaign": "FILE-1"}


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
