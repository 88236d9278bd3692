"""Which column of an import file becomes which field of a lead, decided by the header alone.

Lists come from Salesforce and HubSpot exports, trade-show scanners and spreadsheets people
typed, so headers are compared without case, spaces or punctuation ("E-mail Address",
"email_address" and "EmailAddress" are one header) and each field has the aliases those exports
use. A column named after a question of the program's published criteria is an answer. Nothing is
dropped: a column LeadFlow does not know is kept in the lead's profile under its own header, as
are a lead source that names no channel and a file's source values that an option overrode.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from leadflow.core.criteria import QualifyingCriteria, QuestionType
from leadflow.core.enums import Channel, InquiryType
from leadflow.core.normalise import RawLead
from leadflow.intake.services import IntakeRejected, Submission

_PUNCTUATION = re.compile(r"[\W_]+")


def header_key(text: str) -> str:
    """A header or value compared without case, spaces or punctuation."""
    return _PUNCTUATION.sub("", text.casefold())


def _aliases(**fields: str) -> dict[str, str]:
    return {
        header_key(alias): name
        for name, listing in fields.items()
        for alias in listing.split(",")
        if alias.strip()
    }


#: Header aliases of Salesforce and HubSpot lead exports, by the field they fill.
FIELD_ALIASES = _aliases(
    first_name="FirstName, First Name, Given Name",
    last_name="LastName, Last Name, Surname, Family Name",
    full_name="Name, Full Name, Contact Name",
    company="Company, Company Name, Account Name, Organization, Organisation",
    email="Email, Email Address, E-mail, E-mail Address",
    phone="Phone, Phone Number, Mobile, MobilePhone, Mobile Phone, Mobile Phone Number",
    title="Title, Job Title",
    website="Website, Company Domain Name, Domain, Web Site, URL",
    country="Country, Country/Region",
    state="State, State/Province, Region, Province, State/Region",
    postal_code="PostalCode, Postal Code, Zip, Zip Code, ZipCode, Postcode",
    lead_source="LeadSource, Lead Source, Original Source, Source",
    campaign="Campaign, Campaign Code",
    industry="Industry",
    company_size="NumberOfEmployees, Number of Employees, Company Size, Employees",
    description="Description",
    external_id="External Id, ExternalId, Lead ID, Record ID, Id",
    inquiry_type="Inquiry Type, InquiryType",
)

RAW_FIELDS = frozenset(RawLead.__dataclass_fields__)
SUBMISSION_TEXT_FIELDS = ("campaign", "industry", "company_size", "external_id")

#: Lead source values (any case and punctuation) that name a channel of DESIGN.md.
CHANNEL_ALIASES = {
    **{header_key(channel.value): channel for channel in Channel},
    **{
        header_key(alias): channel
        for channel, listing in {
            Channel.PRINT_ADVERTISEMENT: "Print, Print Ad, Advertisement, Advertising",
            Channel.DIRECT_MAIL: "Mail, Mailing",
            Channel.EVENT: "Trade Show, Tradeshow, Conference, Seminar, Webinar, Event Scan",
            Channel.REFERRAL: "Partner Referral, Customer Referral, Word of Mouth",
            Channel.WEB: "Website, Web Form, Web-to-Lead, Organic Search, Online",
            Channel.PURCHASED_LIST: "List, List Purchase, Purchased, Bought List",
            Channel.PUBLIC_RELATIONS: "PR, Press",
            Channel.SALES_PROSPECTING: "Prospecting, Cold Call, Outbound, Sales",
            Channel.OTHER: "Other",
        }.items()
        for alias in listing.split(",")
    },
}

INQUIRY_TYPE_ALIASES = {
    **{header_key(kind.value): kind for kind in InquiryType},
    **{
        header_key(alias): kind
        for kind, listing in {
            InquiryType.INFORMATION_REQUEST: "Information, Info, General Information Request",
            InquiryType.NEEDS_ASSESSMENT_REQUEST: "Needs Assessment, Business Needs Assessment",
            InquiryType.DEMO_REQUEST: "Demo",
            InquiryType.DEMO_AND_PROPOSAL_REQUEST: "Demo and Proposal, RFP, Proposal",
        }.items()
        for alias in listing.split(",")
    },
}


@dataclass(frozen=True)
class ColumnMapping:
    """What one column became: a lead field, an answer, or a profile attribute."""

    index: int
    header: str
    kind: str
    name: str

    @property
    def becomes(self) -> str:
        if self.kind == "answer":
            return f"answer {self.name!r}"
        if self.kind == "profile":
            return f"profile {self.name!r}"
        if self.name == "lead_source":
            return "channel (or profile when it names no channel)"
        return self.name


class HeaderMap:
    """The mapping of one file's header, built once and applied to every row."""

    def __init__(self, header: Sequence[str], criteria: QualifyingCriteria) -> None:
        self.width = len(header)
        self.columns: list[ColumnMapping] = []
        questions = {header_key(question.key): question for question in criteria.questions}
        self._numbers: set[str] = set()
        self._choices: dict[str, dict[str, str]] = {}
        for question in criteria.questions:
            if question.type is QuestionType.NUMBER:
                self._numbers.add(question.key)
            elif question.type is QuestionType.CHOICE:
                self._choices[question.key] = {
                    header_key(text): choice.value
                    for choice in question.choices
                    for text in (choice.label, choice.value)
                }
        for index, raw_header in enumerate(header):
            text = raw_header.strip() or f"Column {index + 1}"
            key = header_key(text)
            if key in questions:
                mapping = ColumnMapping(index, text, "answer", questions[key].key)
            elif key in FIELD_ALIASES:
                mapping = ColumnMapping(index, text, "field", FIELD_ALIASES[key])
            else:
                mapping = ColumnMapping(index, text, "profile", text)
            self.columns.append(mapping)

    def report(self) -> list[dict[str, str]]:
        """Column by column, what it became: for the dry run and the job page."""
        return [{"column": column.header, "becomes": column.becomes} for column in self.columns]

    def submission(
        self,
        values: Sequence[str],
        *,
        channel: Channel | None = None,
        campaign: str | None = None,
        default_channel: Channel = Channel.PURCHASED_LIST,
    ) -> Submission:
        """The row as a Submission; ``channel`` and ``campaign`` (the import's options) win over
        the file's, whose values are then kept in the profile. Raises IntakeRejected for a row
        with more values than the header has columns (a delimiter inside an unquoted value
        shifts every value after it, so the row cannot be trusted)."""
        if len(values) > self.width and any(value.strip() for value in values[self.width :]):
            raise IntakeRejected(
                {"row": f"{len(values)} values but the header has {self.width} columns"}
            )
        raw: dict[str, str] = {}
        extra: dict[str, str] = {}
        answers: dict[str, Any] = {}
        profile: dict[str, Any] = {}
        for column, value in zip(self.columns, values, strict=False):
            if not value or value.isspace():
                continue
            if column.kind == "field":
                name = column.name
                if name in RAW_FIELDS:
                    raw.setdefault(name, value)
                elif name in extra:
                    profile.setdefault(column.header, value)
                else:
                    extra[name] = value
                    if (name == "lead_source" and channel) or (name == "campaign" and campaign):
                        profile.setdefault(column.header, value)
            elif column.kind == "answer":
                answers[column.name] = self._answer(column.name, value.strip())
            else:
                profile[column.header] = value
        file_channel = CHANNEL_ALIASES.get(header_key(extra.get("lead_source", "")))
        if "lead_source" in extra and file_channel is None and channel is None:
            profile.setdefault(self._header_of("lead_source"), extra["lead_source"])
        inquiry_type = INQUIRY_TYPE_ALIASES.get(header_key(extra.get("inquiry_type", "")))
        if "inquiry_type" in extra and inquiry_type is None:
            profile.setdefault(self._header_of("inquiry_type"), extra["inquiry_type"])
        if "description" in extra:
            profile["description"] = extra["description"]
        return Submission(
            raw=RawLead(**raw),
            channel=channel or file_channel or default_channel,
            campaign=campaign if campaign is not None else extra.get("campaign", ""),
            inquiry_type=inquiry_type or InquiryType.INFORMATION_REQUEST,
            external_id=extra.get("external_id"),
            company_size=extra.get("company_size", ""),
            industry=extra.get("industry", ""),
            profile=profile,
            answers=answers,
        )

    def _header_of(self, name: str) -> str:
        return next(c.header for c in self.columns if c.kind == "field" and c.name == name)

    def _answer(self, key: str, value: str) -> object:
        """Spreadsheet text as the question expects it: "6" is 6 for a number question,
        "Decision Maker" is decision_maker for a choice; anything else is left for the criteria
        to reject with its own reason."""
        if key in self._numbers:
            try:
                number = float(value)
            except ValueError:
                return value
            return int(number) if number.is_integer() else number
        choices = self._choices.get(key)
        if choices is not None:
            return choices.get(header_key(value), value)
        return value
