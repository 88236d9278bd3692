"""REST API v1 for leads: capture, read, search and update answers. Handlers parse, call one
service or selector, and answer; domain errors become HTTP in ``leadflow.api.api``."""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.params import HeaderEx, P, PathEx

from leadflow.api.auth import caller
from leadflow.api.idempotency import Answer, Outcome, idempotent_write
from leadflow.intake.services import lead_capture
from leadflow.leads.api_selectors import (
    MAX_ID,
    api_lead_get,
    api_program_get,
    lead_search,
)
from leadflow.leads.schemas import (
    ErrorOut,
    LeadIn,
    LeadListQuery,
    LeadOut,
    LeadPageOut,
    LeadPatchIn,
    ValidationErrorOut,
    lead_json,
)
from leadflow.leads.services import lead_update_answers

router = Router(tags=["leads"])

LeadId = PathEx[int, P(ge=1, le=MAX_ID, description="The lead's id")]
IdempotencyKey = HeaderEx[
    str | None,
    P(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique string (a UUID): a retry with the same key returns the first "
        "response and changes nothing; reused with another request it is a 422",
    ),
]

ERRORS: dict[int, Any] = {
    401: ErrorOut,
    404: ErrorOut,
    422: ValidationErrorOut,
}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut}
READ_ONLY = "your role may read leads but not create or change them"


def _answer(outcome: Outcome) -> JsonResponse:
    """The write's answer, with keys sorted so that a replay (read back from a JSON column,
    which need not keep key order) is byte for byte the first answer."""
    response = JsonResponse(
        outcome.body, status=outcome.status, json_dumps_params={"sort_keys": True}
    )
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@router.post(
    "/leads",
    response={201: LeadOut, 200: LeadOut, **WRITE_ERRORS},
    summary="Capture a lead",
    description="Creates the lead (201), or merges it into the program's lead with the same "
    "external_id or the same person (200, the merged lead).",
)
def lead_create(
    request: HttpRequest, payload: LeadIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    who = caller(request)
    if not who.may_write:
        raise HttpError(403, READ_ONLY)
    program = api_program_get(user=who.user, slug=payload.program, program_ids=who.program_ids)
    now = timezone.now()

    def write() -> Answer:
        capture = lead_capture(
            program=program, submission=payload.to_submission(), actor=who.user, now=now
        )
        return (201 if capture.created else 200), lead_json(capture.lead)

    return _answer(
        idempotent_write(
            user=who.user,
            key=idempotency_key,
            method="POST",
            path=request.path,
            payload=payload.model_dump(mode="json"),
            now=now,
            write=write,
        )
    )


@router.get("/leads", response={200: LeadPageOut, **ERRORS}, summary="Search leads")
def lead_list(request: HttpRequest, query: Query[LeadListQuery]) -> LeadPageOut:
    who = caller(request)
    page = lead_search(
        user=who.user,
        filters=query.to_filters(),
        ordering=query.ordering,
        cursor=query.cursor,
        limit=query.limit,
        program_ids=who.program_ids,
    )
    return LeadPageOut(
        items=[LeadOut.from_lead(lead) for lead in page.items], next_cursor=page.next_cursor
    )


@router.get("/leads/{lead_id}", response={200: LeadOut, **ERRORS}, summary="Read a lead")
def lead_read(request: HttpRequest, lead_id: LeadId) -> LeadOut:
    who = caller(request)
    return LeadOut.from_lead(
        api_lead_get(user=who.user, lead_id=lead_id, program_ids=who.program_ids)
    )


@router.patch(
    "/leads/{lead_id}",
    response={200: LeadOut, **WRITE_ERRORS},
    summary="Update a lead's answers and profile",
    description="Merges the answers and profile attributes over the lead's (null clears an "
    "answer), re-qualifies the lead and records both in its history.",
)
def lead_update(
    request: HttpRequest,
    lead_id: LeadId,
    payload: LeadPatchIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    who = caller(request)
    lead = api_lead_get(user=who.user, lead_id=lead_id, program_ids=who.program_ids)
    if not who.may_write:
        raise HttpError(403, READ_ONLY)
    now = timezone.now()

    def write() -> Answer:
        updated = lead_update_answers(
            lead=lead, answers=payload.answers, profile=payload.profile, actor=who.user, now=now
        )
        return 200, lead_json(updated)

    return _answer(
        idempotent_write(
            user=who.user,
            key=idempotency_key,
            method="PATCH",
            path=request.path,
            payload=payload.model_dump(mode="json"),
            now=now,
            write=write,
        )
    )
