"""REST API v1 for a partner's users (``/api/v1/partner/…``): the inbox, one lead with its
clocks, claim, decline, first contact, outcome, the partner's SLA record, and deal
registration (``/registrations``).

A lead that is not the caller's partner's now is a 404, exactly as in the portal. Handlers
parse, call one service or selector, and answer; writes accept an ``Idempotency-Key``."""

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, cast

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
from leadflow.intake.schemas import REACHABLE
from leadflow.leads.models import Lead
from leadflow.leads.schemas import NOT_BLANK, IsoAwareDatetime, JsonObject, Text
from leadflow.partners.models import (
    CONTACT_CHANNELS,
    DECLINE_REASONS,
    LOST_REASONS,
    OUTCOMES,
    Assignment,
    Registration,
    RegistrationStatus,
)
from leadflow.partners.selectors import (
    lead_clocks,
    partner_assignment_get,
    partner_for_user,
    partner_inbox,
    partner_record,
    partner_registrations,
    registration_program_get,
)
from leadflow.partners.services import (
    PartnerInputError,
    lead_claim,
    lead_contact_record,
    lead_decline,
    lead_outcome_record,
)
from leadflow.partners.services.registrations import Prospect, deal_register
from leadflow.programs.models import Program

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


# --- deal registration ---------------------------------------------------------------------------


def _text(max_length: int) -> Any:
    return Field("", max_length=max_length)


class RegistrationIn(Schema):
    """A prospect the partner found itself: someone to reach (an e-mail, a phone, or a company
    and a name, as for every new lead); answers to the program's qualifying questions are
    scored as for any lead."""

    model_config = ConfigDict(json_schema_extra={"anyOf": cast(list[JsonValue], REACHABLE)})

    program: Text = Field(min_length=1, max_length=80, description="The program's slug")
    first_name: Text | None = _text(40)
    last_name: Text | None = _text(80)
    email: Text | None = _text(254)
    phone: Text | None = _text(40)
    title: Text | None = _text(128)
    company: Text | None = _text(200)
    website: Text | None = _text(200)
    country: Text | None = _text(80)
    state: Text | None = _text(80)
    postal_code: Text | None = _text(16)
    city: Text | None = _text(100)
    note: Text | None = _text(2000)
    answers: JsonObject | None = Field(
        default_factory=dict, description="Questionnaire answers by question key"
    )

    def to_prospect(self) -> Prospect:
        texts = {
            name: getattr(self, name) or ""
            for name in (
                "first_name",
                "last_name",
                "email",
                "phone",
                "title",
                "company",
                "website",
                "country",
                "state",
                "postal_code",
                "city",
                "note",
            )
        }
        return Prospect(**texts, answers=dict(self.answers or {}))


class RegistrationOut(Schema):
    id: int
    program: str
    status: str = Field(description="accepted, pending (a manager decides), rejected, refused")
    status_label: str
    reason: str = Field(description="Why it was refused or rejected (never who holds it)")
    company: str
    contact: str
    registered_at: datetime
    protected_until: datetime | None
    lead_id: int | None = Field(description="The lead, unless refused")


def registration_json(registration: Registration) -> dict[str, Any]:
    refused = registration.status == RegistrationStatus.REFUSED
    return RegistrationOut(
        id=registration.pk,
        program=registration.program.slug,
        status=registration.status,
        status_label=registration.get_status_display(),
        reason=registration.reason,
        company=registration.company,
        contact=registration.contact,
        registered_at=registration.registered_at,
        protected_until=registration.protected_until,
        lead_id=None if refused else registration.lead_id,
    ).model_dump(mode="json")


@router.get(
    "/registrations",
    response={200: list[RegistrationOut], **ERRORS},
    summary="The partner's deal registrations",
)
def registrations(request: HttpRequest) -> list[dict[str, Any]]:
    partner = partner_for_user(user=_partner_user(request))
    assert partner is not None
    return [registration_json(r) for r in partner_registrations(partner=partner)[:500]]


@router.post(
    "/registrations",
    response={201: RegistrationOut, 409: RegistrationOut, **WRITE_ERRORS},
    summary="Register a prospect the partner found",
    description="201 with the registration, accepted (protected for the program's period) or "
    "pending a manager's decision; 409 with the registration refused and its reason when the "
    "program already knows the prospect; 404 for a program that is not the partner's; 422 "
    "when nobody can be reached or a value cannot be stored.",
)
def registration_create(
    request: HttpRequest, payload: RegistrationIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    user = _partner_user(request)
    who = caller(request)
    partner = partner_for_user(user=user)
    assert partner is not None
    try:
        program = registration_program_get(partner=partner, slug=payload.program)
    except Program.DoesNotExist:
        raise HttpError(
            404, f"no program {payload.program!r} of yours takes registrations"
        ) from None
    if who.program_ids is not None and program.pk not in who.program_ids:
        raise HttpError(404, f"no program {payload.program!r} of yours takes registrations")
    prospect = payload.to_prospect()
    now = timezone.now()

    def write() -> Answer:
        registration = deal_register(
            partner=partner, program=program, prospect=prospect, user=user, now=now
        )
        status = 409 if registration.status == RegistrationStatus.REFUSED else 201
        return status, registration_json(registration)

    try:
        outcome = idempotent_write(
            user=user,
            key=idempotency_key,
            method="POST",
            path=request.path,
            payload=payload.model_dump(mode="json"),
            now=now,
            write=write,
        )
    except PartnerInputError as exc:
        detail = [{"loc": ["body", exc.field], "msg": str(exc), "type": "value_error"}]
        return JsonResponse({"detail": detail}, status=422)
    response = JsonResponse(outcome.body, status=outcome.status)
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return response
