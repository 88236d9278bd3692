"""The one alias table of intake: headers by vocabulary, lead-source values by channel."""

import pytest

from leadflow.core import aliases
from leadflow.core.aliases import SOURCE_DETAIL, header_field, inquiry_type_of, source_channel
from leadflow.core.enums import Channel, InquiryType

# --- headers ----------------------------------------------------------------------------------

VOCABULARIES: dict[str, dict[str, str]] = {
    "Salesforce API names": {
        "Id": "external_id",
        "FirstName": "first_name",
        "LastName": "last_name",
        "Name": "full_name",
        "Company": "company",
        "Email": "email",
        "Phone": "phone",
        "MobilePhone": "phone",
        "Title": "title",
        "Website": "website",
        "Country": "country",
        "CountryCode": "country",
        "State": "state",
        "StateCode": "state",
        "PostalCode": "postal_code",
        "LeadSource": "lead_source",
        "Industry": "industry",
        "NumberOfEmployees": "company_size",
        "Description": "description",
    },
    "Salesforce report labels": {
        "Lead ID": "external_id",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Company / Account": "company",
        "Mobile": "phone",
        "State/Province": "state",
        "Zip/Postal Code": "postal_code",
        "Lead Source": "lead_source",
        "No. of Employees": "company_size",
        "Campaign Name": "campaign",
    },
    "Salesforce web-to-lead": {
        "first_name": "first_name",
        "zip": "postal_code",
        "URL": "website",
        "employees": "company_size",
        "lead_source": "lead_source",
        "Campaign_ID": "campaign",
        "state_code": "state",
        "country_code": "country",
    },
    "HubSpot": {
        "firstname": "first_name",
        "lastname": "last_name",
        "jobtitle": "title",
        "company": "company",
        "phone": "phone",
        "mobilephone": "phone",
        "numemployees": "company_size",
        "hs_analytics_source": "lead_source",
        "hs_object_id": "external_id",
        "Record ID": "external_id",
        "Original Source": "lead_source",
        "Company Domain Name": "website",
        "Website URL": "website",
        "Country/Region": "country",
        "State/Region": "state",
        "message": "description",
    },
    "Marketo": {
        "FirstName": "first_name",
        "LastName": "last_name",
        "Email": "email",
        "Company": "company",
        "Phone": "phone",
        "Title": "title",
        "Email Address": "email",
        "Mobile Phone Number": "phone",
        "Num Employees": "company_size",
    },
    "Pardot": {
        "first_name": "first_name",
        "last_name": "last_name",
        "email": "email",
        "company": "company",
        "job_title": "title",
        "source": "lead_source",
        "comments": "description",
        "Prospect Id": "external_id",
    },
    "Zoho": {
        "First Name": "first_name",
        "Lead Source": "lead_source",
        "Company": "company",
        "Mobile": "phone",
        "Designation": "title",
        "Zip Code": "postal_code",
        "Secondary Email": "email",
        "No_of_Employees": "company_size",
        "Record Id": "external_id",
    },
    "SuiteCRM/SugarCRM": {
        "Primary Address Country": "country",
        "Primary Address State": "state",
        "Primary Address Postalcode": "postal_code",
        "Office Phone": "phone",
        "Mobile Phone": "phone",
        "Home Phone": "phone",
        "Account Name": "company",
        "Email Address": "email",
        "email1": "email",
        "phone_work": "phone",
        "primary_address_country": "country",
    },
    "Dynamics 365": {
        "firstname": "first_name",
        "lastname": "last_name",
        "fullname": "full_name",
        "emailaddress1": "email",
        "emailaddress2": "email",
        "telephone1": "phone",
        "mobilephone": "phone",
        "companyname": "company",
        "jobtitle": "title",
        "websiteurl": "website",
        "address1_country": "country",
        "address1_stateorprovince": "state",
        "address1_postalcode": "postal_code",
        "leadsourcecode": "lead_source",
        "numberofemployees": "company_size",
        "leadid": "external_id",
        "Business Phone": "phone",
        "ZIP/Postal Code": "postal_code",
    },
    "Odoo": {
        "contact_name": "full_name",
        "partner_name": "company",
        "email_from": "email",
        "phone": "phone",
        "mobile": "phone",
        "function": "title",
        "Job Position": "title",
        "country_id": "country",
        "state_id": "state",
        "zip": "postal_code",
        "source_id": "lead_source",
        "campaign_id": "campaign",
    },
    "snake_case templates": {
        "email_work": "email",
        "email_home": "email",
        "work_email": "email",
        "phone_work": "phone",
        "phone_mobile": "phone",
        "phone_home": "phone",
        "company_name": "company",
        "postal_code": "postal_code",
        "external_id": "external_id",
        "inquiry_type": "inquiry_type",
    },
}


@pytest.mark.parametrize("vocabulary", sorted(VOCABULARIES))
def test_each_vocabulary_maps_its_headers_to_the_leads_fields(vocabulary: str) -> None:
    expected = VOCABULARIES[vocabulary]
    assert {header: header_field(header) for header in expected} == expected


def test_headers_compare_without_case_accents_spaces_or_punctuation() -> None:
    assert header_field("E-MAIL  address") == "email"
    assert header_field(" first_name ") == "first_name"
    assert header_field("Téléphone") == "phone"
    assert header_field("Shoe Size") is None


def test_every_header_of_the_table_names_a_field_the_intake_fills() -> None:
    assert set(aliases.HEADER_FIELDS.values()) == set(aliases.FIELDS)


def test_no_header_names_two_fields() -> None:
    fields: dict[str, set[str]] = {}
    for table in aliases.HEADERS.values():
        for field, headers in table.items():
            for header in headers:
                fields.setdefault(aliases.alias_key(header), set()).add(field)
    assert {key: found for key, found in fields.items() if len(found) > 1} == {}


@pytest.mark.parametrize("header", ["hs_lead_status", "Lead Status", "Status", "statuscode"])
def test_headers_of_fields_the_lead_lacks_are_known_but_not_mapped(header: str) -> None:
    assert header_field(header) is None
    assert aliases.alias_key(header) in aliases.UNMAPPED_HEADER_KEYS


# --- lead-source values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "channel"),
    [
        ("Web", Channel.WEB),
        ("Website", Channel.WEB),
        ("Online Form", Channel.WEB),
        ("Google", Channel.WEB),
        ("Google AdWords", Channel.WEB),
        ("Direct Traffic", Channel.WEB),
        ("ORGANIC_SEARCH", Channel.WEB),
        ("Olark Chat", Channel.WEB),
        ("Trade Show", Channel.EVENT),
        ("Event", Channel.EVENT),
        ("Seminar - Partner", Channel.EVENT),
        ("Webinar", Channel.EVENT),
        ("Conference", Channel.EVENT),
        ("Purchased List", Channel.PURCHASED_LIST),
        ("List Import", Channel.PURCHASED_LIST),
        ("Partner", Channel.REFERRAL),
        ("Employee Referral", Channel.REFERRAL),
        ("Customer  Referral", Channel.REFERRAL),
        ("Partner Referral", Channel.REFERRAL),
        ("External Referral", Channel.REFERRAL),
        ("Word of mouth", Channel.REFERRAL),
        ("Advertisement", Channel.PRINT_ADVERTISEMENT),
        ("Print", Channel.PRINT_ADVERTISEMENT),
        ("Ad", Channel.PRINT_ADVERTISEMENT),
        ("Direct Mail", Channel.DIRECT_MAIL),
        ("EMAIL_MARKETING", Channel.DIRECT_MAIL),
        ("Public Relations", Channel.PUBLIC_RELATIONS),
        ("PR", Channel.PUBLIC_RELATIONS),
        ("Press_Release", Channel.PUBLIC_RELATIONS),
        ("Sales", Channel.SALES_PROSPECTING),
        ("Cold Call", Channel.SALES_PROSPECTING),
        ("Prospecting", Channel.SALES_PROSPECTING),
        ("Self Generated", Channel.SALES_PROSPECTING),
        ("Phone Inquiry", Channel.OTHER),
        ("Email", Channel.OTHER),
        ("print_advertisement", Channel.PRINT_ADVERTISEMENT),
        ("sales prospecting", Channel.SALES_PROSPECTING),
    ],
)
def test_a_source_value_names_its_channel(value: str, channel: Channel) -> None:
    assert source_channel(value, default=Channel.WEB).channel is channel


def test_no_source_value_names_two_channels() -> None:
    channels: dict[str, set[Channel]] = {}
    for channel, values in aliases.SOURCE_VALUES.items():
        for value in values:
            channels.setdefault(aliases.alias_key(value), set()).add(channel)
    assert {key: found for key, found in channels.items() if len(found) > 1} == {}


def test_an_unknown_source_is_other_never_a_purchased_list_and_its_value_is_the_detail() -> None:
    reading = source_channel("  Gartner   list 2026 ", default=Channel.PURCHASED_LIST)
    assert (reading.channel, reading.detail) == (Channel.OTHER, "Gartner list 2026")


def test_an_alias_keeps_the_value_as_detail_but_the_channels_own_name_does_not() -> None:
    assert source_channel("Google", default=Channel.WEB).detail == "Google"
    assert source_channel("Trade Show", default=Channel.WEB).detail == "Trade Show"
    assert source_channel("Web", default=Channel.EVENT).detail == ""
    assert source_channel("Purchased List", default=Channel.WEB).detail == ""


def test_no_source_is_the_default_channel_with_no_detail() -> None:
    assert source_channel("  ", default=Channel.PURCHASED_LIST) == aliases.SourceChannel(
        Channel.PURCHASED_LIST, ""
    )


def test_a_chosen_channel_wins_and_the_value_sent_is_the_detail() -> None:
    reading = source_channel("Web", default=Channel.WEB, chosen=Channel.EVENT)
    assert (reading.channel, reading.detail) == (Channel.EVENT, "Web")
    assert source_channel("", default=Channel.WEB, chosen=Channel.EVENT).detail == ""


def test_the_detail_key_is_documented_once() -> None:
    assert SOURCE_DETAIL == "source_detail"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("demo_request", InquiryType.DEMO_REQUEST),
        ("Demo", InquiryType.DEMO_REQUEST),
        ("RFP", InquiryType.DEMO_AND_PROPOSAL_REQUEST),
        ("General Information Request", InquiryType.INFORMATION_REQUEST),
        ("whatever", None),
        ("", None),
    ],
)
def test_inquiry_type_values(value: str, kind: InquiryType | None) -> None:
    assert inquiry_type_of(value) is kind
