"""REST API v1 for possible duplicates: list the pairs intake found, merge one (choosing field
by field) or mark it as two different people. The same decisions as the pages
(``intake.services.decisions``); handlers parse, call one selector or service, and answer.

Who: the holders of ``duplicates.decide`` (403 for other roles); a pair outside the caller's
programs (or a narrowed token's) is 404; a pair already decided is 409.
"""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.params import P, PathEx

from leadflow.accounts.permissions import Capability, user_can
from leadflow.api.auth import Caller, caller
from leadflow.api.schemas import ERRORS, WRITE_ERRORS, ErrorOut
from leadflow.intake.models import DuplicateStatus, PossibleDuplicate
from leadflow.intake.selectors import duplicate_get, duplicate_page
from leadflow.intake.services.decisions import NOTE_MAX_LENGTH, duplicate_distinct, duplicate_merge
from leadflow.leads.schemas import CURSOR_PATTERN, LeadOut, Text
from leadflow.leads.selectors.search import MAX_ID

router = Router(tags=["duplicates"])

DuplicateId = PathEx[int, P(ge=1, le=MAX_ID, description="The possible duplicate's id")]

#: The fields a person chooses between (``leads.services.pairs.PAIR_FIELDS``).
PairField = Literal[
    "name",
    "email",
    "phone",
    "company",
    "title",
    "address",
    "website",
    "industry",
    "company_size",
    "campaign",
]
PairSide = Literal["survivor", "absorbed"]

DENIED = "your role does not decide possible duplicates"


class DuplicateListQuery(Schema):
    program: Text | None = Field(None, max_length=80, description="Program slug")
    status: DuplicateStatus = Field(
        DuplicateStatus.OPEN,
        description="open: to decide; merged or distinct: decided (distinct: different people)",
    )
    cursor: str | None = Field(
        None,
        max_length=512,
        pattern=CURSOR_PATTERN,
        description="next_cursor of the previous page",
    )
    limit: int = Field(50, ge=1, le=500)


class DuplicateOut(Schema):
    id: int
    program: str = Field(description="The program's slug")
    status: DuplicateStatus = Field(
        description="open: to decide; merged; distinct: marked as different people"
    )
    reason: str = Field(description="Why the two leads look like one person")
    score: float = Field(description="How alike they are, 0 to 100")
    created_at: datetime = Field(description="When intake found the pair")
    lead: LeadOut = Field(description="The newer lead")
    other: LeadOut = Field(description="The existing lead it resembles")
    decided_by: str | None = Field(description="Username of the person who decided")
    decided_at: datetime | None
    note: str = Field(description="The decider's note (for different people)")

    @classmethod
    def from_pair(cls, pair: PossibleDuplicate) -> "DuplicateOut":
        return cls(
            id=pair.pk,
            program=pair.program.slug,
            status=DuplicateStatus(pair.status),
            reason=pair.reason,
            score=pair.score,
            created_at=pair.created_at,
            lead=LeadOut.from_lead(pair.lead),
            other=LeadOut.from_lead(pair.other),
            decided_by=pair.decided_by.get_username() if pair.decided_by else None,
            decided_at=pair.decided_at,
            note=pair.note,
        )


class DuplicatePageOut(Schema):
    items: list[DuplicateOut]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null at the end")


class DuplicateMergeIn(Schema):
    choices: dict[PairField, PairSide] = Field(
        default_factory=dict,
        description="Field by field, whose value survives: 'survivor' or 'absorbed'. A field "
        "left out keeps the survivor's value; a blank is filled from the other lead. Every "
        "value of both leads is kept in the survivor's history.",
    )
    survivor: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Id of the lead that survives (one of the pair's two). Default: the "
        "existing lead, unless only the newer one can stay (the existing one is "
        "disqualified, or the newer one is past review).",
    )


class DuplicateDistinctIn(Schema):
    note: Text = Field("", max_length=NOTE_MAX_LENGTH, description="Why they are different people")


def _decider(request: HttpRequest) -> Caller:
    who = caller(request)
    if not user_can(who.user, Capability.DUPLICATES_DECIDE):
        raise HttpError(403, DENIED)
    return who


@router.get(
    "/duplicates",
    response={200: DuplicatePageOut, **ERRORS, 403: ErrorOut},
    summary="List possible duplicates",
    description="The pairs of leads intake found alike without a strong key (same e-mail, "
    "same external id from the same source, same phone with compatible names), newest first.",
    operation_id="leadflow_intake_duplicate_api_duplicate_list",
)
def duplicate_list(request: HttpRequest, query: Query[DuplicateListQuery]) -> DuplicatePageOut:
    who = _decider(request)
    page = duplicate_page(
        user=who.user,
        program=query.program,
        status=query.status,
        cursor=query.cursor,
        limit=query.limit,
        program_ids=who.program_ids,
    )
    return DuplicatePageOut(
        items=[DuplicateOut.from_pair(pair) for pair in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/duplicates/{duplicate_id}/merge",
    response={200: LeadOut, **WRITE_ERRORS},
    summary="Merge a possible duplicate",
    description="Merges the pair's two leads into the survivor as chosen field by field; the "
    "other lead is disqualified as a duplicate. Answers the surviving lead. 409 when the pair "
    "was already decided or the lead to merge away is past review.",
    operation_id="leadflow_intake_duplicate_api_duplicate_merge_api",
)
def duplicate_merge_api(
    request: HttpRequest, duplicate_id: DuplicateId, payload: DuplicateMergeIn
) -> LeadOut:
    who = _decider(request)
    pair = duplicate_get(user=who.user, duplicate_id=duplicate_id, program_ids=who.program_ids)
    survivor = duplicate_merge(
        duplicate=pair,
        user=who.user,
        choices={str(name): str(side) for name, side in payload.choices.items()},
        now=timezone.now(),
        survivor=payload.survivor,
    )
    return LeadOut.from_lead(survivor)


@router.post(
    "/duplicates/{duplicate_id}/distinct",
    response={200: DuplicateOut, **WRITE_ERRORS},
    summary="Mark a possible duplicate as different people",
    description="Both leads stay as they are and the pair is never proposed again. 409 when "
    "the pair was already decided.",
    operation_id="leadflow_intake_duplicate_api_duplicate_distinct_api",
)
def duplicate_distinct_api(
    request: HttpRequest, duplicate_id: DuplicateId, payload: DuplicateDistinctIn
) -> DuplicateOut:
    who = _decider(request)
    pair = duplicate_get(user=who.user, duplicate_id=duplicate_id, program_ids=who.program_ids)
    duplicate_distinct(duplicate=pair, user=who.user, note=payload.note, now=timezone.now())
    return DuplicateOut.from_pair(
        duplicate_get(user=who.user, duplicate_id=pair.pk, program_ids=who.program_ids)
    )
