"""REST API v1 for nurture: put a lead in a sequence, take it out, and the lead's ``nurture``
field of ``GET /leads/{id}`` (through ``config/leads.py`` ``LEAD_DETAIL_EXTRAS``). Handlers
parse, call one service or selector, and answer; domain errors become HTTP in the API's
assembly (``config/api.py``): 409 when the lead cannot enter or is in no sequence."""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.params import P, PathEx
from pydantic import Field

from leadflow.api.auth import READ_ONLY, caller
from leadflow.api.idempotency import Answer, IdempotencyKey, idempotent_write, outcome_response
from leadflow.api.schemas import WRITE_ERRORS
from leadflow.core.errors import InputError
from leadflow.leads.models import Lead
from leadflow.leads.schemas import LeadNurtureOut
from leadflow.leads.selectors.search import MAX_ID, api_lead_get
from leadflow.nurture.models import Enrollment, EnrollmentState, Sequence
from leadflow.nurture.services import lead_enrol, lead_leave

router = Router(tags=["nurture"])

LeadId = PathEx[int, P(ge=1, le=MAX_ID, description="The lead's id")]


class NurtureIn(Schema):
    sequence: str = Field(
        min_length=1,
        max_length=80,
        pattern=r"^[-a-zA-Z0-9_]+$",
        description="The slug of a sequence of the lead's program",
    )


def nurture_out(enrollment: Enrollment) -> LeadNurtureOut:
    return LeadNurtureOut(
        sequence=enrollment.sequence.slug,
        step=enrollment.step,
        next_touch_at=enrollment.next_touch_at,
        state=enrollment.state,  # type: ignore[arg-type]
    )


def lead_nurture_detail(*, lead: Lead) -> dict[str, Any]:
    """The ``nurture`` field of the lead's API answer: its active sequence, else its last."""
    enrollments = Enrollment.objects.filter(lead=lead).select_related("sequence")
    enrollment = (
        enrollments.filter(state=EnrollmentState.ACTIVE).first()
        or enrollments.order_by("-entered_at", "-id").first()
    )
    return {"nurture": nurture_out(enrollment) if enrollment is not None else None}


@router.post(
    "/leads/{lead_id}/nurture",
    response={200: LeadNurtureOut, **WRITE_ERRORS},
    summary="Put a lead in a nurture sequence",
    description="Enrols the lead in the named sequence of its program, moving it to "
    "nurturing first when its status allows (409 when it cannot be nurtured or is already "
    "in that sequence). A lead in another sequence moves to this one. 422 names an unknown "
    "sequence.",
)
def lead_nurture_enter(
    request: HttpRequest,
    lead_id: LeadId,
    payload: NurtureIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    who = caller(request)
    lead = api_lead_get(user=who.user, lead_id=lead_id, program_ids=who.program_ids)
    if not who.may_write:
        raise HttpError(403, READ_ONLY)
    now = timezone.now()

    def write() -> Answer:
        sequence = Sequence.objects.filter(program_id=lead.program_id, slug=payload.sequence)
        found = sequence.select_related("program", "program__client").first()
        if found is None:
            raise InputError("sequence", "the lead's program has no sequence of this name")
        enrollment = lead_enrol(lead=lead, sequence=found, actor=who.user, now=now)
        return 200, nurture_out(enrollment).model_dump(mode="json")

    return outcome_response(
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


@router.delete(
    "/leads/{lead_id}/nurture",
    response={200: LeadNurtureOut, **WRITE_ERRORS},
    summary="Take a lead out of its nurture sequence",
    description="The lead leaves its sequence and stays nurturing (409 when it is in none).",
)
def lead_nurture_leave(
    request: HttpRequest, lead_id: LeadId, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    who = caller(request)
    lead = api_lead_get(user=who.user, lead_id=lead_id, program_ids=who.program_ids)
    if not who.may_write:
        raise HttpError(403, READ_ONLY)
    now = timezone.now()

    def write() -> Answer:
        enrollment = lead_leave(lead=lead, actor=who.user, now=now, reason="through the API")
        return 200, nurture_out(enrollment).model_dump(mode="json")

    return outcome_response(
        idempotent_write(
            user=who.user,
            key=idempotency_key,
            method="DELETE",
            path=request.path,
            payload={},
            now=now,
            write=write,
        )
    )
