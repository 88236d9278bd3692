"""Reads of the web app's lead list and home page (issue 5), always from ``lead_scope``.

The list must stay fast on 100,000 leads: rows are fetched a page at a time with the columns
the table shows (the JSON columns are deferred), the related program, client and owner come in
the same query, and the total is counted only up to ``COUNT_CAP`` (an exact count of a large
scope costs more than the page itself, and past a thousand leads people refine the filter).

Next and Previous page by keyset, as the API does (``selectors/search.py``): a link carries the
sort key (the sort's columns, ending with the id) of the page's last or first row, and the page
reads the rows strictly beyond it through the sort's index, so page 1,500 costs what page 2
costs; an OFFSET makes the database read and drop every row before it. A page asked for by
number only (a typed or old link) is read by offset.
"""

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import and_, or_
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from leadflow.accounts.models import Role, User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.config.leads import LEAD_LIST_VIEWS, ListView
from leadflow.core.enums import Rating
from leadflow.core.errors import InputError
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import Lead, SavedFilter
from leadflow.leads.selectors import lead_scope
from leadflow.leads.selectors.queue import RATING_RANK, queue_leads
from leadflow.leads.selectors.text import search as text_search
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_list

PER_PAGE = 50
COUNT_CAP = 1_000
#: ``rating`` value that selects leads without a rating (disqualified).
NO_RATING = "none"
#: ``owner`` value that selects leads nobody owns.
NO_OWNER = "none"
DEFAULT_SORT = "-created"
SORTS = {
    "created": ("created_at", "id"),
    "score": ("score", "id"),
    "rating": ("rating_rank", "-score", "id"),
    "company": ("company", "id"),
    "status": ("status", "id"),
}
#: The type of each column a sort key holds (``SORTS``), for reading a cursor back.
KEY_TYPES: dict[str, type] = {
    "created_at": datetime,
    "score": float,
    "rating_rank": int,
    "company": str,
    "status": str,
    "id": int,
}
#: Columns the table and the export never show: large JSON, read only by the workspace.
DEFERRED = ("profile", "answers", "explanation")


@dataclass(frozen=True)
class LeadFilters:
    """What the list is narrowed to; empty values do not filter."""

    program: int | None = None
    status: str = ""
    stage: str = ""
    rating: str = ""
    channel: str = ""
    campaign: str = ""
    owner: str = ""
    created_from: date | None = None
    created_to: date | None = None
    q: str = ""
    view: str = ""
    sort: str = DEFAULT_SORT


def list_view(slug: str) -> ListView | None:
    """The built-in view of the lead list named ``slug`` (``config/leads.py``), if any."""
    return next((view for view in LEAD_LIST_VIEWS if view.slug == slug), None)


def _ordering(sort: str) -> list[str]:
    descending = sort.startswith("-")
    columns = SORTS.get(sort.removeprefix("-"), SORTS["created"])
    if not descending:
        return list(columns)
    return [column[1:] if column.startswith("-") else f"-{column}" for column in columns]


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def lead_list(*, user: User, filters: LeadFilters) -> QuerySet[Lead]:
    """The leads the user may see, narrowed by ``filters`` and sorted; the table's columns only.

    Search finds the text (case-insensitive) anywhere in the first name, last name, e-mail or
    company: people type fragments ("acme", "@globex") rather than whole values.
    """
    leads = lead_scope(user=user).select_related("owner").defer(*DEFERRED)
    exact = {
        "program_id": filters.program,
        "status": filters.status,
        "stage": filters.stage,
        "channel": filters.channel,
        "campaign": filters.campaign,
    }
    leads = leads.filter(**{name: value for name, value in exact.items() if value})
    view = list_view(filters.view)
    if view is not None:
        leads = leads.filter(stage__in=view.stages)
    if filters.rating == NO_RATING:
        leads = leads.filter(rating__isnull=True)
    elif filters.rating:
        leads = leads.filter(rating=filters.rating)
    if filters.owner == NO_OWNER:
        leads = leads.filter(owner__isnull=True)
    elif filters.owner.isdigit():
        leads = leads.filter(owner_id=int(filters.owner))
    if filters.created_from:
        leads = leads.filter(created_at__gte=_day_start(filters.created_from))
    if filters.created_to:
        leads = leads.filter(created_at__lt=_day_start(filters.created_to + timedelta(days=1)))
    text = filters.q.strip()
    if text:
        leads = text_search(leads, [text])
    if filters.sort.removeprefix("-") == "rating":
        leads = leads.annotate(rating_rank=RATING_RANK)
    return leads.order_by(*_ordering(filters.sort))


@dataclass(frozen=True)
class LeadPage:
    """One page of the list. ``total`` is exact up to ``COUNT_CAP``; beyond it ``capped``.
    ``next_cursor`` and ``previous_cursor`` are the keys the Next and Previous links carry."""

    leads: list[Lead]
    number: int
    per_page: int
    total: int
    capped: bool
    has_next: bool
    has_previous: bool = False
    next_cursor: str = ""
    previous_cursor: str = ""

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.leads else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.leads)

    @property
    def last_number(self) -> int | None:
        """The last page's number when the total is known exactly."""
        if self.capped:
            return None
        return max(1, -(-self.total // self.per_page))


def lead_page(
    *,
    leads: QuerySet[Lead],
    number: int,
    per_page: int = PER_PAGE,
    after: str = "",
    before: str = "",
) -> LeadPage:
    """A page of ``leads`` (sorted by ``lead_list``): the rows after the key ``after`` or
    before the key ``before`` (cursors of this sort; a damaged one is ignored), else page
    ``number`` by offset. The page's ids and keys first (one more than shown tells whether
    another page exists), on the narrow query without joins, then those rows with their joins,
    then one capped count. ``number`` is the page's number as the links count it."""
    number = max(1, number)
    ordering = [str(column) for column in leads.query.order_by]
    columns = [column.removeprefix("-") for column in ordering]
    key: list[Any] | None = None
    backwards = False
    for cursor, is_before in ((after, False), (before, True)):
        if cursor and key is None:
            key = cursor_decode(cursor, ordering=ordering)
            backwards = is_before and key is not None
    if key is None:
        offset = (number - 1) * per_page
        rows = list(leads.values_list(*columns)[offset : offset + per_page + 1])
        has_previous, has_next = number > 1, len(rows) > per_page
    elif backwards:
        reverse = [_reversed(column) for column in ordering]
        found = leads.filter(_beyond(ordering, key, backwards=True)).order_by(*reverse)
        rows = list(found.values_list(*columns)[: per_page + 1])
        has_previous, has_next = len(rows) > per_page, True
        rows = rows[:per_page][::-1]
    else:
        found = leads.filter(_beyond(ordering, key, backwards=False))
        rows = list(found.values_list(*columns)[: per_page + 1])
        has_previous, has_next = True, len(rows) > per_page
    rows = rows[:per_page]
    ids = [row[-1] for row in rows]
    by_id = {lead.pk: lead for lead in leads.order_by().filter(pk__in=ids)}
    total = leads.order_by().values("pk")[: COUNT_CAP + 1].count()
    return LeadPage(
        leads=[by_id[pk] for pk in ids if pk in by_id],
        number=number,
        per_page=per_page,
        total=min(total, COUNT_CAP),
        capped=total > COUNT_CAP,
        has_next=has_next,
        has_previous=has_previous,
        next_cursor=cursor_encode(list(rows[-1]), ordering=ordering) if has_next and rows else "",
        previous_cursor=(
            cursor_encode(list(rows[0]), ordering=ordering) if has_previous and rows else ""
        ),
    )


def _reversed(column: str) -> str:
    return column.removeprefix("-") if column.startswith("-") else f"-{column}"


def _beyond(ordering: list[str], key: list[Any], *, backwards: bool) -> Q:
    """The rows strictly after ``key`` in ``ordering`` (before it when ``backwards``): the
    first column beyond its value, or equal to it and the rest beyond, and so on. The first
    column's bound is also given on its own, so the database starts its index scan there."""
    steps = []
    for position, column in enumerate(ordering):
        name = column.removeprefix("-")
        beyond = "lt" if column.startswith("-") != backwards else "gt"
        equal = {other.removeprefix("-"): key[i] for i, other in enumerate(ordering[:position])}
        steps.append(Q(**equal, **{f"{name}__{beyond}": key[position]}))
    first = ordering[0].removeprefix("-")
    bound = "lte" if ordering[0].startswith("-") != backwards else "gte"
    return reduce(and_, [Q(**{f"{first}__{bound}": key[0]}), reduce(or_, steps)])


def cursor_encode(key: list[Any], *, ordering: list[str]) -> str:
    """The sort key of a row as the text a page link carries (the sort is part of it)."""
    values = [value.isoformat() if isinstance(value, datetime) else value for value in key]
    payload = json.dumps({"o": ordering, "k": values}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def cursor_decode(cursor: str, *, ordering: list[str]) -> list[Any] | None:
    """The sort key a cursor of ``ordering`` carries; None for a damaged cursor or one of
    another sort (the link then shows its page by number)."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("o") != ordering:
        return None
    values = data.get("k")
    if not isinstance(values, list) or len(values) != len(ordering):
        return None
    key: list[Any] = []
    for column, value in zip(ordering, values, strict=True):
        kind = KEY_TYPES.get(column.removeprefix("-"))
        if kind is datetime:
            try:
                value = datetime.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                value = None
            if value is None or value.utcoffset() is None:
                return None
        elif kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        elif kind is None or isinstance(value, bool) or not isinstance(value, kind):
            return None
        key.append(value)
    return key


def leads_selected(*, user: User, lead_ids: list[int]) -> QuerySet[Lead]:
    """The leads picked for a bulk action, among those the user may see (others vanish)."""
    return lead_scope(user=user).filter(pk__in=lead_ids).order_by("id")


#: What the lead list says when a bulk action is asked for with no lead ticked.
SELECT_AT_LEAST_ONE = "Select at least one lead."


def leads_picked(*, user: User, lead_ids: list[int]) -> QuerySet[Lead]:
    """The leads picked for a bulk action, all of them or none: an empty pick, or one id the
    user may not see (another client's lead, a lead since merged away), is an ``InputError``,
    so the action changes nothing rather than a part of what was asked."""
    wanted = set(lead_ids)
    if not wanted:
        raise InputError("lead", SELECT_AT_LEAST_ONE)
    leads = leads_selected(user=user, lead_ids=list(wanted))
    missing = len(wanted) - leads.count()
    if missing:
        raise InputError(
            "lead",
            f"Nothing changed: {missing} of the {len(wanted)} selected leads "
            f"{'is' if missing == 1 else 'are'} not in your programs or no longer there.",
        )
    return leads


def qualifier_list(*, user: User) -> QuerySet[User]:
    """Active qualifiers who work at least one program the user sees: the people a lead can be
    assigned to, and the owners the list can be filtered by."""
    programs = program_list(user=user)
    return (
        User.objects.filter(is_active=True, groups__name=Role.QUALIFIER)
        .filter(
            Q(scopes__program__in=programs.values("pk"))
            | Q(scopes__client__in=programs.values("client_id"))
        )
        .distinct()
        .order_by("username")
    )


def campaign_list(*, user: User) -> list[str]:
    """Campaign codes in the user's programs, for the filter's suggestions."""
    return list(
        lead_scope(user=user)
        .exclude(campaign="")
        .order_by("campaign")
        .values_list("campaign", flat=True)
        .distinct()[:200]
    )


def saved_filter_list(*, user: User) -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(user=user).order_by("name")


def saved_filter_get(*, user: User, filter_id: int) -> SavedFilter:
    """The user's own saved filter; another user's is SavedFilter.DoesNotExist (a 404)."""
    return SavedFilter.objects.get(user=user, pk=filter_id)


@dataclass
class HomeSummary:
    """What the home page tells each role to do next."""

    queue_count: int | None = None
    in_review_count: int | None = None
    by_rating: list[tuple[str, str, int]] = field(default_factory=list)
    by_status: list[tuple[str, str, int]] = field(default_factory=list)
    programs: list[Program] = field(default_factory=list)


def home_summary(*, user: User, now: datetime) -> HomeSummary:
    """Counts for the roles the user has: the qualifier's queue, the reviewer's leads in
    review, and the managers' and marketers' leads by rating and status."""
    summary = HomeSummary()
    if user.has_role(Role.QUALIFIER):
        summary.queue_count = queue_leads(user=user, now=now).count()
    if user.has_role(Role.REVIEWER):
        summary.in_review_count = lead_scope(user=user).filter(status=LeadStatus.IN_REVIEW).count()
    if user_can(user, Capability.LEADS_OVERVIEW):
        scope = lead_scope(user=user).order_by()
        ratings = dict(
            scope.values_list("rating").annotate(n=Count("id")).values_list("rating", "n")
        )
        summary.by_rating = [
            (rating.label, rating.value, ratings.get(rating.value, 0)) for rating in Rating
        ]
        if ratings.get(None):
            summary.by_rating.append(("No rating", NO_RATING, ratings[None]))
        statuses = dict(
            scope.values_list("status").annotate(n=Count("id")).values_list("status", "n")
        )
        summary.by_status = [
            (status.label, status.value, statuses[status.value])
            for status in LeadStatus
            if statuses.get(status.value)
        ]
        summary.programs = list(program_list(user=user).filter(is_active=True))
    return summary
