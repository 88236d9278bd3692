"""The qualification queue (issue: web app): each qualifier gets the next lead to work, and a
lead is held by one qualifier at a time so that no two people call the same prospect.

A hold lasts ``HOLD_MINUTES`` and is renewed while the qualifier works the lead; an expired hold
frees the lead for the next person. Taking a lead is one transaction that skips leads another
transaction is taking (``SKIP LOCKED`` on PostgreSQL; SQLite admits one writer at a time).

A lead QA review pushed back (issue 6) returns to its qualifier: the lead's owner, else the
qualifier who submitted it. It comes first in that qualifier's queue, flagged with the reason,
and no other qualifier is given it by "take next" (a manager hands it to someone else by making
them its owner). Submitting it again clears the flag.
"""

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from leadflow.accounts.models import User
from leadflow.core.enums import Rating
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.core.qualification import parse_answers
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.selectors import lead_scope
from leadflow.leads.services import event_record, lead_transition
from leadflow.programs.selectors import program_published_criteria

HOLD_MINUTES = 30
WORKABLE = (LeadStatus.NEW, LeadStatus.QUALIFYING)
RATING_RANK = Case(
    *(When(rating=rating.value, then=Value(rank)) for rank, rating in enumerate(Rating)),
    default=Value(len(Rating)),
    output_field=IntegerField(),
)


def _qualifier_is(user: User) -> Q:
    """The lead's qualifier is ``user``: its owner, or its submitter when it has no owner."""
    return Q(owner=user) | Q(owner__isnull=True, submitted_by=user)


def _not_reserved_for_another(user: User) -> Q:
    """A pushed-back lead waits for its own qualifier; one with no qualifier is anyone's."""
    return (
        Q(pushed_back_at__isnull=True)
        | _qualifier_is(user)
        | Q(owner__isnull=True, submitted_by__isnull=True)
    )


def queue_leads(*, user: User, now: datetime) -> QuerySet[Lead]:
    """The leads the user may work now, in queue order: the leads QA pushed back to the user
    first (oldest push-back first), then rating, then score, then age."""
    pushed_back_to_user = Q(pushed_back_at__isnull=False) & _qualifier_is(user)
    return (
        lead_scope(user=user)
        .filter(status__in=WORKABLE)
        .filter(Q(held_by__isnull=True) | Q(held_until__lte=now) | Q(held_by=user))
        .filter(Q(next_call_at__isnull=True) | Q(next_call_at__lte=now))
        .filter(_not_reserved_for_another(user))
        .annotate(
            rating_rank=RATING_RANK,
            pushed_back_rank=Case(
                When(pushed_back_to_user, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by(
            "pushed_back_rank",
            F("pushed_back_at").asc(nulls_last=True),
            "rating_rank",
            "-score",
            "created_at",
            "id",
        )
    )


def queue_pushed_back(*, user: User, limit: int = 20) -> QuerySet[Lead]:
    """The leads QA review pushed back to the user and not yet submitted again, oldest
    push-back first: the queue page shows them flagged, with the reason."""
    return (
        lead_scope(user=user)
        .filter(status__in=WORKABLE, pushed_back_at__isnull=False)
        .filter(_qualifier_is(user))
        .order_by("pushed_back_at", "id")[:limit]
    )


def lead_queue_next(*, user: User, now: datetime) -> Lead | None:
    """Hold and return the user's next lead: the one they already hold, else the first free one."""
    with transaction.atomic():
        current = (
            lead_scope(user=user)
            .filter(status__in=WORKABLE, held_by=user, held_until__gt=now)
            .filter(Q(next_call_at__isnull=True) | Q(next_call_at__lte=now))
            .order_by("held_until")
            .first()
        )
        if current is not None:
            return current
        candidates = queue_leads(user=user, now=now)
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        lead = candidates.first()
        if lead is None:
            return None
        return _hold(lead, user, now)


def lead_hold(*, lead: Lead, user: User, now: datetime) -> Lead:
    """Hold a lead the user opened from the list; refused (LeadHeld) while another holds it."""
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if lead.held_by_id not in (None, user.pk) and lead.held_until and lead.held_until > now:
            raise LeadHeld(lead)
        return _hold(lead, user, now)


class LeadHeld(Exception):
    def __init__(self, lead: Lead) -> None:
        self.lead = lead
        super().__init__(
            f"lead #{lead.pk} is being worked by {lead.held_by} until {lead.held_until}"
        )


def _hold(lead: Lead, user: User, now: datetime) -> Lead:
    renewing = lead.held_by_id == user.pk and lead.held_until is not None and lead.held_until > now
    lead.held_by = user
    lead.held_until = now + timedelta(minutes=HOLD_MINUTES)
    lead.save(update_fields=["held_by", "held_until"])
    if not renewing:
        event_record(
            lead=lead,
            kind=EventKind.HELD,
            actor=user,
            now=now,
            after={"held_until": lead.held_until.isoformat()},
        )
    if lead.status == LeadStatus.NEW:
        lead = lead_transition(lead=lead, action=Action.START_QUALIFYING, actor=user, now=now)
    return lead


def lead_release(*, lead: Lead, user: User, now: datetime) -> Lead:
    """Give the lead back to the queue (after submitting it, or when stepping away)."""
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if lead.held_by_id is None:
            return lead
        lead.held_by = None
        lead.held_until = None
        lead.save(update_fields=["held_by", "held_until"])
        event_record(lead=lead, kind=EventKind.RELEASED, actor=user, now=now)
        return lead


def lead_finish(*, lead: Lead, user: User, action: Action, now: datetime, reason: str = "") -> Lead:
    """Leave the workspace with a decision (QA review, nurture, dead file): the lifecycle step
    and the end of the hold in one transaction, so the lead is never decided yet still held.
    A push-back flag is settled by the decision, whichever it is."""
    with transaction.atomic():
        lead = lead_transition(lead=lead, action=action, actor=user, now=now, reason=reason)
        lead = lead_release(lead=lead, user=user, now=now)
        if lead.pushed_back_at is not None:
            lead.pushed_back_at = None
            lead.push_back_reason = ""
            lead.save(update_fields=["pushed_back_at", "push_back_reason"])
        return lead


def lead_submit_for_review(*, lead: Lead, user: User, now: datetime) -> Lead:
    """Submit to QA review: only with every required question of the program answered.

    Records who submitted it and when (a reviewer never reviews their own lead, and the review
    batch is ordered by submission); the flag of an earlier push-back is cleared.
    """
    criteria = program_published_criteria(program=lead.program).criteria
    parse_answers(criteria, lead.answers, require=True)
    with transaction.atomic():
        lead = lead_finish(lead=lead, user=user, action=Action.SUBMIT_FOR_REVIEW, now=now)
        lead.submitted_by = user
        lead.submitted_at = now
        lead.save(update_fields=["submitted_by", "submitted_at"])
        return lead
