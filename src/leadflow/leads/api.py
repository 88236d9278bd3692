"""REST API v1 for leads: read, search and update answers (capturing a lead, on the same path,
is the intake app's router). Handlers parse, call one service or selector, and answer; domain
errors become HTTP in the API's assembly (``config/api.py``)."""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.params import P, PathEx

from leadflow.api.auth import READ_ONLY, caller
from leadflow.api.idempotency import Answer, IdempotencyKey, idempotent_write, outcome_response
from leadflow.api.schemas import ERRORS, WRITE_ERRORS
from leadflow.config import leads as extensions
from leadflow.core.consent import ConsentChannel
from leadflow.core.errors import NormalisationError
from leadflow.core.normalise import normalise_email
from leadflow.leads.models import Lead
from leadflow.leads.schemas import (
    LeadConsentOut,
    LeadDetailOut,
    LeadListQuery,
    LeadOut,
    LeadPageOut,
    LeadPatchIn,
    lead_json,
)
from leadflow.leads.selectors.consent import consent_status
from leadflow.leads.selectors.search import MAX_ID, api_lead_get, lead_search
from leadflow.leads.services import lead_update_answers
from leadflow.programs.models import Client

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


def lead_detail(lead: Lead) -> LeadDetailOut:
    """The lead with its consent and what the apps above add (``config/leads.py``
    ``LEAD_DETAIL_EXTRAS``: ``nurture``)."""
    client = lead.program.client
    consent = LeadConsentOut(
        email=_status(client, ConsentChannel.EMAIL, _email_address(lead.email)),
        phone=_status(client, ConsentChannel.PHONE, lead.phone.strip()),
    )
    extras: dict[str, Any] = {}
    for path in extensions.LEAD_DETAIL_EXTRAS:
        extras.update(import_string(path)(lead=lead))
    return LeadDetailOut(**LeadOut.from_lead(lead).model_dump(), consent=consent, **extras)


def _email_address(email: str) -> str:
    try:
        return normalise_email(email) if email.strip() else ""
    except NormalisationError:
        return ""


def _status(client: Client, channel: ConsentChannel, address: str) -> Any:
    if not address:
        return None
    status = consent_status(client=client, channel=channel, address=address)
    return status.value if status else None


@router.get("/leads/{lead_id}", response={200: LeadDetailOut, **ERRORS}, summary="Read a lead")
def lead_read(request: HttpRequest, lead_id: LeadId) -> LeadDetailOut:
    who = caller(request)
    return lead_detail(api_lead_get(user=who.user, lead_id=lead_id, program_ids=who.program_ids))


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
