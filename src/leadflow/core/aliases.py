"""The one table of names the intake understands (DESIGN.md, "Intake rules": every channel
shares one table of field and source aliases).

Leads arrive as columns of CRM exports and spreadsheets, and as fields of web-to-lead forms
built for Salesforce, HubSpot, Marketo or Pardot. The import (``imports.mapping``) and the web
form (``intake.webforms``) both read this table, so a header means the same field, and a lead
source the same channel, whichever way the lead came in. (The REST API has its own field names
and takes the channel by its value: it needs no aliases.)

- **Headers**: by vocabulary, the names each system gives the fields the intake fills. Names are
  compared without case, accents, spaces or punctuation (``alias_key``), so ``FirstName``,
  ``first_name``, ``firstname`` and ``First Name`` are one header. When several columns of one
  row name the same field (``email_work`` and ``email_home``), the first non-empty one wins; the
  callers keep the others in the profile.
- **Addresses and consent**: street and city fill the lead's own fields; the opt-out flags
  (``Do Not Email``, ``HasOptedOutOfEmail``, ``Do Not Call``, ``donotphone``…) fill
  ``email_opt_out`` and ``do_not_call``, which set the contact's consent
  (``leadflow.core.consent``), not a column of the lead.
- **Headers of fields the lead does not have** (the source system's status) are listed apart in
  ``UNMAPPED_HEADERS``: they map to nothing and the callers keep them in the profile.
- **Lead sources**: the values each system puts in its lead source, by the channel of DESIGN.md
  they name. A value that names no channel is ``other`` (never a purchased list), and the value
  as sent is kept as the lead's source detail (``SOURCE_DETAIL`` in the profile) whenever it says
  more than the channel's own name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from leadflow.core.enums import Channel, InquiryType
from leadflow.core.normalise.text import fold

SOURCE_DETAIL = "source_detail"
"""The profile key of a lead source as sent (the finer value behind the channel)."""

_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


def alias_key(text: str) -> str:
    """A header or value as the table compares it: folded for case and accents, without spaces
    or punctuation ("E-mail Address", "email_address" and "EmailAddress" are one key)."""
    return _NOT_ALPHANUMERIC.sub("", fold(text))


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


def _split(listing: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in listing.split(",") if name.strip())


def _table(**fields: str) -> dict[str, tuple[str, ...]]:
    return {field: _split(listing) for field, listing in fields.items()}


#: vocabulary → field → the headers that vocabulary uses for it (API names, export labels and
#: form field names alike).
HEADERS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "Salesforce API names": _table(
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
    "Salesforce report labels": _table(
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
    "Salesforce web-to-lead": _table(
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
    "HubSpot": _table(
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
    "Marketo": _table(
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
    "Pardot": _table(
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
    "Zoho": _table(
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
    "SuiteCRM/SugarCRM": _table(
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
    "Dynamics 365": _table(
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
    "Odoo": _table(
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
    "snake_case templates": _table(
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
    "Everyday spellings": _table(
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
UNMAPPED_HEADERS: Mapping[str, tuple[str, ...]] = _table(
    source_status="Status, Lead Status, hs_lead_status, statuscode",
)


def _keys(table: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """alias key → name, refusing a key that two names claim (a mistake in the table)."""
    keys: dict[str, str] = {}
    for name, aliases in table.items():
        for alias in aliases:
            key = alias_key(alias)
            if keys.setdefault(key, name) != name:
                raise ValueError(f"{alias!r} names both {keys[key]} and {name}")
    return keys


def _merged(tables: Iterable[Mapping[str, tuple[str, ...]]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for table in tables:
        for field, headers in table.items():
            merged.setdefault(field, []).extend(headers)
    return merged


HEADER_FIELDS: Mapping[str, str] = _keys(_merged(HEADERS.values()))
"""alias key of a header → the field it fills."""

UNMAPPED_HEADER_KEYS: Mapping[str, str] = _keys(UNMAPPED_HEADERS)
"""alias key of a known header → the field it will fill once the lead has it."""

if clash := sorted(set(HEADER_FIELDS) & set(UNMAPPED_HEADER_KEYS)):
    raise ValueError(f"headers both mapped and unmapped: {', '.join(clash)}")


def header_field(header: str) -> str | None:
    """The field a header (an import column, a form field's name) fills, if any."""
    return HEADER_FIELDS.get(alias_key(header))


#: channel → the lead-source values that name it, as Salesforce (old and new default
#: picklists), HubSpot (original source), Marketo, Pardot, Zoho, SuiteCRM, Dynamics 365 (lead
#: source labels) and Odoo (sources) spell them. Every channel's own value is added.
SOURCE_VALUES: Mapping[Channel, tuple[str, ...]] = {
    Channel.WEB: _split(
        "Web, Website, Web Site, Web Form, Web-to-Lead, Online, Online Form, Online Store, "
        "Web Download, Contact Form, Contact Us, Landing Page, Landing Page Submission, "
        "Google, Google Ads, Google AdWords, Google Organic, Bing, Yahoo, Search Engine, "
        "Organic Search, Paid Search, SEO, SEM, PPC, Pay per Click Ads, Direct Traffic, "
        "Referral Sites, Referring Sites, AI Referrals, Social Media, Paid Social, "
        "Organic Social, Facebook, LinkedIn, Twitter, X (Twitter), Instagram, YouTube, "
        "youtubechannel, Blog, Chat, Live Chat, Olark Chat, Click2call, Banner Ad, Display Ad, "
        "Online Ad, Online Advertising"
    ),
    Channel.EVENT: _split(
        "Event, Events, Trade Show, Tradeshow, Trade Fair, Conference, Exhibition, Expo, "
        "Seminar, Seminar - Internal, Seminar - Partner, Internal Seminar, Seminar Partner, "
        "Webinar, Workshop, Roadshow, Meetup, Event Scan, Event/Tradeshow"
    ),
    Channel.PURCHASED_LIST: _split(
        "Purchased List, List Import, List, List Purchase, Purchased, Bought List, Rented List, "
        "Data Vendor"
    ),
    Channel.REFERRAL: _split(
        "Referral, Referrals, Reference, Partner, Partner Referral, Employee, Employee Referral, "
        "Customer Referral, External Referral, Word of Mouth, Reseller"
    ),
    Channel.PRINT_ADVERTISEMENT: _split(
        "Advertisement, Advertising, Ad, Ads, Print, Print Ad, Print Advertisement, Magazine, "
        "Newspaper"
    ),
    Channel.DIRECT_MAIL: _split(
        "Direct Mail, Mail, Mailing, Mailer, Postal Mail, Email Marketing, Email Campaign, "
        "E-mail Campaign, Email Blast, Newsletter"
    ),
    Channel.PUBLIC_RELATIONS: _split("Public Relations, PR, Press, Press Release, Media"),
    Channel.SALES_PROSPECTING: _split(
        "Sales, Sales Prospecting, Prospecting, Cold Call, Cold Calling, Outbound, "
        "Telemarketing, Self Generated, Sales Generated, Web Research"
    ),
    # Inbound contact by phone or e-mail says how the person reached us, not which channel
    # brought them; the source detail keeps the value.
    Channel.OTHER: _split(
        "Other, Phone Inquiry, Phone, Email, E-mail, Sales Email Alias, Existing Customer, "
        "Campaign, Offline, Offline Sources, Other Campaigns, Lead Recall"
    ),
}

SOURCE_CHANNELS: Mapping[str, Channel] = {
    key: Channel(value)
    for key, value in _keys(
        {channel.value: (channel.value, *values) for channel, values in SOURCE_VALUES.items()}
    ).items()
}
"""alias key of a lead-source value → the channel it names."""


@dataclass(frozen=True)
class SourceChannel:
    """The channel of a lead, and the source as sent when it says more than the channel."""

    channel: Channel
    detail: str = ""


def source_channel(
    value: str,
    *,
    default: Channel,
    chosen: Channel | None = None,
    rules: Mapping[str, str] | None = None,
) -> SourceChannel:
    """The channel a lead-source value names: ``chosen`` when the sender chose it (an import's
    option), else the program's own ``rules`` (value → channel, compared like the table), else
    the table's channel for the value, ``other`` for a value it does not know, and ``default``
    (the channel's usual source) when there is no value. The detail is the value as sent,
    spaces collapsed, unless it is just the channel's own name."""
    text = " ".join(value.split())
    channel = chosen or (
        (_rule_channel(text, rules) or SOURCE_CHANNELS.get(alias_key(text), Channel.OTHER))
        if text
        else default
    )
    detail = "" if alias_key(text) == alias_key(channel.value) else text
    return SourceChannel(channel, detail)


_CHANNEL_VALUES = frozenset(channel.value for channel in Channel)


def _rule_channel(text: str, rules: Mapping[str, str] | None) -> Channel | None:
    """The channel a program's rule gives the value; rules naming no channel are ignored."""
    key = alias_key(text)
    for value, channel in (rules or {}).items():
        if alias_key(value) == key and channel in _CHANNEL_VALUES:
            return Channel(channel)
    return None


#: inquiry type → the values that name it (each type's own value is added).
INQUIRY_VALUES: Mapping[InquiryType, tuple[str, ...]] = {
    InquiryType.INFORMATION_REQUEST: _split(
        "Information, Info, Information Request, General Information Request"
    ),
    InquiryType.NEEDS_ASSESSMENT_REQUEST: _split(
        "Needs Assessment, Business Needs Assessment, Business Needs Assessment Request"
    ),
    InquiryType.DEMO_REQUEST: _split("Demo"),
    InquiryType.DEMO_AND_PROPOSAL_REQUEST: _split("Demo and Proposal, RFP, Proposal"),
}

INQUIRY_TYPES: Mapping[str, InquiryType] = {
    key: InquiryType(value)
    for key, value in _keys(
        {kind.value: (kind.value, *values) for kind, values in INQUIRY_VALUES.items()}
    ).items()
}


def inquiry_type_of(value: str) -> InquiryType | None:
    """The inquiry type a value names, or None (the callers keep the value in the profile)."""
    return INQUIRY_TYPES.get(alias_key(value)) if value.strip() else None
