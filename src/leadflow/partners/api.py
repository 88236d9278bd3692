"""REST API v1 for a partner's users (``/api/v1/partner/…``): the inbox, one lead with its
clocks, claim, decline, first contact, outcome, and the partner's SLA record.

A lead that is not the caller's partner's now is a 404, exactly as in the portal. Handlers
parse, call one service or selector, and answer; writes accept an ``Idempotency-Key``."""

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.params import HeaderEx, P, PathEx
from pydantic import ConfigDict, Field, JsonValue

from leadflow.accounts.models import User
from leadflow.api.auth import caller
from leadflow.api.idempotency import Answer, idempotent_write
from leadflow.api.schemas import ErrorOut, ValidationErrorOut
from leadflow.core.routing import CapacityReached
from leadflow.leads.models import Lead
from leadflow.leads.schemas import NOT_BLANK, IsoAwareDatetime
from leadflow.partners.models import (
    CONTACT_CHANNELS,
    DECLINE_REASONS,
    LOST_REASONS,
    OUTCOMES,
    Assignment,
)
from leadflow.partners.selectors import (
    lead_clocks,
    partner_assignment_get,
    partner_for_user,
    partner_inbox,
    partner_record,
)
from leadflow.partners.services import (
    PartnerInputError,
    lead_claim,
    lead_contact_record,
    lead_decline,
    lead_outcome_record,
)

router = Router(tags=["partner portal"])

LeadId = PathEx[int, P(ge=1, le=2**63 - 1, description="The lead's id")]
IdempotencyKey = HeaderEx[
    str | None,
    P(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique string: a retry with the same key returns the first response",
    ),
]


class ClockOut(Schema):
    name: str
    due: datetime | None
    met_at: datetime | None
    state: str
    seconds_left: int | None
    working_days_left: int | None


class PartnerLeadOut(Schema):
    lead_id: int
    status: str
    rating: str
    company: str
    first_name: str
    last_name: str
    title: str
    email: str
    phone: str
    country: str
    subdivision: str
    postal_code: str
    assigned_at: datetime
    claim_due: datetime
    contact_due: datetime
    followup_due: datetime | None
    claimed_at: datetime | None
    contact_at: datetime | None
    contact_channel: str
    outcome: str
    outcome_reason: str
    clocks: list[ClockOut]


class RecordOut(Schema):
    partner: str
    open_leads: int
    capacity: int
    received: int
    claimed: int
    declined: int
    violations_in_window: int
    flow_enabled: bool
    window_days: int


def _given(name: str) -> dict[str, Any]:
    """A note that says something, as the services require it with "other"."""
    return {"required": [name], "properties": {name: {"type": "string", "pattern": NOT_BLANK}}}


def _choices(choices: list[tuple[str, str]], *, but: str = "") -> list[JsonValue]:
    return [value for value, _ in choices if value != but]


class DeclineIn(Schema):
    """Why the partner gives the lead back (``lead_decline``): "other" needs a note."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"properties": {"reason": {"enum": _choices(DECLINE_REASONS, but="other")}}},
                {"properties": {"reason": {"const": "other"}}, **_given("note")},
            ]
        }
    )

    reason: str = Field(max_length=32, json_schema_extra={"enum": _choices(DECLINE_REASONS)})
    note: str = Field(default="", max_length=2000)


class ContactIn(Schema):
    channel: str = Field(max_length=16, json_schema_extra={"enum": _choices(CONTACT_CHANNELS)})
    at: IsoAwareDatetime = Field(
        description="When; not in the future, nor before the lead was assigned (a 422)"
    )
    note: str = Field(default="", max_length=2000)


class OutcomeIn(Schema):
    """The outcome (``lead_outcome_record``): "lost" needs a reason, and "other" a note."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"properties": {"outcome": {"enum": _choices(OUTCOMES, but="lost")}}},
                {
                    "required": ["reason"],
                    "properties": {
                        "outcome": {"const": "lost"},
                        "reason": {"enum": _choices(LOST_REASONS, but="other")},
                    },
                },
                {
                    "required": ["reason", "note"],
                    "properties": {
                        "outcome": {"const": "lost"},
                        "reason": {"const": "other"},
                        "note": {"type": "string", "pattern": NOT_BLANK},
                    },
                },
            ]
        }
    )

    outcome: Literal["won", "lost", "not_reached", "nurture"]
    reason: str = Field(
        default="",
        max_length=32,
        description="Why it was lost (ignored for the other outcomes)",
    )
    note: str = Field(default="", max_length=2000)


#: The API's error bodies (``api.schemas``): a message, or field errors for a 422. A schema of
#: its own with the same name would take the shared one's place in the OpenAPI document.
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut, 409: ErrorOut}


def _partner_user(request: HttpRequest) -> User:
    user = caller(request).user
    if partner_for_user(user=user) is None:
        raise HttpError(403, "only a partner's users use the partner API")
    return user


def _lead_json(assignment: Assignment, now: datetime) -> dict[str, Any]:
    lead = assignment.lead
    clocks = [
        ClockOut(
            name=clock.name.value,
            due=clock.due,
            met_at=clock.met_at,
            state=clock.state.value,
            seconds_left=int(clock.time_left.total_seconds()) if clock.time_left else None,
            working_days_left=clock.working_days_left,
        )
        for clock in lead_clocks(assignment=assignment, now=now)
    ]
    return PartnerLeadOut(
        lead_id=lead.pk,
        status=lead.status,
        rating=assignment.rating,
        company=lead.company,
        first_name=lead.first_name,
        last_name=lead.last_name,
        title=lead.title,
        email=lead.email,
        phone=lead.phone,
        country=lead.country,
        subdivision=lead.subdivision,
        postal_code=lead.postal_code,
        assigned_at=assignment.assigned_at,
        claim_due=assignment.claim_due,
        contact_due=assignment.contact_due,
        followup_due=assignment.followup_due,
        claimed_at=assignment.claimed_at,
        contact_at=assignment.contact_at,
        contact_channel=assignment.contact_channel,
        outcome=assignment.outcome,
        outcome_reason=assignment.outcome_reason,
        clocks=clocks,
    ).model_dump(mode="json")


@router.get("/leads", response={200: list[PartnerLeadOut], **ERRORS}, summary="The inbox")
def inbox(request: HttpRequest) -> list[dict[str, Any]]:
    user = _partner_user(request)
    now = timezone.now()
    return [_lead_json(assignment, now) for assignment in partner_inbox(user=user)]


@router.get("/leads/{lead_id}", response={200: PartnerLeadOut, **ERRORS}, summary="One lead")
def lead_read(request: HttpRequest, lead_id: LeadId) -> dict[str, Any]:
    user = _partner_user(request)
    return _lead_json(partner_assignment_get(user=user, lead_id=lead_id), timezone.now())


@router.get("/record", response={200: RecordOut, **ERRORS}, summary="The partner's SLA record")
def record(request: HttpRequest) -> RecordOut:
    user = _partner_user(request)
    partner = partner_for_user(user=user)
    assert partner is not None
    found = partner_record(partner=partner, now=timezone.now())
    return RecordOut(
        partner=partner.name,
        open_leads=found.open_leads,
        capacity=found.capacity,
        received=found.received,
        claimed=found.claimed,
        declined=found.declined,
        violations_in_window=found.violations_in_window,
        flow_enabled=found.flow_enabled,
        window_days=found.window_days,
    )


def _write(
    request: HttpRequest,
    lead_id: int,
    key: str | None,
    payload: dict[str, Any],
    step: Callable[[User, datetime], Lead],
) -> JsonResponse:
    """Run one step for the caller's partner: 404 when the lead is not its partner's, 409 for a
    step the lead's state or the partner's capacity refuses, 422 for a bad field."""
    user = _partner_user(request)
    partner_assignment_get(user=user, lead_id=lead_id)
    now = timezone.now()

    def write() -> Answer:
        step(user, now)
        try:
            return 200, _lead_json(partner_assignment_get(user=user, lead_id=lead_id), now)
        except Assignment.DoesNotExist:  # declined or sent to nurture: no longer the partner's
            return 200, {"lead_id": lead_id, "status": "gone"}

    try:
        outcome = idempotent_write(
            user=user,
            key=key,
            method="POST",
            path=request.path,
            payload=payload,
            now=now,
            write=write,
        )
    except CapacityReached as exc:
        return JsonResponse({"detail": str(exc)}, status=409)
    except PartnerInputError as exc:
        detail = [{"loc": ["body", exc.field], "msg": str(exc), "type": "value_error"}]
        return JsonResponse({"detail": detail}, status=422)
    response = JsonResponse(outcome.body, status=outcome.status)
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@router.post("/leads/{lead_id}/claim", response={200: Any, **WRITE_ERRORS}, summary="Claim")
def claim(request: HttpRequest, lead_id: LeadId, idempotency_key: IdempotencyKey = None) -> Any:
    return _write(
        request,
        lead_id,
        idempotency_key,
        {},
        lambda user, now: lead_claim(lead_id=lead_id, user=user, now=now),
    )


@router.post("/leads/{lead_id}/decline", response={200: Any, **WRITE_ERRORS}, summary="Decline")
def decline(
    request: HttpRequest,
    lead_id: LeadId,
    payload: DeclineIn,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    return _write(
        request,
        lead_id,
        idempotency_key,
        payload.model_dump(mode="json"),
        lambda user, now: lead_decline(
            lead_id=lead_id, user=user, reason=payload.reason, note=payload.note, now=now
        ),
    )


@router.post(
    "/leads/{lead_id}/contact", response={200: Any, **WRITE_ERRORS}, summary="First contact"
)
def contact(
    request: HttpRequest,
    lead_id: LeadId,
    payload: ContactIn,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    return _write(
        request,
        lead_id,
        idempotency_key,
        payload.model_dump(mode="json"),
        lambda user, now: lead_contact_record(
            lead_id=lead_id,
            user=user,
            channel=payload.channel,
            at=payload.at,
            note=payload.note,
            now=now,
        ),
    )


@router.post("/leads/{lead_id}/outcome", response={200: Any, **WRITE_ERRORS}, summary="Outcome")
def outcome(
    request: HttpRequest,
    lead_id: LeadId,
    payload: OutcomeIn,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    return _write(
        request,
        lead_id,
        idempotency_key,
        payload.model_dump(mode="json"),
        lambda user, now: lead_outcome_record(
            lead_id=lead_id,
            user=user,
            outcome=payload.outcome,
            reason=payload.reason,
            note=payload.note,
            now=now,
        ),
    )
