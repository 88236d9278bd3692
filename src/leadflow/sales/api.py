"""REST API v1 for sales tasks and demos (issue 15, item 9: these paths and field names are a
contract with CRM integrators). Handlers parse, call one service or selector, and answer;
domain errors become HTTP in the API's assembly (``config/api.py``): 409 for a task no longer
open or a demo no longer scheduled, 422 naming the field (an on-site demo inside the program's
minimum lead time is a 422 on ``starts_at`` with the reason).

Reads need ``sales.view`` (client contacts see no sales work: 404), writes ``sales.work``
(403; ``sales_work_required``, shared with the proposals' router as ``sales_write`` is). Tasks
and demos are those of the leads in the caller's scope (narrowed by a token's programs); out
of scope is 404.
"""

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.params import P, PathEx
from pydantic import AfterValidator, BeforeValidator, Field

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.api.auth import Caller, caller
from leadflow.api.idempotency import Answer, IdempotencyKey, idempotent_write, outcome_response
from leadflow.api.schemas import ERRORS, WRITE_ERRORS
from leadflow.core.errors import InputError, NormalisationError
from leadflow.core.normalise import normalise_email
from leadflow.intake.schemas import special_use_pattern
from leadflow.leads.models import Lead
from leadflow.leads.schemas import CURSOR_PATTERN, STORABLE_PATTERN, UtcDatetime
from leadflow.leads.selectors.search import MAX_ID, InvalidCursor, api_lead_get
from leadflow.sales.models import Demo, DemoKind, Task, TaskKind, TaskState
from leadflow.sales.selectors.demos import demo_get
from leadflow.sales.selectors.tasks import task_get, task_scope
from leadflow.sales.services.demos import (
    demo_cancel,
    demo_invite_ics,
    demo_reschedule,
    demo_schedule,
)
from leadflow.sales.services.tasks import task_cancel, task_create, task_done, task_update

router = Router(tags=["sales"])

LeadId = PathEx[int, P(ge=1, le=MAX_ID, description="The lead's id")]
TaskId = PathEx[int, P(ge=1, le=MAX_ID, description="The task's id")]
DemoId = PathEx[int, P(ge=1, le=MAX_ID, description="The demo's id")]
SALES_ONLY = "your role does not do sales follow-up"
ZONES = sorted(available_timezones())


def _text(limit: int, description: str = "") -> Any:
    return Field(
        "",
        max_length=limit,
        description=description,
        json_schema_extra={"pattern": STORABLE_PATTERN},
    )


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


def _iso(value: object) -> object:
    if isinstance(value, datetime) or (isinstance(value, str) and value[:4].isdigit()):
        return value
    raise ValueError("must be a date and time such as 2026-11-17T10:00:00+01:00")


#: A demo's time: with its offset, that instant; without, a wall-clock time in ``timezone``.
LocalDatetime = Annotated[datetime, BeforeValidator(_iso)]


def _zone(value: str) -> str:
    if value not in ZONES:
        raise ValueError("not a timezone name such as Europe/Berlin")
    return value


Zone = Annotated[str, AfterValidator(_zone), Field(json_schema_extra={"enum": ZONES})]


def _address(value: str) -> str:
    try:
        return normalise_email(value)
    except NormalisationError as exc:
        raise ValueError(str(exc)) from None


Address = Annotated[
    str,
    AfterValidator(_address),
    Field(
        max_length=254,
        json_schema_extra={"format": "email", "not": {"pattern": special_use_pattern()}},
    ),
]


# --- Schemas ------------------------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    lead_id: int
    kind: TaskKind
    title: str
    note: str
    owner: int = Field(description="The owner's user id")
    due_at: datetime
    remind_at: datetime | None
    reminded_at: datetime | None
    state: TaskState
    outcome: str
    done_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def of(task: Task) -> "TaskOut":
        return TaskOut(
            id=task.pk,
            lead_id=task.lead_id,
            kind=TaskKind(task.kind),
            title=task.title,
            note=task.note,
            owner=task.owner_id,
            due_at=task.due_at,
            remind_at=task.remind_at,
            reminded_at=task.reminded_at,
            state=TaskState(task.state),
            outcome=task.outcome,
            done_at=task.done_at,
            created_at=task.created_at,
            updated_at=task.updated_at,
        )


class TaskIn(Schema):
    kind: TaskKind
    due_at: UtcDatetime = Field(description="ISO 8601; without an offset it is UTC")
    owner: int | None = Field(
        None, ge=1, le=MAX_ID, description="The owner's user id (default: the caller)"
    )
    title: Text = _text(200)
    note: Text = _text(10_000)
    remind_at: UtcDatetime | None = Field(
        None, description="When the owner is e-mailed (default: shortly before the due time)"
    )


class TaskPatchIn(Schema):
    state: Literal["done", "cancelled"] | None = Field(
        None, description="Mark the task done (with its outcome) or cancelled"
    )
    outcome: Text | None = Field(
        None, max_length=10_000, json_schema_extra={"pattern": STORABLE_PATTERN}
    )
    due_at: UtcDatetime | None = None
    remind_at: UtcDatetime | None = None
    owner: int | None = Field(None, ge=1, le=MAX_ID, description="The new owner's user id")
    title: Text | None = Field(
        None, max_length=200, json_schema_extra={"pattern": STORABLE_PATTERN}
    )
    note: Text | None = Field(
        None, max_length=10_000, json_schema_extra={"pattern": STORABLE_PATTERN}
    )


class TaskListQuery(Schema):
    owner: str | None = Field(
        None,
        pattern=r"^(me|[1-9][0-9]{0,17})$",
        description='"me" for the caller\'s tasks, or a user id; all tasks in scope without it',
    )
    state: TaskState | None = None
    due_before: UtcDatetime | None = Field(None, description="Due before this time")
    lead_id: int | None = Field(None, ge=1, le=MAX_ID)
    cursor: str | None = Field(
        None, max_length=512, pattern=CURSOR_PATTERN, description="next_cursor of the last page"
    )
    limit: int = Field(50, ge=1, le=500)


class TaskPageOut(Schema):
    items: list[TaskOut]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null at the end")


class DemoOut(Schema):
    id: int
    lead_id: int
    kind: DemoKind
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str
    meeting_url: str
    objectives: str
    participants: list[str]
    state: str
    uid: str = Field(description="The invitation's RFC 5545 UID (never changes)")
    sequence: int = Field(description="The invitation's SEQUENCE (one more per change)")
    outcome: str
    next_step: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def of(demo: Demo) -> "DemoOut":
        return DemoOut(
            id=demo.pk,
            lead_id=demo.lead_id,
            kind=DemoKind(demo.kind),
            starts_at=demo.starts_at,
            ends_at=demo.ends_at,
            timezone=demo.timezone,
            location=demo.location,
            meeting_url=demo.meeting_url,
            objectives=demo.objectives,
            participants=[p.email for p in demo.participants.order_by("id")],
            state=demo.state,
            uid=demo.uid,
            sequence=demo.sequence,
            outcome=demo.outcome,
            next_step=demo.next_step,
            created_at=demo.created_at,
            updated_at=demo.updated_at,
        )


class DemoIn(Schema):
    kind: DemoKind
    starts_at: LocalDatetime = Field(
        description="ISO 8601; without an offset, a local time in `timezone`"
    )
    ends_at: LocalDatetime
    timezone: Zone = Field(description="The participants' IANA timezone, e.g. Europe/Berlin")
    participants: list[Address] = Field(
        default_factory=list, max_length=50, description="E-mail addresses to invite"
    )
    objectives: Text = _text(10_000)
    location: Text = _text(300, "Where an on-site demo happens")
    meeting_url: str = Field(
        "", max_length=500, pattern=r"^(https?://[^\s\x00]+)?$", description="A remote demo's link"
    )


class RescheduleIn(Schema):
    starts_at: LocalDatetime = Field(
        description="ISO 8601; without an offset, a local time in the demo's timezone"
    )
    ends_at: LocalDatetime


# --- Helpers ------------------------------------------------------------------------------------


def sales_work_required(who: Caller) -> None:
    """Sales writes need ``sales.work`` (field sales' partners included), not ``api.write``,
    which is about creating and changing the leads themselves."""
    if not user_can(who.user, Capability.SALES_WORK):
        raise HttpError(403, SALES_ONLY)


def _sales_lead(who: Caller, lead_id: int) -> Lead:
    """The lead, if the caller may see it and its sales work (404 otherwise)."""
    lead = api_lead_get(user=who.user, lead_id=lead_id, program_ids=who.program_ids)
    if not user_can(who.user, Capability.SALES_VIEW):
        raise Lead.DoesNotExist
    return lead


def _owner(who: Caller, owner_id: int | None) -> User:
    if owner_id is None:
        return who.user
    found = User.objects.filter(pk=owner_id, is_active=True).first()
    if found is None:
        raise InputError("owner", "no such user")
    return found


def cursor_of(due_at: datetime, task_id: int) -> str:
    """The cursor of a page of tasks that ends with the task (due_at, id)."""
    payload = json.dumps({"d": due_at.isoformat(), "i": task_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def task_cursor(task: Task) -> str:
    return cursor_of(task.due_at, task.pk)


def _cursor_read(cursor: str) -> tuple[datetime, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.fromisoformat(data["d"])
        last = data["i"]
    except (binascii.Error, ValueError, TypeError, KeyError, RecursionError) as exc:
        raise InvalidCursor("not a cursor of this API") from exc
    if isinstance(last, bool) or not isinstance(last, int) or not 0 < last <= MAX_ID:
        raise InvalidCursor("the cursor is damaged")
    if moment.utcoffset() is None:
        raise InvalidCursor("the cursor is damaged")
    return moment, last


def sales_write(request: HttpRequest, key: str | None, payload: Any, write: Any) -> JsonResponse:
    """One idempotent write of the sales API (``api.idempotency``), for both its routers."""
    return outcome_response(
        idempotent_write(
            user=caller(request).user,
            key=key,
            method=request.method or "POST",
            path=request.path,
            payload=payload,
            now=timezone.now(),
            write=write,
        )
    )


# --- Tasks --------------------------------------------------------------------------------------


@router.get(
    "/leads/{lead_id}/tasks",
    response={200: list[TaskOut], **ERRORS},
    summary="List a lead's sales tasks",
    description="Every task of the lead (open, done and cancelled), by due time.",
)
def lead_task_list(request: HttpRequest, lead_id: LeadId) -> list[TaskOut]:
    who = caller(request)
    lead = _sales_lead(who, lead_id)
    tasks = task_scope(user=who.user, program_ids=who.program_ids).filter(lead=lead)
    return [TaskOut.of(task) for task in tasks.order_by("due_at", "id")]


@router.post(
    "/leads/{lead_id}/tasks",
    response={201: TaskOut, **WRITE_ERRORS},
    summary="Add a sales task to a lead",
    description="A new open task; `owner` (a user id) defaults to the caller and must be able "
    "to see the lead and do sales work (422 otherwise).",
)
def lead_task_create(
    request: HttpRequest, lead_id: LeadId, payload: TaskIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    who = caller(request)
    lead = _sales_lead(who, lead_id)
    sales_work_required(who)

    def write() -> Answer:
        task = task_create(
            lead=lead,
            kind=payload.kind,
            owner=_owner(who, payload.owner),
            due_at=payload.due_at,
            remind_at=payload.remind_at,
            title=payload.title,
            note=payload.note,
            actor=who.user,
            now=timezone.now(),
        )
        return 201, TaskOut.of(task).model_dump(mode="json")

    return sales_write(request, idempotency_key, payload.model_dump(mode="json"), write)


@router.patch(
    "/tasks/{task_id}",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="Change, finish or cancel a sales task",
    description="Changes what is given (due time, reminder, owner, title, note); `state` "
    "`done` records `outcome`, `cancelled` records it as the reason. A task no longer open is "
    "a 409.",
)
def task_patch(
    request: HttpRequest,
    task_id: TaskId,
    payload: TaskPatchIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    who = caller(request)
    task = task_get(user=who.user, task_id=task_id, program_ids=who.program_ids)
    sales_work_required(who)

    def write() -> Answer:
        now = timezone.now()
        changed = task_update(
            task=task,
            due_at=payload.due_at,
            remind_at=payload.remind_at,
            owner=_owner(who, payload.owner) if payload.owner is not None else None,
            title=payload.title,
            note=payload.note,
            actor=who.user,
            now=now,
        )
        if payload.state == "done":
            changed = task_done(
                task=changed, outcome=payload.outcome or "", actor=who.user, now=now
            )
        elif payload.state == "cancelled":
            changed = task_cancel(
                task=changed, reason=payload.outcome or "", actor=who.user, now=now
            )
        return 200, TaskOut.of(changed).model_dump(mode="json")

    return sales_write(request, idempotency_key, payload.model_dump(mode="json"), write)


@router.get(
    "/tasks",
    response={200: TaskPageOut, **ERRORS},
    summary="List sales tasks",
    description="The tasks of the leads in the caller's scope, by due time, paged by "
    "`next_cursor`: `owner=me` for the caller's own, `due_before` for those due before a time.",
)
def task_list(request: HttpRequest, query: Query[TaskListQuery]) -> TaskPageOut:
    who = caller(request)
    tasks = task_scope(user=who.user, program_ids=who.program_ids)
    if query.owner == "me":
        tasks = tasks.filter(owner=who.user)
    elif query.owner is not None:
        tasks = tasks.filter(owner_id=int(query.owner))
    if query.state is not None:
        tasks = tasks.filter(state=query.state)
    if query.due_before is not None:
        tasks = tasks.filter(due_at__lt=query.due_before)
    if query.lead_id is not None:
        tasks = tasks.filter(lead_id=query.lead_id)
    if query.cursor:
        moment, last = _cursor_read(query.cursor)
        tasks = tasks.filter(Q(due_at__gt=moment) | Q(due_at=moment, pk__gt=last))
    rows = list(tasks.order_by("due_at", "id")[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return TaskPageOut(
        items=[TaskOut.of(task) for task in rows],
        next_cursor=task_cursor(rows[-1]) if more and rows else None,
    )


# --- Demos --------------------------------------------------------------------------------------


@router.post(
    "/leads/{lead_id}/demos",
    response={201: DemoOut, **WRITE_ERRORS},
    summary="Schedule a demo",
    description="A remote or on-site demo; every participant (and the caller) is e-mailed an "
    "RFC 5545 invitation (METHOD:REQUEST). An on-site demo earlier than the program's minimum "
    "lead time (14 days unless set) is a 422 on `starts_at` with the reason.",
)
def lead_demo_create(
    request: HttpRequest, lead_id: LeadId, payload: DemoIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    who = caller(request)
    lead = _sales_lead(who, lead_id)
    sales_work_required(who)

    def write() -> Answer:
        demo = demo_schedule(
            lead=lead,
            kind=payload.kind,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            timezone=payload.timezone,
            participants=list(payload.participants),
            objectives=payload.objectives,
            location=payload.location,
            meeting_url=payload.meeting_url,
            actor=who.user,
            now=timezone.now(),
        )
        return 201, DemoOut.of(demo).model_dump(mode="json")

    return sales_write(request, idempotency_key, payload.model_dump(mode="json"), write)


@router.get(
    "/demos/{demo_id}/invite.ics",
    response={200: None, **ERRORS},
    summary="A demo's current invitation",
    description="The RFC 5545 invitation as participants last received it: METHOD:REQUEST "
    "(the stable UID, SEQUENCE raised by each reschedule), METHOD:CANCEL once cancelled.",
    # 200 as a number, as ninja keys its responses: a "200" string would be a second key of the
    # same name in the JSON, which Swagger UI refuses to read (the whole docs page fails).
    openapi_extra={
        "responses": {
            200: {
                "description": "The invitation",
                "content": {"text/calendar": {"schema": {"type": "string"}}},
            }
        }
    },
)
def demo_invite(request: HttpRequest, demo_id: DemoId) -> HttpResponse:
    who = caller(request)
    demo = demo_get(user=who.user, demo_id=demo_id, program_ids=who.program_ids)
    response = HttpResponse(demo_invite_ics(demo=demo), content_type="text/calendar")
    response["Content-Disposition"] = f'inline; filename="demo-{demo.pk}.ics"'
    return response


@router.post(
    "/demos/{demo_id}/reschedule",
    response={200: DemoOut, **WRITE_ERRORS},
    summary="Move a demo",
    description="New times for a scheduled demo: participants get the invitation again with the "
    "same UID and SEQUENCE one higher (409 for a demo no longer scheduled).",
)
def demo_move(
    request: HttpRequest,
    demo_id: DemoId,
    payload: RescheduleIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    who = caller(request)
    demo = demo_get(user=who.user, demo_id=demo_id, program_ids=who.program_ids)
    sales_work_required(who)

    def write() -> Answer:
        moved = demo_reschedule(
            demo=demo,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            actor=who.user,
            now=timezone.now(),
        )
        return 200, DemoOut.of(moved).model_dump(mode="json")

    return sales_write(request, idempotency_key, payload.model_dump(mode="json"), write)


@router.post(
    "/demos/{demo_id}/cancel",
    response={200: DemoOut, **WRITE_ERRORS},
    summary="Cancel a demo",
    description="Participants get METHOD:CANCEL for the demo's UID (409 for a demo no longer "
    "scheduled).",
)
def demo_call_off(
    request: HttpRequest, demo_id: DemoId, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    who = caller(request)
    demo = demo_get(user=who.user, demo_id=demo_id, program_ids=who.program_ids)
    sales_work_required(who)

    def write() -> Answer:
        cancelled = demo_cancel(demo=demo, actor=who.user, now=timezone.now())
        return 200, DemoOut.of(cancelled).model_dump(mode="json")

    return sales_write(request, idempotency_key, {}, write)
