"""The REST API's view of a lead (API v1): what a caller sends to search and update leads and
what it gets back (a new inquiry's ``LeadIn`` belongs to the intake app, which captures it).

Field names follow Salesforce's lead fields (``first_name`` … ``postal_code``, ``state`` for
the subdivision) so that outside tools map them one to one; they are a contract, keep them.
Every value is checked here before it reaches a service: strings must be storable text (no
NUL, no lone surrogates), JSON objects must hold finite numbers of bounded size, datetimes
must be representable in UTC. Anything else is a 422, never a 500.
"""

import math
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, Field, model_validator

from leadflow.core.enums import Channel, InquiryType, Rating, Stage
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import Lead
from leadflow.leads.selectors.search import LeadFilters

#: Largest integer accepted inside answers and profiles (a signed 64-bit integer): larger ones
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


def _utc(value: datetime) -> datetime:
    """Naive datetimes are read as UTC; the result must exist in UTC."""
    try:
        return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("is out of range") from exc


Text = Annotated[str, AfterValidator(_storable)]
JsonObject = Annotated[dict[str, Any], AfterValidator(_json_object)]
UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class LeadPatchIn(Schema):
    """New answers and profile attributes, merged over the lead's (null clears an answer)."""

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
    cursor: Text | None = Field(
        None, max_length=512, description="next_cursor of the previous page"
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
