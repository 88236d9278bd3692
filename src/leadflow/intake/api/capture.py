"""REST API v1 for capturing leads (``POST /api/v1/leads``): the API's way in to the one
capture path every channel takes (``lead_capture``). Reading and updating leads is the leads
app's router, mounted on the same path; domain errors become HTTP in the API's assembly,
``leadflow.config.api``."""

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Router
from ninja.errors import HttpError

from leadflow.api.auth import READ_ONLY, caller
from leadflow.api.idempotency import (
    Answer,
    IdempotencyKey,
    KeyRecord,
    idempotent_write,
    outcome_response,
)
from leadflow.api.schemas import WRITE_ERRORS
from leadflow.intake.schemas import LeadIn
from leadflow.intake.selectors import capture_program
from leadflow.intake.services import lead_capture
from leadflow.leads.models import Lead
from leadflow.leads.schemas import LeadOut, lead_json
from leadflow.lib.rows import Joined

router = Router(tags=["leads"])


@router.post(
    "/leads",
    response={201: LeadOut, 200: LeadOut, **WRITE_ERRORS},
    summary="Capture a lead",
    description="Creates the lead (201), or merges it into the program's lead with the same "
    "external_id or the same person (200, the merged lead). A bad optional value (a phone, "
    "country, state or website that cannot be read, an answer out of range) does not refuse "
    "the lead: it is left out of its field, kept as sent in the profile, and listed in the "
    "answer's `warnings`. 422 when nobody can be reached (no valid e-mail, no valid phone, no "
    "company and name) or a value cannot be stored.",
    # The id the operation had before it moved here from the leads app: clients generated
    # from the OpenAPI document call it by this name.
    operation_id="leadflow_leads_api_lead_create",
)
def lead_create(
    request: HttpRequest, payload: LeadIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    who = caller(request)
    if not who.may_write:
        raise HttpError(403, READ_ONLY)
    program, published, found = capture_program(
        user=who.user,
        slug=payload.program,
        program_ids=who.program_ids,
        idempotency_key=idempotency_key,
    )
    now = timezone.now()

    def write(record: KeyRecord | None) -> Answer:
        # A merge knows its answer before its last statement (the lead's id is known), so the
        # key's record with that answer is written by the merge's own statement.
        recorded: list[Answer] = []

        def joined(lead: Lead) -> Joined:
            assert record is not None
            recorded.append((200, lead_json(lead)))
            return record.joined(recorded[0])

        capture = lead_capture(
            program=program,
            submission=payload.to_submission(),
            actor=who.user,
            now=now,
            published=published,
            merge_also=None if record is None else joined,
        )
        if recorded and record is not None and record.claimed is not None:
            return recorded[0]
        return (201 if capture.created else 200), lead_json(capture.lead)

    return outcome_response(
        idempotent_write(
            user=who.user,
            key=idempotency_key,
            method="POST",
            path=request.path,
            payload=payload.model_dump(mode="json"),
            now=now,
            write=lambda: write(None),
            found=found,
            write_joined=write,
        )
    )
