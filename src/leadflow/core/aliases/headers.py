"""The header tables, by vocabulary: the names each system (Salesforce, HubSpot, Marketo,
Pardot, Zoho, SuiteCRM, Dynamics 365, Odoo, snake_case templates) gives the fields the intake
fills, and the headers of fields the lead does not have."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from leadflow.core.aliases.keys import alias_index, alias_table

#: The fields the intake fills from a header: the contact fields of ``RawLead`` and the source,
#: company and inquiry fields of a ``Submission``.
FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "title",
    "company",
    "website",
    "country",
    "state",
    "postal_code",
    "street",
    "city",
    "email_opt_out",
    "do_not_call",
    "lead_source",
    "campaign",
    "industry",
    "company_size",
    "description",
    "external_id",
    "inquiry_type",
)


#: vocabulary → field → the headers that vocabulary uses for it (API names, export labels and
#: form field names alike).
HEADERS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "Salesforce API names": alias_table(
        external_id="Id",
        first_name="FirstName",
        last_name="LastName",
        full_name="Name",
        company="Company",
        email="Email",
        phone="Phone, MobilePhone",
        title="Title",
        website="Website",
        country="Country, CountryCode",
        state="State, StateCode",
        postal_code="PostalCode",
        street="Street, MailingStreet",
        city="City, MailingCity",
        email_opt_out="HasOptedOutOfEmail",
        do_not_call="DoNotCall",
        lead_source="LeadSource",
        industry="Industry",
        company_size="NumberOfEmployees",
        description="Description",
    ),
    "Salesforce report labels": alias_table(
        external_id="Lead ID",
        first_name="First Name",
        last_name="Last Name",
        full_name="Full Name",
        company="Company / Account",
        phone="Mobile",
        state="State/Province",
        country="Country Code",
        postal_code="Zip/Postal Code",
        street="Street, Mailing Street, Address",
        city="City, Mailing City",
        email_opt_out="Email Opt Out",
        do_not_call="Do Not Call",
        lead_source="Lead Source",
        company_size="No. of Employees",
        campaign="Campaign Name",
    ),
    "Salesforce web-to-lead": alias_table(
        first_name="first_name",
        last_name="last_name",
        email="email",
        company="company",
        title="title",
        phone="phone, mobile",
        website="URL",
        country="country, country_code",
        state="state, state_code",
        postal_code="zip",
        street="street",
        city="city",
        email_opt_out="emailOptOut",
        do_not_call="doNotCall",
        lead_source="lead_source",
        industry="industry",
        company_size="employees",
        description="description",
        campaign="Campaign_ID",
    ),
    "HubSpot": alias_table(
        external_id="hs_object_id, Record ID",
        first_name="firstname",
        last_name="lastname",
        email="email",
        phone="phone, mobilephone, Phone Number, Mobile Phone Number",
        title="jobtitle, Job Title",
        company="company, Company Name",
        website="website, Website URL, Company Domain Name",
        country="country, Country/Region",
        state="state, State/Region",
        postal_code="zip, Postal Code",
        street="address, Street Address",
        city="city, City",
        email_opt_out="hs_email_optout, Unsubscribed from all email",
        lead_source="hs_analytics_source, Original Source, Original Traffic Source",
        industry="industry",
        company_size="numemployees, Number of Employees",
        description="message",
    ),
    "Marketo": alias_table(
        external_id="Id, Marketo ID",
        first_name="FirstName",
        last_name="LastName",
        email="Email, Email Address",
        phone="Phone, MobilePhone, Phone Number, Mobile Phone Number",
        title="Title, Job Title",
        company="Company, Company Name",
        website="Website",
        country="Country",
        state="State",
        postal_code="PostalCode, Postal Code",
        street="Address, Street",
        city="City",
        email_opt_out="Unsubscribed",
        do_not_call="DoNotCall, Do Not Call",
        lead_source="LeadSource, Lead Source",
        industry="Industry",
        company_size="NumberOfEmployees, Num Employees",
    ),
    "Pardot": alias_table(
        external_id="Prospect Id",
        first_name="first_name",
        last_name="last_name",
        email="email",
        phone="phone",
        title="job_title",
        company="company",
        website="website",
        country="country",
        state="state",
        postal_code="zip",
        street="address_one, Address One",
        city="city",
        email_opt_out="opted_out, Opted Out, do_not_email, Do Not Email",
        do_not_call="do_not_call, Do Not Call",
        lead_source="source",
        campaign="campaign",
        industry="industry",
        company_size="employees",
        description="comments",
    ),
    "Zoho": alias_table(
        external_id="Record Id, Lead Id",
        first_name="First Name, First_Name",
        last_name="Last Name, Last_Name",
        email="Email, Secondary Email",
        phone="Phone, Mobile",
        title="Title, Designation",
        company="Company",
        website="Website",
        country="Country",
        state="State",
        postal_code="Zip Code, Zip_Code",
        street="Street",
        city="City",
        email_opt_out="Email Opt Out, Email_Opt_Out",
        lead_source="Lead Source, Lead_Source",
        industry="Industry",
        company_size="No. of Employees, No_of_Employees",
        description="Description",
    ),
    "SuiteCRM/SugarCRM": alias_table(
        external_id="ID",
        first_name="First Name",
        last_name="Last Name",
        title="Title",
        company="Account Name, account_name",
        email="Email Address, email1, email2",
        phone=(
            "Office Phone, Mobile Phone, Home Phone, Other Phone, "
            "phone_work, phone_mobile, phone_home, phone_other"
        ),
        website="Website",
        country="Primary Address Country, primary_address_country",
        state="Primary Address State, primary_address_state",
        postal_code="Primary Address Postalcode, primary_address_postalcode",
        street="Primary Address Street, primary_address_street",
        city="Primary Address City, primary_address_city",
        email_opt_out="Email Opt Out, email_opt_out, Opted Out",
        do_not_call="Do Not Call, do_not_call",
        lead_source="Lead Source, lead_source",
        campaign="Campaign Name, campaign_name, Campaign ID",
        description="Description",
    ),
    "Dynamics 365": alias_table(
        external_id="leadid",
        first_name="firstname, First Name",
        last_name="lastname, Last Name",
        full_name="fullname",
        email="emailaddress1, emailaddress2, emailaddress3, Email",
        phone="telephone1, mobilephone, telephone2, telephone3, Business Phone, Mobile Phone",
        title="jobtitle, Job Title",
        company="companyname, Company Name",
        website="websiteurl, Website",
        country="address1_country, Country/Region",
        state="address1_stateorprovince, State/Province",
        postal_code="address1_postalcode, ZIP/Postal Code",
        street="address1_line1, Street 1",
        city="address1_city, City",
        email_opt_out="donotemail, Do not allow Emails",
        do_not_call="donotphone, Do not allow Phone Calls",
        lead_source="leadsourcecode, Lead Source",
        industry="Industry",
        company_size="numberofemployees, No. of Employees",
        description="description",
    ),
    "Odoo": alias_table(
        external_id="id",
        full_name="contact_name, Contact Name",
        company="partner_name, Company Name",
        email="email_from, Email",
        phone="phone, mobile",
        title="function, Job Position",
        website="website",
        country="country_id, Country",
        state="state_id, State",
        postal_code="zip",
        street="street, Street",
        city="city, City",
        lead_source="source_id, Source",
        campaign="campaign_id, Campaign",
        description="Notes",
    ),
    "snake_case templates": alias_table(
        external_id="external_id, record_id, lead_id",
        first_name="first_name, given_name",
        last_name="last_name, family_name",
        full_name="full_name",
        email=(
            "email, email_work, email_home, email_other, work_email, home_email, "
            "personal_email, business_email, email_address"
        ),
        phone=(
            "phone, phone_work, phone_mobile, phone_home, phone_office, phone_other, "
            "work_phone, mobile_phone, home_phone, office_phone, business_phone, phone_number"
        ),
        title="title, job_title",
        company="company, company_name, organization",
        website="website, domain",
        country="country, country_code",
        state="state, state_code, region, province",
        postal_code="postal_code, zip_code, postcode",
        street="street, street_address, address, address_1, address_line_1",
        city="city, town",
        email_opt_out="email_opt_out, do_not_email, unsubscribed, opted_out",
        do_not_call="do_not_call, do_not_phone",
        lead_source="lead_source, source",
        campaign="campaign, campaign_code",
        industry="industry",
        company_size="company_size, employees",
        description="description, notes, comments",
        inquiry_type="inquiry_type",
    ),
    "Everyday spellings": alias_table(
        first_name="Given Name",
        last_name="Surname, Family Name",
        email="E-mail, E-mail Address",
        phone="Telephone, Tel, Mobile Phone Number",
        company="Organization, Organisation",
        website="Domain, Web Site",
        state="Region, Province",
        postal_code="Postcode, Zip Code, ZIP",
        street="Street Address, Address, Address 1, Address Line 1",
        city="Town, Town/City",
        email_opt_out="Do Not Email, DoNotEmail, No Email, Email Opt-Out",
        do_not_call="Do Not Call, No Calls, Do Not Phone",
        campaign="Campaign Code",
        company_size="Company Size, Employees",
        external_id="External Id",
        inquiry_type="Inquiry Type",
    ),
}

#: Headers of fields the lead does not have, by what they hold. They map to nothing, so the
#: callers keep their columns in the lead's profile under their own header. ``source_status`` is
#: the source system's own lead status: LeadFlow's lifecycle is its own and will not be set from
#: it.
UNMAPPED_HEADERS: Mapping[str, tuple[str, ...]] = alias_table(
    source_status="Status, Lead Status, hs_lead_status, statuscode",
)


def _merged(tables: Iterable[Mapping[str, tuple[str, ...]]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for table in tables:
        for field, headers in table.items():
            merged.setdefault(field, []).extend(headers)
    return merged


HEADER_FIELDS: Mapping[str, str] = alias_index(_merged(HEADERS.values()))
"""alias key of a header → the field it fills."""

UNMAPPED_HEADER_KEYS: Mapping[str, str] = alias_index(UNMAPPED_HEADERS)
"""alias key of a known header → the field it will fill once the lead has it."""

if clash := sorted(set(HEADER_FIELDS) & set(UNMAPPED_HEADER_KEYS)):
    raise ValueError(f"headers both mapped and unmapped: {', '.join(clash)}")
