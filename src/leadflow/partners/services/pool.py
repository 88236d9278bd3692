"""The partners a routing pass chooses among: the active partners of the leads' clients,
locked for the transaction in id order, with their routing state read in a fixed number of
queries (open leads, leads received in the fairness window, territories, levels)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Q

from leadflow.core.enums import Rating
from leadflow.core.routing import (
    FAIRNESS_WINDOW_DAYS,
    PartnerState,
    RoutingLead,
    TerritoryRule,
    level_rank,
)
from leadflow.leads.models import Lead
from leadflow.partners.models import (
    Assignment,
    Partner,
    PartnerLevels,
    Territory,
    default_certification_levels,
    default_program_levels,
)


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

    def __init__(self, client_ids: Iterable[int], now: datetime, *, lock: bool = True) -> None:
        clients = sorted(set(client_ids))
        found = Partner.objects.filter(client_id__in=clients, is_active=True).order_by("id")
        # ``lock=False`` reads the same state for a page (the routing queue's reasons).
        partners = list(found.select_for_update(of=("self",)) if lock else found)
        self.partners = {partner.pk: partner for partner in partners}
        ids = list(self.partners)
        # Open leads and leads received in the fairness window, counted in one pass over the
        # partners' assignments (two counts were two scans: most of a sweep batch's reading).
        since = now - timedelta(days=FAIRNESS_WINDOW_DAYS)
        is_open = Q(ended_at__isnull=True, outcome="")
        is_recent = Q(assigned_at__gte=since)
        open_counts: dict[int, int] = {}
        received: dict[int, int] = {}
        for partner_id, open_n, received_n in (
            Assignment.objects.filter(partner_id__in=ids)
            .filter(is_open | is_recent)
            .values_list("partner_id")
            .annotate(open_n=Count("id", filter=is_open), received_n=Count("id", filter=is_recent))
            .values_list("partner_id", "open_n", "received_n")
        ):
            if open_n:
                open_counts[partner_id] = open_n
            if received_n:
                received[partner_id] = received_n
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

    def client_candidates(self, client_id: int) -> list[PartnerState]:
        """Every active partner of the client, whatever its territory (the routing queue shows
        each with the reasons it cannot take a lead)."""
        return [self.states[pid] for pid in self._by_client[client_id]]

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
