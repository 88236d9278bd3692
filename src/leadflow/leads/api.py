"""REST API v1 for leads: read, search and update answers (capturing a lead, on the same path,
is the intake app's router). Handlers parse, call one service or selector, and answer; domain
errors become HTTP in the API's assembly (``config/api.py``)."""

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.params import P, PathEx

from leadflow.api.auth import READ_ONLY, caller
from leadflow.api.idempotency import Answer, IdempotencyKey, idempotent_write, outcome_response
from leadflow.api.schemas import ERRORS, WRITE_ERRORS
from leadflow.leads.schemas import LeadListQuery, LeadOut, LeadPageOut, LeadPatchIn, lead_json
from leadflow.leads.selectors.search import MAX_ID, api_lead_get, lead_search
from leadflow.leads.services import lead_update_answers

router = Router(tags=["leads"])

LeadId = PathEx[int, P(ge=1, le=MAX_ID, description="The lead's id")]


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

    return outcome_response(
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
