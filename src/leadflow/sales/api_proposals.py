"""REST API v1 for proposals and references (issue 15, item 9; the paths and field names are a
contract): write a proposal for a lead, read it, give an approval step's decision, send it
once every step is approved (409 naming the missing steps), record it won or lost, give a
reference for it (flagged past the program's limit), and search the references database.
Writes need ``sales.work`` (403) as the tasks' and demos' do (the approvals: a person the step
names); a proposal out
of scope is a 404; a step its state refuses is a 409 saying why.
Handlers parse, call one service or selector, and answer; domain errors become HTTP in
``config/api.py`` (``ApprovalsMissing`` → 409 with ``missing_steps``)."""

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.params import P, PathEx
from pydantic import BeforeValidator, Field

from leadflow.accounts.models import User
from leadflow.api.auth import Caller, caller
from leadflow.api.idempotency import Answer, IdempotencyKey
from leadflow.api.schemas import ERRORS, WRITE_ERRORS, ErrorOut
from leadflow.leads.selectors.search import MAX_ID, api_lead_get
from leadflow.sales.api import sales_work_required, sales_write
from leadflow.sales.models import Proposal, ProposalApproval, ReferenceUse
from leadflow.sales.selectors.proposals import proposal_get, proposal_reference_uses
from leadflow.sales.selectors.references import ReferenceHit, reference_get, reference_search
from leadflow.sales.services.proposals import (
    MAX_AMOUNT,
    proposal_create,
    proposal_decide,
    proposal_lost,
    proposal_missing_steps,
    proposal_send,
    proposal_won,
)
from leadflow.sales.services.references import reference_use

router = Router(tags=["sales"])

LeadId = PathEx[int, P(ge=1, le=MAX_ID, description="The lead's id")]
ProposalId = PathEx[int, P(ge=1, le=MAX_ID, description="The proposal's id")]


def _iso_date(value: object) -> object:
    """A date is written as one ("2026-12-15"), as the schema's ``format: date`` says: not a
    number of seconds, which pydantic would also read."""
    if (
        value is None
        or isinstance(value, date)
        or (isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value))
    ):
        return value
    raise ValueError("must be a date such as 2026-12-15")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class ProposalIn(Schema):
    amount: float = Field(
        strict=True,
        ge=0.01,
        le=float(MAX_AMOUNT),
        allow_inf_nan=False,
        description="The proposal's amount (rounded to cents)",
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. USD")
    due_date: IsoDate | None = Field(
        default=None, description="When the prospect should decide (YYYY-MM-DD)"
    )


class ApprovalIn(Schema):
    step: str = Field(
        min_length=1, max_length=100, description="The name of one of the program's steps"
    )
    decision: Literal["approved", "rejected"]
    note: str = Field(default="", max_length=2000)


class ApprovalOut(Schema):
    step: str
    decision: Literal["approved", "rejected"]
    note: str
    by: str
    at: datetime


class DocumentOut(Schema):
    id: int
    filename: str
    content_type: str = Field(description="As the content showed it, not as the sender said")
    size: int = Field(description="Bytes")
    uploaded_at: datetime


class ReferenceUseOut(Schema):
    reference: int = Field(description="The reference's id")
    customer: str
    used_at: datetime
    by: str | None


class ProposalOut(Schema):
    id: int
    lead: int
    amount: str = Field(description="Decimal, two places")
    currency: str
    due_date: date | None
    state: Literal["draft", "sent", "won", "lost"]
    sent_at: datetime | None
    won_amount: str | None
    lost_reason: str
    approvals: list[ApprovalOut]
    missing_steps: list[str] = Field(description="Steps without a standing approval, in order")
    documents: list[DocumentOut] = Field(default_factory=list)
    references: list[ReferenceUseOut] = Field(
        default_factory=list, description="The references given for it, newest first"
    )


def _amount(description: str) -> Any:
    return Field(
        strict=True,
        ge=0.01,
        le=float(MAX_AMOUNT),
        allow_inf_nan=False,
        description=description,
    )


class WonIn(Schema):
    amount: float = _amount("The amount signed (rounded to cents), which the reports count")


class LostIn(Schema):
    reason: str = Field(
        min_length=1, max_length=300, pattern=r"\S", description="Why the proposal was lost"
    )


class ReferenceUseIn(Schema):
    reference_id: int = Field(ge=1, le=MAX_ID, description="A reference of the lead's client")


class ReferenceUsedOut(Schema):
    use: ReferenceUseOut
    uses_this_quarter: int = Field(description="Uses of the reference this calendar quarter")
    limit: int = Field(description="Uses per calendar quarter the program allows")
    flagged: bool = Field(description="Used more often this quarter than the limit")


class MissingStepsOut(Schema):
    detail: str
    missing_steps: list[str] = Field(
        default_factory=list, description="When the send is refused for approvals: the steps"
    )


class ReferenceOut(Schema):
    id: int
    client: str
    customer: str
    contact_name: str
    contact_email: str
    products: str
    industry: str
    region: str
    notes: str
    willing_until: date | None
    uses_this_quarter: int
    limit: int = Field(description="Uses per calendar quarter the program allows")
    flagged: bool = Field(description="Used more often this quarter than the limit")


class ReferenceListOut(Schema):
    items: list[ReferenceOut]


class ReferenceFilters(Schema):
    product: str = Field(default="", max_length=100, description="Part of a product name")
    industry: str = Field(default="", max_length=100, description="Part of the industry")


def proposal_out(proposal: Proposal) -> ProposalOut:
    approvals: list[ProposalApproval] = list(
        ProposalApproval.objects.filter(proposal=proposal).select_related("by").order_by("at", "id")
    )
    return ProposalOut(
        id=proposal.pk,
        lead=proposal.lead_id,
        amount=f"{proposal.amount:.2f}",
        currency=proposal.currency,
        due_date=proposal.due_date,
        state=proposal.state,  # type: ignore[arg-type]
        sent_at=proposal.sent_at,
        won_amount=f"{proposal.won_amount:.2f}" if proposal.won_amount is not None else None,
        lost_reason=proposal.lost_reason,
        approvals=[
            ApprovalOut(
                step=approval.step,
                decision=approval.decision,  # type: ignore[arg-type]
                note=approval.note,
                by=approval.by.get_username(),
                at=approval.at,
            )
            for approval in approvals
        ],
        missing_steps=proposal_missing_steps(proposal=proposal),
        documents=[
            DocumentOut(
                id=document.pk,
                filename=document.filename,
                content_type=document.content_type,
                size=document.size,
                uploaded_at=document.uploaded_at,
            )
            for document in proposal.documents.order_by("filename", "id")
        ],
        references=[use_out(use) for use in proposal_reference_uses(proposal=proposal)],
    )


def use_out(use: ReferenceUse) -> ReferenceUseOut:
    return ReferenceUseOut(
        reference=use.reference_id,
        customer=use.reference.customer,
        used_at=use.used_at,
        by=use.used_by.get_username() if use.used_by else None,
    )


def _proposal(who: Caller, proposal_id: int) -> Proposal:
    proposal = proposal_get(user=who.user, proposal_id=proposal_id)
    if who.program_ids is not None and proposal.lead.program_id not in who.program_ids:
        raise Proposal.DoesNotExist("out of the token's programs")
    return proposal


def _cents(amount: float) -> Decimal:
    return Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@router.post(
    "/leads/{lead_id}/proposals",
    response={201: ProposalOut, **WRITE_ERRORS},
    summary="Write a proposal for a lead",
    description="A draft proposal (amount rounded to cents, ISO 4217 currency, optional due "
    "date); it goes out only once every approval step of the program is approved.",
)
def lead_proposal_create(
    request: HttpRequest,
    lead_id: LeadId,
    payload: ProposalIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    who = caller(request)
    lead = api_lead_get(user=who.user, lead_id=lead_id, program_ids=who.program_ids)
    sales_work_required(who)
    now = timezone.now()
    amount = _cents(payload.amount)

    def write() -> Answer:
        proposal = proposal_create(
            lead=lead,
            amount=amount,
            currency=payload.currency,
            due_date=payload.due_date,
            actor=who.user,
            now=now,
        )
        return 201, proposal_out(proposal).model_dump(mode="json")

    return sales_write(request, idempotency_key, payload.model_dump(mode="json"), write)


@router.post(
    "/proposals/{proposal_id}/approvals",
    response={200: ProposalOut, **WRITE_ERRORS},
    summary="Approve or reject one approval step of a proposal",
    description="Gives the step's decision with a note, replacing the step's standing "
    "decision (a rejected step is approved later by deciding it again). 403 for a user the "
    "step does not name; 409 for a step the program does not have or a proposal no longer a "
    "draft.",
)
def proposal_approval_give(
    request: HttpRequest,
    proposal_id: ProposalId,
    payload: ApprovalIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    who = caller(request)
    proposal = _proposal(who, proposal_id)
    now = timezone.now()

    def write() -> Answer:
        proposal_decide(
            proposal=proposal,
            step=payload.step,
            decision=payload.decision,
            note=payload.note,
            actor=who.user,
            now=now,
        )
        proposal.refresh_from_db()
        return 200, proposal_out(proposal).model_dump(mode="json")

    return sales_write(request, idempotency_key, payload.model_dump(mode="json"), write)


@router.post(
    "/proposals/{proposal_id}/send",
    response={200: ProposalOut, 409: MissingStepsOut, **ERRORS, 403: ErrorOut},
    summary="Mark a proposal sent",
    description="Only once every approval step stands approved: until then a 409 whose "
    "`missing_steps` names the steps without approval. Sending gives the sender a proposal "
    "follow-up task.",
)
def proposal_send_mark(
    request: HttpRequest, proposal_id: ProposalId, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    who = caller(request)
    proposal = _proposal(who, proposal_id)
    sales_work_required(who)
    now = timezone.now()

    def write() -> Answer:
        sent = proposal_send(proposal=proposal, actor=who.user, now=now)
        return 200, proposal_out(sent).model_dump(mode="json")

    return sales_write(request, idempotency_key, {}, write)


@router.get(
    "/proposals/{proposal_id}",
    response={200: ProposalOut, **ERRORS},
    summary="Read a proposal",
    description="Its amount, state, approvals, the steps still missing, its documents and the "
    "references given for it. 404 for a proposal of a lead out of your scope (client contacts "
    "see no proposals).",
)
def proposal_read(request: HttpRequest, proposal_id: ProposalId) -> ProposalOut:
    return proposal_out(_proposal(caller(request), proposal_id))


@router.post(
    "/proposals/{proposal_id}/won",
    response={200: ProposalOut, **WRITE_ERRORS},
    summary="Record a sent proposal won",
    description="For the amount signed (a JSON number, rounded to cents), which the reports "
    "count. 409 for a proposal not sent (a draft, or one already won or lost).",
)
def proposal_won_mark(
    request: HttpRequest,
    proposal_id: ProposalId,
    payload: WonIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    amount = _cents(payload.amount)
    return _close(
        request,
        proposal_id,
        payload,
        idempotency_key,
        lambda proposal, user, now: proposal_won(
            proposal=proposal, amount=amount, actor=user, now=now
        ),
    )


@router.post(
    "/proposals/{proposal_id}/lost",
    response={200: ProposalOut, **WRITE_ERRORS},
    summary="Record a sent proposal lost",
    description="With the reason (at most 300 characters). 409 for a proposal not sent (a "
    "draft, or one already won or lost).",
)
def proposal_lost_mark(
    request: HttpRequest,
    proposal_id: ProposalId,
    payload: LostIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    return _close(
        request,
        proposal_id,
        payload,
        idempotency_key,
        lambda proposal, user, now: proposal_lost(
            proposal=proposal, reason=payload.reason, actor=user, now=now
        ),
    )


def _close(
    request: HttpRequest,
    proposal_id: int,
    payload: Schema,
    key: str | None,
    close: Callable[[Proposal, User, datetime], Proposal],
) -> JsonResponse:
    """The one path of won and lost: scope (404), the writer's rights (403), then the
    service once per idempotency key; a proposal not sent is the service's 409."""
    who = caller(request)
    proposal = _proposal(who, proposal_id)
    sales_work_required(who)
    now = timezone.now()

    def write() -> Answer:
        return 200, proposal_out(close(proposal, who.user, now)).model_dump(mode="json")

    return sales_write(request, key, payload.model_dump(mode="json"), write)


@router.post(
    "/proposals/{proposal_id}/references",
    response={201: ReferenceUsedOut, 200: ReferenceUsedOut, **WRITE_ERRORS},
    summary="Give a reference for a proposal",
    description="Records the use of one of the lead's client's references (201; the same "
    "reference again on the same proposal is the same use: 200). A use past the program's "
    "limit per calendar quarter is recorded and `flagged`. 404 for a reference or proposal "
    "out of your scope; 409 for a proposal won or lost, or a reference whose willing-until "
    "date has passed; 422 for another client's reference.",
)
def proposal_reference_give(
    request: HttpRequest,
    proposal_id: ProposalId,
    payload: ReferenceUseIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    who = caller(request)
    proposal = _proposal(who, proposal_id)
    sales_work_required(who)
    reference = reference_get(user=who.user, reference_id=payload.reference_id)
    now = timezone.now()

    def write() -> Answer:
        used = reference_use(proposal=proposal, reference=reference, actor=who.user, now=now)
        answer = ReferenceUsedOut(
            use=use_out(used.use),
            uses_this_quarter=used.uses_this_quarter,
            limit=used.limit,
            flagged=used.flagged,
        )
        return (201 if used.created else 200), answer.model_dump(mode="json")

    return sales_write(request, idempotency_key, payload.model_dump(mode="json"), write)


@router.get(
    "/references",
    response={200: ReferenceListOut, **ERRORS, 403: ErrorOut},
    summary="Search the references database",
    description="The reference customers of the clients you work for whose products contain "
    "`product` and whose industry contains `industry` (case-insensitive; empty: any), at most "
    "200, with their uses this calendar quarter (UTC) and `flagged` once used more often than "
    "the program's limit.",
)
def references_search(request: HttpRequest, filters: Query[ReferenceFilters]) -> ReferenceListOut:
    who = caller(request)
    sales_work_required(who)
    hits = reference_search(
        user=who.user,
        now=timezone.now(),
        product=filters.product,
        industry=filters.industry,
        program_ids=who.program_ids,
    )
    return ReferenceListOut(items=[reference_out(hit) for hit in hits])


def reference_out(hit: ReferenceHit) -> ReferenceOut:
    reference = hit.reference
    return ReferenceOut(
        id=reference.pk,
        client=reference.client.name,
        customer=reference.customer,
        contact_name=reference.contact_name,
        contact_email=reference.contact_email,
        products=reference.products,
        industry=reference.industry,
        region=reference.region,
        notes=reference.notes,
        willing_until=reference.willing_until,
        uses_this_quarter=hit.uses_this_quarter,
        limit=hit.limit,
        flagged=hit.flagged,
    )
