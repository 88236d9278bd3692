"""The REST API's view of a lead (API v1): what a caller sends to search and update leads and
what it gets back (a new inquiry's ``LeadIn`` belongs to the intake app, which captures it).

Field names follow Salesforce's lead fields (``first_name`` … ``postal_code``, ``state`` for
the subdivision) so that outside tools map them one to one; they are a contract, keep them.
Every value is checked here before it reaches a service: strings must be storable text (no
NUL, no lone surrogates), JSON objects must hold finite numbers of bounded size, datetimes
must be representable in UTC. Anything else is a 422, never a 500.
"""

import math
import re
import sys
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from leadflow.core.enums import Channel, InquiryType, Rating, Stage
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import Lead
from leadflow.leads.selectors.search import LeadFilters

#: Largest number accepted inside answers and profiles (a signed 64-bit integer): larger ones
#: cannot be compared as numbers by the qualification rules.
MAX_JSON_INT = 2**63 - 1
MAX_JSON_DEPTH = 8
MAX_JSON_ITEMS = 1000


def _storable(text: str) -> str:
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    if any("\ud800" <= char <= "\udfff" for char in text):
        raise ValueError("must be valid Unicode (no lone surrogates)")
    return text


def _json_object(value: dict[str, Any]) -> dict[str, Any]:
    """A JSON object that every database stores and every rule can read."""
    budget = [MAX_JSON_ITEMS]

    def check(item: object, depth: int) -> None:
        budget[0] -= 1
        if budget[0] < 0:
            raise ValueError(f"must hold at most {MAX_JSON_ITEMS} values")
        if depth > MAX_JSON_DEPTH:
            raise ValueError(f"must be nested at most {MAX_JSON_DEPTH} levels deep")
        if isinstance(item, str):
            _storable(item)
        elif isinstance(item, bool) or item is None:
            return
        elif isinstance(item, int):
            if abs(item) > MAX_JSON_INT:
                raise ValueError(f"{item} is too large a number")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise ValueError("numbers must be finite")
            if abs(item) > MAX_JSON_INT:
                raise ValueError(f"{item} is too large a number")
        elif isinstance(item, dict):
            for key, nested in item.items():
                _storable(key)
                check(nested, depth + 1)
        elif isinstance(item, list):
            for nested in item:
                check(nested, depth + 1)
        else:
            raise ValueError(f"{type(item).__name__} is not a JSON value")

    check(value, 0)
    return value


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso(value: object) -> object:
    """A date-time is written as one (ISO 8601, "2026-11-02T14:30:00Z"), as the schema's
    ``format: date-time`` says: not a number of seconds, which pydantic would also read."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise ValueError("must be a date and time such as 2026-11-02T14:30:00Z")


def _utc(value: datetime) -> datetime:
    """Naive datetimes are read as UTC; the result must exist in UTC."""
    try:
        return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("is out of range") from exc


#: What ``_storable`` refuses, as the schema says it: no NUL (JSON cannot carry lone surrogates
#: in UTF-8, and clients do not generate them).
STORABLE_PATTERN = "^[^\\u0000]*$"
#: A cursor as ``cursor_encode`` writes it: URL-safe base64 without padding. Only a cursor the
#: API issued (a page's ``next_cursor``, for the same ordering) reads; any other is a 422.
CURSOR_PATTERN = "^[A-Za-z0-9_-]*$"


def _json_value_schema() -> dict[str, Any]:
    """The JSON schema of a value inside an answers or profile object, as ``_json_object``
    checks it: storable strings and keys, numbers within ±MAX_JSON_INT. One schema for every
    type (each keyword applies to its own type only), referring to itself for nested values.

    Not said, because schema tools would derive every combination of them: the object's
    budget of MAX_JSON_ITEMS values in all (said only of its own keys, ``maxProperties``) and
    the depth of at most MAX_JSON_DEPTH levels (in the description)."""
    return {
        "type": ["string", "number", "boolean", "null", "array", "object"],
        "description": f"Any JSON value; at most {MAX_JSON_DEPTH} levels deep and "
        f"{MAX_JSON_ITEMS} values in all",
        "pattern": STORABLE_PATTERN,
        "minimum": -MAX_JSON_INT,
        "maximum": MAX_JSON_INT,
        "items": json_value_ref(),
        "propertyNames": {"pattern": STORABLE_PATTERN},
        "additionalProperties": json_value_ref(),
    }


def _json_object_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "maxProperties": MAX_JSON_ITEMS,
        "propertyNames": {"pattern": STORABLE_PATTERN},
        "additionalProperties": json_value_ref(),
    }


#: The component the API's schema names for a value inside a JSON object (``JsonValue``);
#: ``config/api.py`` adds it to the document and turns each ``{JSON_VALUE_REF: name}`` into a
#: ``$ref`` to it (pydantic, which writes the models' schemas, only lets a schema refer to
#: models).
JSON_VALUE = "JsonValue"
JSON_VALUE_REF = "x-leadflow-json-value"


def json_value_ref() -> dict[str, Any]:
    return {JSON_VALUE_REF: JSON_VALUE}


JSON_VALUE_SCHEMAS = {JSON_VALUE: _json_value_schema()}


def _space_class() -> str:
    """The characters ``normalise_lead`` strips as white space (``str.isspace``), as the
    ranges of a regular expression's character class."""
    spaces = [code for code in range(sys.maxunicode + 1) if chr(code).isspace()]
    ranges: list[list[int]] = []
    for code in spaces:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(
        f"\\u{first:04x}" if first == last else f"\\u{first:04x}-\\u{last:04x}"
        for first, last in ranges
    )


#: A value that is more than white space: a company or name ``normalise_lead``
#: keeps, a note a service requires (``str.strip``).
NOT_BLANK = f"[^{_space_class()}]"


Text = Annotated[
    str, AfterValidator(_storable), Field(json_schema_extra={"pattern": STORABLE_PATTERN})
]
JsonObject = Annotated[
    dict[str, Any],
    AfterValidator(_json_object),
    WithJsonSchema(_json_object_schema()),
]
UtcDatetime = Annotated[datetime, BeforeValidator(_iso), AfterValidator(_utc)]
#: A date-time with its offset, written as one.
IsoAwareDatetime = Annotated[AwareDatetime, BeforeValidator(_iso)]


class LeadPatchIn(Schema):
    """New answers and profile attributes, merged over the lead's (null clears an answer)."""

    # The schema says what ``_something`` requires: a profile, answers or both (not null).
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": [name], "properties": {name: {"type": "object"}}}
                for name in ("profile", "answers")
            ]
        }
    )

    profile: JsonObject | None = None
    answers: JsonObject | None = None

    @model_validator(mode="after")
    def _something(self) -> "LeadPatchIn":
        if self.profile is None and self.answers is None:
            raise ValueError("send profile, answers or both")
        return self


class BantOut(Schema):
    budget: bool
    authority: bool
    need: bool
    timeframe: bool


class LeadOut(Schema):
    id: int
    program: str = Field(description="The program's slug")
    status: LeadStatus
    stage: Stage
    rating: Rating | None = Field(description="null when the lead is disqualified")
    score: float
    bant: BantOut
    explanation: list[str]
    first_name: str
    last_name: str
    email: str
    phone: str
    title: str
    company: str
    website: str
    country: str
    state: str = Field(description="ISO 3166-2 subdivision code, without the country")
    postal_code: str
    street: str = ""
    city: str = ""
    channel: Channel
    campaign: str
    inquiry_type: InquiryType
    external_id: str | None
    external_source: str = ""
    profile: dict[str, Any]
    answers: dict[str, Any]
    warnings: list[dict[str, str]] = Field(
        default_factory=list,
        description="What intake could not use: a bad optional value dropped from its field "
        "(kept as sent in the profile), as {field, value, reason}",
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_lead(cls, lead: Lead) -> "LeadOut":
        return cls(
            id=lead.pk,
            program=lead.program.slug,
            status=LeadStatus(lead.status),
            stage=Stage(lead.stage),
            rating=Rating(lead.rating) if lead.rating else None,
            score=lead.score,
            bant=BantOut(**lead.bant),
            explanation=list(lead.explanation),
            first_name=lead.first_name,
            last_name=lead.last_name,
            email=lead.email,
            phone=lead.phone,
            title=lead.title,
            company=lead.company,
            website=lead.website,
            country=lead.country,
            state=lead.subdivision,
            postal_code=lead.postal_code,
            street=lead.street,
            city=lead.city,
            channel=Channel(lead.channel),
            campaign=lead.campaign,
            inquiry_type=InquiryType(lead.inquiry_type),
            external_id=lead.external_id,
            external_source=lead.external_source,
            profile=dict(lead.profile),
            answers=dict(lead.answers),
            warnings=list(lead.warnings),
            created_at=lead.created_at,
            updated_at=lead.updated_at,
        )


class LeadNurtureOut(Schema):
    """The lead's nurture sequence (filled by the nurture app through
    ``config/leads.py`` ``LEAD_DETAIL_EXTRAS``)."""

    sequence: str = Field(description="The sequence's slug")
    step: int = Field(description="How many of the sequence's touches were done")
    next_touch_at: datetime | None = Field(description="When the next touch is due")
    state: Literal["active", "finished", "left"]


class LeadConsentOut(Schema):
    """The client's consent for the lead's contact addresses: null when none is recorded."""

    email: Literal["subscribed", "unsubscribed", "bounced"] | None
    phone: Literal["subscribed", "unsubscribed", "bounced"] | None


class LeadDetailOut(LeadOut):
    """One lead as ``GET /leads/{id}`` answers it: the lead, its nurture and its consent."""

    nurture: LeadNurtureOut | None = Field(
        None, description="The lead's current (else last) nurture sequence; null if never in one"
    )
    consent: LeadConsentOut


def lead_json(lead: Lead) -> dict[str, Any]:
    """The lead as the API answers it, ready to be stored for an idempotent replay."""
    return LeadOut.from_lead(lead).model_dump(mode="json")


Ordering = Literal["created_at", "-created_at", "score", "-score", "updated_at", "-updated_at"]


class LeadListQuery(Schema):
    program: Text | None = Field(None, max_length=80, description="Program slug")
    status: LeadStatus | None = None
    stage: Stage | None = None
    rating: Rating | None = None
    channel: Channel | None = None
    campaign: Text | None = Field(None, max_length=100)
    created_after: UtcDatetime | None = Field(None, description="Created at or after")
    created_before: UtcDatetime | None = Field(None, description="Created before")
    q: Text | None = Field(
        None,
        max_length=200,
        description="Words that must each appear in the first or last name, e-mail or "
        "company (case-insensitive)",
    )
    ordering: Ordering = "-created_at"
    cursor: str | None = Field(
        None,
        max_length=512,
        pattern=CURSOR_PATTERN,
        description="next_cursor of the previous page, with the same ordering",
    )
    limit: int = Field(50, ge=1, le=500)

    def to_filters(self) -> LeadFilters:
        return LeadFilters(
            program=self.program,
            status=self.status,
            stage=self.stage,
            rating=self.rating,
            channel=self.channel,
            campaign=self.campaign,
            created_after=self.created_after,
            created_before=self.created_before,
            q=self.q,
        )


class LeadPageOut(Schema):
    items: list[LeadOut]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null at the end")
