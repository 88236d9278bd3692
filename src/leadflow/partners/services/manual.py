"""A manager's decisions on leads that routing could not place or that a partner holds: assign
to a chosen partner (an override, with a reason), send a waiting lead back to QA review or to
nurture, and the alert about leads that wait in the routing queue past the program's limit.

Every change goes through the leads' one transition path and leaves a LeadEvent; the lead comes
from the caller's scope (the views find it through ``selectors.routing_queue`` or
``leads.selectors``), so an out-of-scope lead never reaches these functions.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from leadflow.accounts.models import Role, User
from leadflow.core.enums import Rating
from leadflow.core.lifecycle import PARTNER_HELD, Action, LeadStatus
from leadflow.delivery.selectors import program_people
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.services import LeadStep, event_build, events_record, leads_transition
from leadflow.notifications.services import email_enqueue
from leadflow.partners.models import Assignment, EndReason, RoutingQueueEntry
from leadflow.partners.policies import queue_waits
from leadflow.partners.services.handover import (
    Handover,
    handover_partner,
    leads_hand_over,
    set_aside,
)
from leadflow.partners.services.pool import (
    PartnerPool,
    skip_locked,
)
from leadflow.partners.services.portal import PartnerInputError
from leadflow.partners.services.routing import RATING_RANK, routing_ready

#: The ``action`` of the ALERT event of a lead waiting too long (once per wait).
QUEUE_ALERT_ACTION = "routing_waiting"


def _required(reason: str, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise PartnerInputError("reason", f"say why the lead is {what}")
    return reason


def _lock(lead: Lead) -> Lead:
    return Lead.objects.select_related("program").select_for_update(of=("self",)).get(pk=lead.pk)


def _waiting(lead: Lead) -> None:
    """Refuse a lead that is not waiting for a partner (routed or moved on meanwhile)."""
    active = Assignment.objects.active().filter(lead=lead).exists()
    if active or lead.pk not in routing_ready([lead]):
        raise PartnerInputError(
            "__all__",
            f"lead #{lead.pk} no longer waits for a partner "
            f"(it is {LeadStatus(lead.status).label.lower()})",
        )


def _hand_to(*, lead: Lead, partner_id: int, user: User, reason: str, now: datetime) -> Assignment:
    """Assign the locked lead to the chosen partner with fresh clocks, recording the override
    (which of the routing rules the manager set aside) in the assignment and the history."""
    pool = PartnerPool([lead.program.client_id], now)
    partner = handover_partner(pool, partner_id)
    overridden = set_aside(pool, partner, [lead])
    said = f"assigned by hand to {partner.name}: {reason}"
    if overridden[lead.pk]:
        said += " (rules set aside: " + "; ".join(overridden[lead.pk]) + ")"
    (assignment,) = leads_hand_over(
        handovers=[
            Handover(
                lead=lead,
                said=said,
                explanation=f"assigned to {partner.name} by {user.get_username()}: {reason}",
            )
        ],
        partner=partner,
        pool=pool,
        overridden=overridden,
        user=user,
        reason=reason,
        now=now,
    )
    return assignment


def lead_route_manual(
    *, lead: Lead, partner_id: int, user: User, reason: str, now: datetime
) -> Assignment:
    """A manager assigns a lead waiting in the routing queue to a chosen partner, overriding
    territory, capacity and "held it before" (never an inactive or flow-disabled partner, nor
    an agency partner). The partner's clocks start as for automatic routing; the reason and
    the rules set aside are in the lead's history."""
    reason = _required(reason, "assigned by hand")
    with transaction.atomic():
        lead = _lock(lead)
        _waiting(lead)
        return _hand_to(lead=lead, partner_id=partner_id, user=user, reason=reason, now=now)


def _queue_leave(
    *, lead: Lead, user: User, action: Action, said: str, reason: str, now: datetime
) -> Lead:
    """Take a lead that waits for a partner out of the routing queue by a lifecycle step."""
    reason = _required(reason, said)
    with transaction.atomic():
        lead = _lock(lead)
        _waiting(lead)
        leads_transition(
            steps=[
                LeadStep(
                    lead=lead, action=action, reason=f"{said} from the routing queue: {reason}"
                )
            ],
            actor=user,
            now=now,
        )
        RoutingQueueEntry.objects.filter(lead=lead).delete()
        return lead


def lead_review_return(*, lead: Lead, user: User, reason: str, now: datetime) -> Lead:
    """A manager sends an approved lead that waits for a partner back to QA review."""
    return _queue_leave(
        lead=lead,
        user=user,
        action=Action.RETURN_TO_REVIEW,
        said="sent back to review",
        reason=reason,
        now=now,
    )


def lead_queue_nurture(*, lead: Lead, user: User, reason: str, now: datetime) -> Lead:
    """A manager moves an approved lead that waits for a partner to nurture."""
    return _queue_leave(
        lead=lead, user=user, action=Action.NURTURE, said="moved to nurture", reason=reason, now=now
    )


def lead_reassign_to(
    *, lead: Lead, user: User, reason: str, now: datetime, partner_id: int | None
) -> Assignment | None:
    """A manager takes a lead from the partner that holds it (no violation) and gives it to
    the chosen partner (returns the new assignment), or, with ``partner_id`` None, sends it
    back to the routing queue (returns None). The first partner loses access at once, as when
    the SLA sweep takes a lead away."""
    reason = _required(reason, "reassigned")
    with transaction.atomic():
        lead = _lock(lead)
        assignment = (
            Assignment.objects.select_related("partner")
            .select_for_update(of=("self",))
            .filter(lead=lead, ended_at__isnull=True)
            .first()
        )
        if assignment is None or LeadStatus(lead.status) not in PARTNER_HELD:
            raise PartnerInputError(
                "__all__",
                f"lead #{lead.pk} is not held by a partner "
                f"(it is {LeadStatus(lead.status).label.lower()})",
            )
        if partner_id == assignment.partner_id:
            raise PartnerInputError("partner", f"{assignment.partner.name} already holds it")
        assignment.ended_at = now
        assignment.end_reason = EndReason.REASSIGNED
        assignment.next_due = None
        assignment.save(update_fields=["ended_at", "end_reason", "next_due"])
        taken = f"taken from {assignment.partner.name} by a manager: {reason}"
        if partner_id is not None:
            return _hand_to(
                lead=lead,
                partner_id=partner_id,
                user=user,
                reason=f"reassigned from {assignment.partner.name}: {reason}",
                now=now,
            )
        leads_transition(
            steps=[
                LeadStep(
                    lead=lead,
                    action=Action.UNASSIGN,
                    reason=f"{taken}; back to the routing queue",
                    details={"partner": assignment.partner_id},
                )
            ],
            actor=user,
            now=now,
        )
        rank = RATING_RANK.get(Rating(lead.rating), len(RATING_RANK)) if lead.rating else 9
        RoutingQueueEntry.objects.update_or_create(
            lead=lead,
            defaults={
                "client_id": lead.program.client_id,
                "rating_rank": rank,
                "queued_at": now,
                "reason": taken,
            },
        )
        return None


@dataclass(frozen=True)
class QueueAlertResult:
    alerted: int = 0
    emails: int = 0


def _alerts() -> QuerySet[LeadEvent]:
    return LeadEvent.objects.filter(kind=EventKind.ALERT, action=QUEUE_ALERT_ACTION)


def routing_queue_alert(*, now: datetime) -> QueueAlertResult:
    """Alert the program's managers, once per wait, to each lead that waits in the routing
    queue past its program's limit (``policies.queue_waits``): one ALERT event in the lead's
    history and one e-mail (outbox key ``routing-alert:<lead>:<entry>``) to the managers whose
    scope covers the program. Waiting entries are few (a queue, not the lead table): read in
    one pass, locked skipping those another worker holds, so that no lead is alerted twice."""
    with transaction.atomic():
        entries = list(
            RoutingQueueEntry.objects.exclude(
                Exists(_alerts().filter(lead=OuterRef("lead_id"), at__gte=OuterRef("queued_at")))
            )
            .select_related("lead", "lead__program")
            .order_by("queued_at", "id")
            .select_for_update(of=("self",), **skip_locked())
        )
        # Read again after locking: an alert another worker committed meanwhile is seen now.
        done = set(
            _alerts()
            .filter(lead_id__in=[entry.lead_id for entry in entries])
            .values_list("lead_id", "at")
        )
        waits = queue_waits(entries)
        late = [
            entry
            for entry in entries
            if not any(lead == entry.lead_id and at >= entry.queued_at for lead, at in done)
            and now > waits[entry.lead_id].until
        ]
        if not late:
            return QueueAlertResult()
        managers = program_people(
            program_ids=sorted({entry.lead.program_id for entry in late}), role=Role.MANAGER
        )
        events, emails = [], 0
        for entry in late:
            lead = entry.lead
            to = managers.get(lead.program_id, [])
            hours = (now - entry.queued_at).total_seconds() / 3600
            limit = waits[entry.lead_id].limit
            what = f"{Rating(lead.rating).label} lead" if lead.rating else "Lead"
            sentence = f"{what} waiting for a partner for more than {limit}"
            events.append(
                event_build(
                    lead=lead,
                    kind=EventKind.ALERT,
                    action=QUEUE_ALERT_ACTION,
                    actor=None,
                    now=now,
                    after={"waited_hours": round(hours, 1), "limit": limit, "notified": to},
                    reason=sentence,
                )
            )
            if to:
                email_enqueue(
                    key=f"routing-alert:{lead.pk}:{entry.pk}",
                    to=to,
                    subject=f"{sentence}: #{lead.pk} {lead.company or lead.email}",
                    body=_alert_body(entry, sentence),
                    now=now,
                )
                emails += 1
        events_record(events)
        return QueueAlertResult(alerted=len(events), emails=emails)


def _alert_body(entry: RoutingQueueEntry, sentence: str) -> str:
    lead = entry.lead
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    return "\n".join(
        [
            f"{sentence}: #{lead.pk} {lead.company or lead.email} ({lead.program.name}).",
            f"Waiting since {entry.queued_at:%Y-%m-%d %H:%M} UTC.",
            f"Why: {entry.reason or 'no eligible partner'}.",
            "",
            "Assign it to a partner, send it back to review or move it to nurture in the "
            f"routing queue: {site}/partners/manage/queue/#lead-{lead.pk}",
        ]
    )
