"""Writes of the qualification queue: each qualifier gets the next lead to work, and a lead is
held by one qualifier at a time so that no two people call the same prospect.

A hold lasts ``HOLD_MINUTES`` and is renewed while the qualifier works the lead; an expired hold
frees the lead for the next person. Taking a lead is one transaction that skips leads another
transaction is taking (``SKIP LOCKED`` on PostgreSQL; SQLite admits one writer at a time).

A lead QA review pushed back (issue 6) returns to its qualifier: the lead's owner, else the
qualifier who submitted it. It comes first in that qualifier's queue, flagged with the reason,
and no other qualifier is given it by "take next" (a manager hands it to someone else by making
them its owner). Submitting it again clears the flag.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from leadflow.accounts.models import User
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.core.qualification import parse_answers
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.selectors.queue import WORKABLE, queue_leads
from leadflow.leads.selectors.scope import lead_scope
from leadflow.leads.services.history import event_record
from leadflow.leads.services.transitions import lead_transition
from leadflow.programs.selectors import program_published_criteria

HOLD_MINUTES = 30


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


def lead_finish(
    *,
    lead: Lead,
    user: User,
    action: Action,
    now: datetime,
    reason: str = "",
    fields: Mapping[str, Any] | None = None,
) -> Lead:
    """Leave the workspace with a decision (QA review, nurture, dead file): the lifecycle step
    and the end of the hold in one transaction, so the lead is never decided yet still held.
    A push-back flag is settled by the decision, whichever it is; ``fields`` are other columns
    the decision sets."""
    with transaction.atomic():
        lead = lead_transition(
            lead=lead,
            action=action,
            actor=user,
            now=now,
            reason=reason,
            fields={"pushed_back_at": None, "push_back_reason": "", **(fields or {})},
        )
        return lead_release(lead=lead, user=user, now=now)


def lead_submit_for_review(*, lead: Lead, user: User, now: datetime) -> Lead:
    """Submit to QA review: only with every required question of the program answered.

    Records who submitted it and when (a reviewer never reviews their own lead, and the review
    batch is ordered by submission); the flag of an earlier push-back is cleared.
    """
    criteria = program_published_criteria(program=lead.program).criteria
    parse_answers(criteria, lead.answers, require=True)
    return lead_finish(
        lead=lead,
        user=user,
        action=Action.SUBMIT_FOR_REVIEW,
        now=now,
        fields={"submitted_by": user, "submitted_at": now},
    )
