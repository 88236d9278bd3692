"""Routing writes (DESIGN.md, "Partner routing"): hand leads to partners, reassign them, and
drain the routing queue.

Locking, the same order everywhere so that concurrent routings, claims and sweeps never
deadlock: first the leads (in id order, or skipped when locked), then every active partner of
the leads' clients (in id order). Holding a client's partners serialises the capacity count,
so no partner is ever given more open leads than its capacity, whatever runs at the same time;
the partial unique index on active assignments makes a second owner of a lead impossible.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from leadflow.accounts.models import User
from leadflow.core import handoff
from leadflow.core.enums import Rating
from leadflow.core.handoff import HandOffMode
from leadflow.core.lifecycle import PARTNER_HELD, Action, LeadStatus
from leadflow.core.routing import (
    RoutingDecision,
    route,
)
from leadflow.core.sla import AssignmentTimes, SlaTerms, assignment_deadlines, pending_due
from leadflow.delivery.models import DeliveryItem
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.services import LeadStep, leads_transition
from leadflow.lib.rows import rows_insert
from leadflow.partners.models import (
    Assignment,
    Partner,
    RoutingQueueEntry,
)
from leadflow.partners.policies import partner_calendar, program_terms
from leadflow.partners.services.notify import notifications_send
from leadflow.partners.services.pool import PartnerPool, previous_partners, routing_lead

#: Hand-off modes whose approved leads are routed to partners.
RATING_RANK = {Rating.HOT: 0, Rating.A: 1, Rating.B: 2}
NO_PARTNER = "no eligible partner: the lead waits in the routing queue"
#: How many of the ranked and refused partners an assignment keeps in its explanation.
EXPLAINED = 10


@dataclass(frozen=True)
class RouteResult:
    """What happened to one lead: ``assigned`` (to ``partner_id``), ``queued`` (no eligible
    partner) or ``not_routable`` (wrong status, rating or hand-off mode; see ``explanation``)."""

    lead_id: int
    status: str
    partner_id: int | None = None
    assignment_id: int | None = None
    explanation: tuple[str, ...] = ()


def decision_summary(decision: RoutingDecision, others: int) -> dict[str, Any]:
    """The explanation an assignment keeps: the ranking's head and the refused partners."""
    explanation = list(decision.explanation)
    if others:
        explanation.append(f"{others} other partner(s) of the client cover other countries")
    ranking, refused = decision.ranking, decision.ineligible
    return {
        "partner_id": decision.partner_id,
        "decided_at": decision.decided_at.isoformat(),
        "explanation": explanation,
        "ranking": [candidate.as_json() for candidate in ranking[:EXPLAINED]],
        "refused": [candidate.as_json() for candidate in refused[:EXPLAINED]],
        "eligible_count": len(ranking),
        "refused_count": len(refused) + others,
    }


@dataclass
class _Writes:
    """Rows one routing pass writes, flushed with a handful of statements."""

    assignments: list[tuple[Assignment, Lead]]
    steps: list[LeadStep]
    queued: list[RoutingQueueEntry]
    dequeued: list[int]

    @classmethod
    def empty(cls) -> "_Writes":
        return cls([], [], [], [])


def assign_leads(
    *,
    leads: Sequence[Lead],
    pool: PartnerPool,
    now: datetime,
    actor: User | None,
    reason: str = "",
    steps_before: Sequence[LeadStep] = (),
    notify: bool = True,
) -> list[RouteResult]:
    """Route locked, routable leads one after the other against the pool: each goes to the
    best eligible partner (ASSIGN, fresh clocks, notification), or, with none eligible, waits
    in the routing queue (a partner-held lead is first UNASSIGNed back to approved).

    ``steps_before`` are history entries (declines, violations) to write ahead of the
    routing's own, through the same transition. With ``notify`` the new partners' e-mails are queued
    in this transaction; without, the caller queues them (the sweep, in a task). Returns one
    result per lead, in order.
    """
    writes = _Writes.empty()
    writes.steps.extend(steps_before)
    terms = program_terms(program_ids={lead.program_id for lead in leads})
    previous = previous_partners(lead.pk for lead in leads)
    results = []
    for lead in leads:
        candidates, others = pool.candidates(lead.program.client_id, lead.country)
        decision = route(routing_lead(lead, previous.get(lead.pk, frozenset())), candidates, now)
        if decision.partner_id is None:
            results.append(_queue(lead, decision, writes, now, actor, others))
            continue
        partner = pool.partners[decision.partner_id]
        assignment = assignment_build(
            lead, partner, terms[lead.program_id], decision_summary(decision, others), now, actor
        )
        writes.assignments.append((assignment, lead))
        writes.dequeued.append(lead.pk)
        writes.steps.append(
            LeadStep(
                lead=lead,
                action=Action.ASSIGN,
                reason=f"{reason}; routed to {partner.name}"
                if reason
                else f"routed to {partner.name}",
                details={"partner": partner.pk},
            )
        )
        pool.take(partner.pk)
        results.append(RouteResult(lead.pk, "assigned", partner.pk, None, decision.explanation))
    return _flush(writes, results, now, actor, notify)


def assignment_build(
    lead: Lead,
    partner: Partner,
    terms: SlaTerms,
    routing: dict[str, Any],
    now: datetime,
    actor: User | None,
) -> Assignment:
    rating = Rating(str(lead.rating))  # routable leads are rated Hot, A or B
    due = assignment_deadlines(
        assigned_at=now, rating=rating, terms=terms, cal=partner_calendar(partner, lead.program)
    )
    return Assignment(
        lead=lead,
        partner=partner,
        rating=rating.value,
        assigned_at=now,
        assigned_by=actor,
        claim_due=due.claim_due,
        contact_due=due.contact_due,
        next_due=pending_due(AssignmentTimes(due.claim_due, due.contact_due, None)),
        routing=routing,
    )


def queue_reason(decision: RoutingDecision, others: int, country: str) -> str:
    """Why a lead waits, in words: every partner that covers its country with the reasons it
    cannot take the lead, and how many others cover other countries only (the routing pass
    looks only at the partners of the lead's country, so they are counted, not listed)."""
    total = len(decision.candidates) + others
    parts = [
        f"{candidate.name}: {'; '.join(candidate.reasons)}" for candidate in decision.ineligible
    ]
    if others:
        place = country.upper() or "the lead's country"
        parts.append(f"{others} other partner(s) do not cover {place}")
    if not parts:
        return f"no eligible partner among {total}"
    return f"no eligible partner among {total}: " + "; ".join(parts)


def _queue(
    lead: Lead,
    decision: RoutingDecision,
    writes: _Writes,
    now: datetime,
    actor: User | None,
    others: int = 0,
) -> RouteResult:
    if LeadStatus(lead.status) in PARTNER_HELD:
        writes.steps.append(LeadStep(lead=lead, action=Action.UNASSIGN, reason=NO_PARTNER))
    rank = RATING_RANK.get(Rating(lead.rating), len(RATING_RANK)) if lead.rating else 9
    writes.queued.append(
        RoutingQueueEntry(
            lead=lead,
            client_id=lead.program.client_id,
            rating_rank=rank,
            queued_at=now,
            reason=queue_reason(decision, others, lead.country),
        )
    )
    return RouteResult(lead.pk, "queued", None, None, decision.explanation)


def _flush(
    writes: _Writes, results: list[RouteResult], now: datetime, actor: User | None, notify: bool
) -> list[RouteResult]:
    leads_transition(steps=writes.steps, actor=actor, now=now)
    if writes.dequeued:
        RoutingQueueEntry.objects.filter(lead_id__in=writes.dequeued).delete()
    if writes.queued:
        RoutingQueueEntry.objects.bulk_create(writes.queued, ignore_conflicts=True)
    rows_insert([assignment for assignment, _ in writes.assignments])
    ids = {lead.pk: assignment.pk for assignment, lead in writes.assignments}
    if notify and ids:
        notifications_send(assignment_ids=list(ids.values()), violation_ids=(), now=now)
    return [
        RouteResult(r.lead_id, r.status, r.partner_id, ids.get(r.lead_id), r.explanation)
        for r in results
    ]


def routing_ready(leads: Sequence[Lead]) -> set[int]:
    """The ids among ``leads`` whose status lets them be routed now: approved, in a partner
    program; in a program with both hand-offs, once the client has received the lead
    (delivered, or approved again after a partner gave it back)."""
    delivered = set(
        DeliveryItem.objects.filter(lead_id__in=[lead.pk for lead in leads]).values_list(
            "lead_id", flat=True
        )
    )
    ready = set()
    for lead in leads:
        if lead.program.hand_off_mode == HandOffMode.BOTH:
            if lead.pk in delivered and lead.status in (LeadStatus.DELIVERED, LeadStatus.APPROVED):
                ready.add(lead.pk)
        elif lead.status == LeadStatus.APPROVED:
            ready.add(lead.pk)
    return ready


def routable(lead: Lead) -> str:
    """Why an approved-for-hand-off lead cannot be routed, or "" when it can."""
    if not handoff.routes(lead.program.hand_off_mode):
        return f"program {lead.program.slug!r} hands off by client delivery, not to partners"
    if not handoff.routable(lead.rating):
        rating = Rating(lead.rating).label if lead.rating else "no rating"
        return f"a lead rated {rating} is never routed (only Hot, A and B)"
    return ""


def leads_route(
    *, lead_ids: Sequence[int], now: datetime, actor: User | None = None
) -> list[RouteResult]:
    """Route approved leads of partner programs (hand-off after QA approval, re-qualification
    out of nurture): each goes to its best eligible partner or waits in the routing queue.
    Leads that are not approved, already assigned, rated C or FYI, or whose program hands off
    by client delivery only, come back ``not_routable`` with the reason and are left as they
    are. One transaction for all."""
    with transaction.atomic():
        leads = list(
            Lead.objects.filter(pk__in=list(lead_ids))
            .select_related("program")
            .order_by("id")
            .select_for_update(of=("self",))
        )
        found = {lead.pk: lead for lead in leads}
        active = set(
            Assignment.objects.active()
            .filter(lead_id__in=list(found))
            .values_list("lead_id", flat=True)
        )
        refused: dict[int, str] = {}
        todo = []
        ready = routing_ready(leads)
        for lead_id in dict.fromkeys(lead_ids):
            lead = found.get(lead_id)
            if lead is None:
                refused[lead_id] = "no such lead"
            elif lead.pk not in ready or lead.pk in active:
                refused[lead_id] = f"the lead is {LeadStatus(lead.status).label.lower()}"
            elif why := routable(lead):
                refused[lead_id] = why
            else:
                todo.append(lead)
        routed: dict[int, RouteResult] = {}
        if todo:
            pool = PartnerPool({lead.program.client_id for lead in todo}, now)
            for result in assign_leads(leads=todo, pool=pool, now=now, actor=actor):
                routed[result.lead_id] = result
            _note_queued(todo, routed, now, actor)
    return [
        routed.get(lead_id) or RouteResult(lead_id, "not_routable", explanation=(refused[lead_id],))
        for lead_id in dict.fromkeys(lead_ids)
    ]


def _note_queued(
    leads: Sequence[Lead], routed: dict[int, RouteResult], now: datetime, actor: User | None
) -> None:
    """An approved lead that found no partner says so in its history (its status is unchanged)."""
    notes = [
        LeadStep(
            lead=lead,
            kind=EventKind.NOTE,
            reason=NO_PARTNER,
            details={"routing": list(routed[lead.pk].explanation)},
        )
        for lead in leads
        if routed[lead.pk].status == "queued"
    ]
    leads_transition(steps=notes, actor=actor, now=now)
