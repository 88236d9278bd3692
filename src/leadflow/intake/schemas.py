"""The REST API's view of a new inquiry (API v1, ``POST /api/v1/leads``): what a sender
captures, checked as strictly as the rest of the API (``leadflow.leads.schemas``) before it
becomes a ``Submission`` for ``lead_capture``.

Field names follow Salesforce's lead fields, as the lead the API answers with does; they are a
contract, keep them.
"""

from typing import Any, cast

import email_validator
import phonenumbers
from ninja import Schema
from pydantic import ConfigDict, Field, JsonValue

from leadflow.core.enums import Channel, InquiryType
from leadflow.core.normalise import RawLead
from leadflow.intake.services import Submission
from leadflow.leads.schemas import NOT_BLANK, JsonObject, Text


def _text(max_length: int, description: str = "") -> Any:
    return Field("", max_length=max_length, description=description)


def _e164_pattern() -> str:
    """A phone number in E.164 that ``normalise_phone`` always reads: "+", a country calling
    code phonenumbers knows, and a national number of a length possible there (first digit not
    0), from phonenumbers' own metadata."""
    numbers = []
    for code in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        region = phonenumbers.region_code_for_country_code(code)
        metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region)
        general = metadata.general_desc if metadata else None
        lengths = sorted(set(general.possible_length or ())) if general else []
        rest = "|".join(f"[0-9]{{{length - 1}}}" for length in lengths if length > 1)
        if rest:
            numbers.append(f"{code}[1-9](?:{rest})")
    return f"^\\+(?:{'|'.join(numbers)})$"


def special_use_pattern() -> str:
    """An address at a special-use domain (``.test``, ``.localhost`` …), which email-validator
    refuses though it is an e-mail address by its form, in any case of letters."""
    names = "|".join(
        "".join(f"[{char.lower()}{char.upper()}]" for char in name)
        for name in email_validator.SPECIAL_USE_DOMAIN_NAMES
    )
    return f"@(?:.*\\.)?(?:{names})\\.?$"


#: A phone number the schema promises is read (other spellings, national numbers in the
#: lead's country, are read too, but only this one in every country).
PHONE_E164 = _e164_pattern()

#: Who can be reached, as ``normalise_lead`` requires it (DESIGN.md, "Intake rules"): an
#: e-mail address email-validator reads (not at a special-use domain), a phone number that
#: can exist (in E.164), or a company and a first or last name. Without one of them the lead
#: is a 422 whatever else it has; a bad value in one of these fields is no refusal when
#: another way to reach the person is there (it is dropped with a warning).
REACHABLE: list[dict[str, Any]] = [
    {
        "required": ["email"],
        "properties": {
            "email": {
                "type": "string",
                "format": "email",
                "not": {"pattern": special_use_pattern()},
            }
        },
    },
    {"required": ["phone"], "properties": {"phone": {"type": "string", "pattern": PHONE_E164}}},
    *(
        {
            "required": ["company", name],
            "properties": {
                "company": {"type": "string", "pattern": NOT_BLANK},
                name: {"type": "string", "pattern": NOT_BLANK},
            },
        }
        for name in ("first_name", "last_name")
    ),
]


class LeadIn(Schema):
    """A new inquiry. Contact and company fields use Salesforce's names; null means empty."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": cast(list[JsonValue], REACHABLE),
            "examples": [
                {
                    "program": "acme-demand",
                    "first_name": "Ada",
                    "last_name": "Lovelace",
                    "email": "ada@example.com",
                    "company": "Analytical Engines Ltd",
                    "country": "United Kingdom",
                    "channel": "web",
                    "campaign": "SPRING-26",
                    "answers": {
                        "budget": "approved",
                        "authority": "decision_maker",
                        "need": "established",
                        "timeframe_months": 2,
                    },
                }
            ],
        }
    )

    program: Text = Field(min_length=1, max_length=80, description="The program's slug")
    first_name: Text | None = _text(40)
    last_name: Text | None = _text(80)
    email: Text | None = _text(254)
    phone: Text | None = _text(40, "Read in the lead's country, else the program's region")
    title: Text | None = _text(128)
    company: Text | None = _text(200)
    website: Text | None = _text(200)
    country: Text | None = _text(80, "A name, ISO code or everyday alias (USA, UK)")
    state: Text | None = _text(
        80,
        "The subdivision (state, province, region); without a country it is looked up in the "
        "program's country",
    )
    postal_code: Text | None = _text(16)
    street: Text | None = _text(200, "The street address (one line)")
    city: Text | None = _text(100)
    email_opt_out: bool | None = Field(
        None,
        description="True: the person opted out of e-mail, so the client's marketing never "
        "e-mails the address. False or null changes nothing an opt-out recorded before: only "
        "the person may subscribe again",
    )
    do_not_call: bool | None = Field(
        None,
        description="True: the person is not to be called by the client's marketing. False or "
        "null never lifts a do-not-call recorded before",
    )
    channel: Channel | None = Channel.WEB
    campaign: Text | None = _text(100, "The campaign code")
    inquiry_type: InquiryType | None = InquiryType.INFORMATION_REQUEST
    external_id: Text | None = Field(
        None,
        max_length=100,
        description="The sender's id for this lead; a second lead with the same id from the "
        "same source system in the program is merged into the first",
    )
    external_source: Text | None = Field(
        None,
        max_length=40,
        description="The system the external id belongs to (your CRM's name, e.g. "
        "`salesforce`); the same id from two systems names two people. Omitted: the ids of "
        "senders that name no system",
    )
    profile: JsonObject | None = Field(
        default_factory=dict, description="Prospect profile attributes (environment, needs …)"
    )
    answers: JsonObject | None = Field(
        default_factory=dict,
        description="Questionnaire answers by question key. The default criteria ask "
        "budget (none|preliminary|approved), authority (none|influencer|specifier|"
        "decision_maker), need (none|identified|established) and timeframe_months "
        "(a number ≥ 0, or null for unknown)",
        examples=[
            {
                "budget": "approved",
                "authority": "decision_maker",
                "need": "established",
                "timeframe_months": 2,
            }
        ],
    )

    def to_submission(self) -> Submission:
        raw = RawLead(
            first_name=self.first_name or "",
            last_name=self.last_name or "",
            email=self.email or "",
            phone=self.phone or "",
            title=self.title or "",
            company=self.company or "",
            website=self.website or "",
            country=self.country or "",
            state=self.state or "",
            postal_code=self.postal_code or "",
            street=self.street or "",
            city=self.city or "",
            email_opt_out=_flag(self.email_opt_out),
            do_not_call=_flag(self.do_not_call),
        )
        return Submission(
            raw=raw,
            channel=self.channel or Channel.WEB,
            campaign=self.campaign or "",
            inquiry_type=self.inquiry_type or InquiryType.INFORMATION_REQUEST,
            external_id=self.external_id,
            external_source=self.external_source or "",
            profile=dict(self.profile or {}),
            answers=dict(self.answers or {}),
            consent_sources={
                name: f"API: {name}"
                for name in ("email_opt_out", "do_not_call")
                if getattr(self, name) is not None
            },
        )


def _flag(value: bool | None) -> str:
    return "" if value is None else str(value).lower()
