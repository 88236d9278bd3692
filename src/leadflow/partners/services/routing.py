"""Routing writes (DESIGN.md, "Partner routing"): hand leads to partners, reassign them, and
drain the routing queue.

Locking, the same order everywhere so that concurrent routings, claims and sweeps never
deadlock: first the leads (in id order, or skipped when locked), then every active partner of
the leads' clients (in id order). Holding a client's partners serialises the capacity count,
so no partner is ever given more open leads than its capacity, whatever runs at the same time;
the partial unique index on active assignments makes a second owner of a lead impossible.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count

from leadflow.accounts.models import User
from leadflow.core.enums import Rating
from leadflow.core.lifecycle import PARTNER_HELD, Action, LeadStatus, next_status
from leadflow.core.routing import (
    FAIRNESS_WINDOW_DAYS,
    ROUTABLE_RATINGS,
    PartnerState,
    RoutingDecision,
    RoutingLead,
    TerritoryRule,
    level_rank,
    route,
)
from leadflow.core.sla import AssignmentTimes, SlaTerms, assignment_deadlines, pending_due
from leadflow.delivery.models import DeliveryItem
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.rows import rows_insert
from leadflow.leads.services import status_changed_event
from leadflow.partners.models import (
    Assignment,
    Partner,
    PartnerLevels,
    RoutingQueueEntry,
    Territory,
    default_certification_levels,
    default_program_levels,
)
from leadflow.partners.policies import partner_calendar, program_terms
from leadflow.partners.services.notify import notifications_send
from leadflow.programs.models import HandOffMode

#: Hand-off modes whose approved leads are routed to partners.
ROUTED_MODES = (HandOffMode.PARTNERS, HandOffMode.BOTH)
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


def skip_locked() -> dict[str, Any]:
    """``select_for_update`` options that skip rows another transaction holds (PostgreSQL);
    SQLite has no row locks and admits one writer at a time."""
    if connection.features.has_select_for_update_skip_locked:
        return {"skip_locked": True}
    return {}


class PartnerPool:
    """The active partners of some clients, locked for this transaction, and their routing
    state (open leads, leads received in the fairness window, territories, levels), read in a
    fixed number of queries whatever the number of partners."""

    def __init__(self, client_ids: Iterable[int], now: datetime) -> None:
        clients = sorted(set(client_ids))
        partners = list(
            Partner.objects.filter(client_id__in=clients, is_active=True)
            .order_by("id")
            .select_for_update(of=("self",))
        )
        self.partners = {partner.pk: partner for partner in partners}
        ids = list(self.partners)
        open_counts = dict(
            Assignment.objects.open()
            .filter(partner_id__in=ids)
            .values_list("partner_id")
            .annotate(n=Count("id"))
            .values_list("partner_id", "n")
        )
        since = now - timedelta(days=FAIRNESS_WINDOW_DAYS)
        received = dict(
            Assignment.objects.filter(partner_id__in=ids, assigned_at__gte=since)
            .values_list("partner_id")
            .annotate(n=Count("id"))
            .values_list("partner_id", "n")
        )
        territories: dict[int, list[TerritoryRule]] = defaultdict(list)
        self._by_country: dict[tuple[int, str], list[int]] = defaultdict(list)
        for partner_id, country, subdivision, prefix in Territory.objects.filter(
            partner_id__in=ids
        ).values_list("partner_id", "country", "subdivision", "postal_prefix"):
            territories[partner_id].append(TerritoryRule(country, subdivision, prefix))
            key = (self.partners[partner_id].client_id, country.upper())
            if partner_id not in self._by_country[key]:
                self._by_country[key].append(partner_id)
        levels = {
            row.client_id: (row.program_levels, row.certification_levels)
            for row in PartnerLevels.objects.filter(client_id__in=clients)
        }
        defaults = (default_program_levels(), default_certification_levels())
        self.states: dict[int, PartnerState] = {}
        self._by_client: dict[int, list[int]] = defaultdict(list)
        for partner in partners:
            program_levels, certification_levels = levels.get(partner.client_id, defaults)
            self.states[partner.pk] = PartnerState(
                partner_id=partner.pk,
                name=partner.name,
                partner_type=partner.type,
                is_active=partner.is_active,
                flow_enabled=partner.flow_enabled,
                territories=tuple(territories[partner.pk]),
                open_leads=open_counts.get(partner.pk, 0),
                capacity=partner.capacity,
                received_recently=received.get(partner.pk, 0),
                program_level=partner.program_level,
                program_rank=level_rank(partner.program_level, program_levels),
                certification_level=partner.certification_level,
                certification_rank=level_rank(partner.certification_level, certification_levels),
            )
            self._by_client[partner.client_id].append(partner.pk)

    def candidates(self, client_id: int, country: str) -> tuple[list[PartnerState], int]:
        """The client's partners with a territory in ``country``, and how many others the
        client has (none of which covers the lead)."""
        ids = self._by_country.get((client_id, country.upper()), [])
        return [self.states[pid] for pid in ids], len(self._by_client[client_id]) - len(ids)

    def has_room(self, client_id: int) -> bool:
        """Whether any partner of the client may take a lead at all (enabled, under capacity)."""
        return any(
            state.flow_enabled
            and state.partner_type != "agency"
            and state.open_leads < state.capacity
            for state in (self.states[pid] for pid in self._by_client[client_id])
        )

    def take(self, partner_id: int) -> None:
        self.states[partner_id] = self.states[partner_id].with_one_more()

    def disable(self, partner_id: int) -> None:
        state = self.states.get(partner_id)
        if state is not None:
            self.states[partner_id] = replace(state, flow_enabled=False)


def previous_partners(lead_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """Every partner that ever held each lead (they are never offered it again)."""
    held: dict[int, set[int]] = defaultdict(set)
    for lead_id, partner_id in Assignment.objects.filter(lead_id__in=list(lead_ids)).values_list(
        "lead_id", "partner_id"
    ):
        held[lead_id].add(partner_id)
    return {lead_id: frozenset(ids) for lead_id, ids in held.items()}


def routing_lead(lead: Lead, previous: frozenset[int]) -> RoutingLead:
    return RoutingLead(
        lead_id=lead.pk,
        rating=Rating(lead.rating) if lead.rating else None,
        country=lead.country,
        subdivision=lead.subdivision,
        postal_code=lead.postal_code,
        previous_partner_ids=previous,
    )


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
    events: list[LeadEvent]
    status: dict[LeadStatus, list[int]]
    queued: list[RoutingQueueEntry]
    dequeued: list[int]

    @classmethod
    def empty(cls) -> "_Writes":
        return cls([], [], defaultdict(list), [], [])


def assign_leads(
    *,
    leads: Sequence[Lead],
    pool: PartnerPool,
    now: datetime,
    actor: User | None,
    reason: str = "",
    events_before: Sequence[LeadEvent] = (),
    notify: bool = True,
) -> list[RouteResult]:
    """Route locked, routable leads one after the other against the pool: each goes to the
    best eligible partner (ASSIGN, fresh clocks, notification), or, with none eligible, waits
    in the routing queue (a partner-held lead is first UNASSIGNed back to approved).

    ``events_before`` are history entries (declines, violations) to write ahead of the
    routing's own, in the same INSERT. With ``notify`` the new partners' e-mails are queued
    in this transaction; without, the caller queues them (the sweep, in a task). Returns one
    result per lead, in order.
    """
    writes = _Writes.empty()
    writes.events.extend(events_before)
    terms = program_terms(program_ids={lead.program_id for lead in leads})
    previous = previous_partners(lead.pk for lead in leads)
    results = []
    for lead in leads:
        candidates, others = pool.candidates(lead.program.client_id, lead.country)
        decision = route(routing_lead(lead, previous.get(lead.pk, frozenset())), candidates, now)
        if decision.partner_id is None:
            results.append(_queue(lead, decision, writes, now, actor))
            continue
        partner = pool.partners[decision.partner_id]
        assignment = _assignment(
            lead, partner, terms[lead.program_id], decision_summary(decision, others), now, actor
        )
        before = LeadStatus(lead.status)
        after = next_status(before, Action.ASSIGN)
        lead.status = after
        writes.status[after].append(lead.pk)
        writes.assignments.append((assignment, lead))
        writes.dequeued.append(lead.pk)
        writes.events.append(
            status_changed_event(
                lead=lead,
                action=Action.ASSIGN,
                before=before,
                after=after,
                actor=actor,
                now=now,
                reason=f"{reason}; routed to {partner.name}"
                if reason
                else f"routed to {partner.name}",
            )
        )
        writes.events[-1].after = {"status": after.value, "partner": partner.pk}
        pool.take(partner.pk)
        results.append(RouteResult(lead.pk, "assigned", partner.pk, None, decision.explanation))
    return _flush(writes, results, now, notify)


def _assignment(
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


def _queue(
    lead: Lead, decision: RoutingDecision, writes: _Writes, now: datetime, actor: User | None
) -> RouteResult:
    before = LeadStatus(lead.status)
    if before in PARTNER_HELD:
        after = next_status(before, Action.UNASSIGN, reason=NO_PARTNER)
        lead.status = after
        writes.status[after].append(lead.pk)
        writes.events.append(
            status_changed_event(
                lead=lead,
                action=Action.UNASSIGN,
                before=before,
                after=after,
                actor=actor,
                now=now,
                reason=NO_PARTNER,
            )
        )
    rank = RATING_RANK.get(Rating(lead.rating), len(RATING_RANK)) if lead.rating else 9
    writes.queued.append(
        RoutingQueueEntry(
            lead=lead,
            client_id=lead.program.client_id,
            rating_rank=rank,
            queued_at=now,
            reason="; ".join(decision.explanation),
        )
    )
    return RouteResult(lead.pk, "queued", None, None, decision.explanation)


def _flush(
    writes: _Writes, results: list[RouteResult], now: datetime, notify: bool
) -> list[RouteResult]:
    for status, lead_ids in writes.status.items():
        Lead.objects.filter(pk__in=lead_ids).update(status=status, updated_at=now)
    if writes.dequeued:
        RoutingQueueEntry.objects.filter(lead_id__in=writes.dequeued).delete()
    if writes.queued:
        RoutingQueueEntry.objects.bulk_create(writes.queued, ignore_conflicts=True)
    rows_insert([assignment for assignment, _ in writes.assignments])
    rows_insert(writes.events)
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
    if lead.program.hand_off_mode not in ROUTED_MODES:
        return f"program {lead.program.slug!r} hands off by client delivery, not to partners"
    if lead.rating not in ROUTABLE_RATINGS:
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
        LeadEvent(
            lead=lead,
            kind=EventKind.NOTE,
            actor=actor,
            at=now,
            reason=NO_PARTNER,
            after={"routing": list(routed[lead.pk].explanation)},
        )
        for lead in leads
        if routed[lead.pk].status == "queued"
    ]
    rows_insert(notes)
