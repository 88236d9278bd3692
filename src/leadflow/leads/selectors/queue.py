"""Reads of the qualification queue: the leads a qualifier may work now, in queue order, and
those QA pushed back to them (the writes — holds, finishing — are in ``leads.services.queue``).

A lead QA review pushed back returns to its qualifier: the lead's owner, else the qualifier who
submitted it. It comes first in that qualifier's queue, flagged with the reason, and no other
qualifier is given it by "take next". A pushed-back lead with neither (imported, captured by a
form and never held) has no qualifier to return to: it comes first in the program's queue for
every qualifier, flagged "Sent back by review" (issue 17)."""

from datetime import datetime
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils.module_loading import import_string

from leadflow.accounts.models import User
from leadflow.config import leads as extensions
from leadflow.core.enums import Rating
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import Lead
from leadflow.leads.selectors.scope import lead_scope

WORKABLE = (LeadStatus.NEW, LeadStatus.QUALIFYING)
RATING_RANK = Case(
    *(When(rating=rating.value, then=Value(rank)) for rank, rating in enumerate(Rating)),
    default=Value(len(Rating)),
    output_field=IntegerField(),
)


def _qualifier_is(user: User) -> Q:
    """The lead's qualifier is ``user``: its owner, or its submitter when it has no owner."""
    return Q(owner=user) | Q(owner__isnull=True, submitted_by=user)


NO_QUALIFIER = Q(owner__isnull=True, submitted_by__isnull=True)


def _not_reserved_for_another(user: User) -> Q:
    """A pushed-back lead waits for its own qualifier; one with no qualifier is anyone's."""
    return Q(pushed_back_at__isnull=True) | _qualifier_is(user) | NO_QUALIFIER


def _pushed_back_for(user: User) -> Q:
    """Pushed back to ``user``, or pushed back with no qualifier, so to every qualifier."""
    return Q(pushed_back_at__isnull=False) & (_qualifier_is(user) | NO_QUALIFIER)


def _first_among_rating() -> Case | Value:
    """0 for the leads the apps above put first among their rating (``config/leads.py``
    ``QUEUE_FIRST``: a nurtured lead that responded), else 1."""
    conditions = [import_string(path)() for path in extensions.QUEUE_FIRST]
    if not conditions:
        return Value(1)
    return Case(
        When(reduce(or_, conditions), then=Value(0)), default=Value(1), output_field=IntegerField()
    )


def _within_rating() -> dict[str, Any]:
    """What the apps above order the leads of a rating by (``config/leads.py``
    ``QUEUE_ORDER``: the predicted chance of converting), as annotations of the queue."""
    return {
        f"queue_order_{number}": import_string(path)()
        for number, path in enumerate(extensions.QUEUE_ORDER)
    }


def queue_leads(*, user: User, now: datetime) -> QuerySet[Lead]:
    """The leads the user may work now, in queue order: the leads QA pushed back to the user,
    or to nobody in particular, first (oldest push-back first), then rating (within a rating,
    the leads that responded to nurture first, then the apps' order: the predicted chance of
    converting where the program asks for it), then score, then age."""
    within = _within_rating()
    return (
        lead_scope(user=user)
        .filter(status__in=WORKABLE)
        .filter(Q(held_by__isnull=True) | Q(held_until__lte=now) | Q(held_by=user))
        .filter(Q(next_call_at__isnull=True) | Q(next_call_at__lte=now))
        .filter(_not_reserved_for_another(user))
        .annotate(
            rating_rank=RATING_RANK,
            first_rank=_first_among_rating(),
            pushed_back_rank=Case(
                When(_pushed_back_for(user), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            **within,
        )
        .order_by(
            "pushed_back_rank",
            F("pushed_back_at").asc(nulls_last=True),
            "rating_rank",
            "first_rank",
            *(F(name).desc(nulls_last=True) for name in within),
            "-score",
            "created_at",
            "id",
        )
    )


def queue_pushed_back(*, user: User, limit: int = 20) -> QuerySet[Lead]:
    """The leads QA review pushed back to the user, or to every qualifier for want of one, and
    not yet submitted again, oldest push-back first: the queue page shows them flagged, with
    the reason."""
    return (
        lead_scope(user=user)
        .filter(status__in=WORKABLE)
        .filter(_pushed_back_for(user))
        .order_by("pushed_back_at", "id")[:limit]
    )
