"""Reads behind the REST API: the caller's leads (narrowed by a token's programs), searched,
ordered and paged by keyset.

Keyset (cursor) pagination: a page ends with the key (ordering value, id) of its last row and
the next page starts strictly after it, so leads created while a client walks the pages never
shift what it has yet to see: every lead that existed when the walk began comes exactly once.
(Ordering by ``updated_at`` follows the leads as they are updated, so a lead changed mid-walk
may move; ``created_at`` and ``score`` are the stable orderings.)
"""

import base64
import binascii
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from leadflow.accounts.models import User
from leadflow.leads.models import Lead
from leadflow.leads.selectors import lead_scope
from leadflow.leads.selectors.text import search as text_search
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_list

ORDERINGS = ("created_at", "-created_at", "score", "-score", "updated_at", "-updated_at")
MAX_ID = 2**63 - 1


class InvalidCursor(ValueError):
    """A cursor that this API did not issue for this ordering."""


@dataclass(frozen=True)
class LeadFilters:
    program: str | None = None
    status: str | None = None
    stage: str | None = None
    rating: str | None = None
    channel: str | None = None
    campaign: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    q: str | None = None


@dataclass(frozen=True)
class LeadPage:
    items: list[Lead]
    next_cursor: str | None


def lead_scope_narrowed(*, user: User, program_ids: Iterable[int] | None = None) -> QuerySet[Lead]:
    """The leads the user may see, limited to ``program_ids`` when a token is narrowed."""
    leads = lead_scope(user=user)
    return leads if program_ids is None else leads.filter(program_id__in=list(program_ids))


def api_lead_get(*, user: User, lead_id: int, program_ids: Iterable[int] | None = None) -> Lead:
    """One lead, or Lead.DoesNotExist when it is out of scope (a 404, never a 403)."""
    return lead_scope_narrowed(user=user, program_ids=program_ids).get(pk=lead_id)


def api_program_get(*, user: User, slug: str, program_ids: Iterable[int] | None = None) -> Program:
    """The program a lead is sent to, or Program.DoesNotExist when it is out of scope."""
    programs = program_list(user=user)
    if program_ids is not None:
        programs = programs.filter(pk__in=list(program_ids))
    return programs.get(slug=slug)


def lead_search(
    *,
    user: User,
    filters: LeadFilters,
    ordering: str = "-created_at",
    cursor: str | None = None,
    limit: int = 50,
    program_ids: Iterable[int] | None = None,
) -> LeadPage:
    """One page of the caller's leads that pass ``filters``, in ``ordering``, after ``cursor``.

    Raises InvalidCursor for a cursor that cannot be read or belongs to another ordering."""
    if ordering not in ORDERINGS:
        raise ValueError(f"unknown ordering {ordering!r}")
    leads = _filtered(lead_scope_narrowed(user=user, program_ids=program_ids), filters)
    field = ordering.removeprefix("-")
    descending = ordering.startswith("-")
    if cursor:
        value, last_id = cursor_decode(cursor, ordering=ordering)
        beyond = "lt" if descending else "gt"
        leads = leads.filter(
            Q(**{f"{field}__{beyond}": value}) | Q(**{field: value, f"id__{beyond}": last_id})
        )
    sign = "-" if descending else ""
    rows = list(leads.order_by(f"{sign}{field}", f"{sign}id")[: limit + 1])
    if len(rows) <= limit:
        return LeadPage(items=rows, next_cursor=None)
    rows = rows[:limit]
    return LeadPage(items=rows, next_cursor=cursor_encode(rows[-1], ordering=ordering))


def _filtered(leads: QuerySet[Lead], filters: LeadFilters) -> QuerySet[Lead]:
    exact = {
        "program__slug": filters.program,
        "status": filters.status,
        "stage": filters.stage,
        "rating": filters.rating,
        "channel": filters.channel,
        "campaign": filters.campaign,
        "created_at__gte": filters.created_after,
        "created_at__lt": filters.created_before,
    }
    leads = leads.filter(**{name: value for name, value in exact.items() if value is not None})
    return text_search(leads, (filters.q or "").split())


def cursor_encode(lead: Lead, *, ordering: str) -> str:
    value: Any = getattr(lead, ordering.removeprefix("-"))
    if isinstance(value, datetime):
        value = value.isoformat()
    payload = json.dumps({"o": ordering, "k": [value, lead.pk]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def cursor_decode(cursor: str, *, ordering: str) -> tuple[datetime | float, int]:
    """The (ordering value, id) key a cursor carries; InvalidCursor for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError) as exc:
        raise InvalidCursor("not a cursor of this API") from exc
    if not isinstance(data, dict) or data.get("o") != ordering:
        raise InvalidCursor("the cursor belongs to another ordering or is damaged")
    key = data.get("k")
    if not isinstance(key, list) or len(key) != 2:
        raise InvalidCursor("the cursor is damaged")
    value, last_id = key
    if isinstance(last_id, bool) or not isinstance(last_id, int) or not 0 < last_id <= MAX_ID:
        raise InvalidCursor("the cursor is damaged")
    if ordering.removeprefix("-") == "score":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidCursor("the cursor is damaged")
        if not math.isfinite(value) or abs(value) > 1e300:
            raise InvalidCursor("the cursor is damaged")
        return float(value), last_id
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise InvalidCursor("the cursor is damaged")
    return moment, last_id
