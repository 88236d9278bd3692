"""Leads with known outcomes for the scoring app's tests: a program's history in which
referrals convert far more often than purchased lists, so a model has something to learn."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from leadflow.core.enums import Channel
from leadflow.core.lifecycle import LeadStatus
from leadflow.delivery.models import DeliveryItem
from leadflow.guarantees.models import Dispute, DisputeStatus
from leadflow.leads.models import Lead
from leadflow.leads.services.create import LeadInput, leads_create_bulk
from leadflow.programs.models import Program
from tests import factories as f
from tests.factories import Team

SIZES = ["1-10", "11-50", "51-200", "201-1000"]


def history(
    program: Program,
    *,
    won: int,
    lost: int,
    open_leads: int = 0,
    at: datetime = f.NOW - timedelta(days=120),
    seed: int = 0,
    start: int = 0,
    flipped: bool = False,
) -> list[Lead]:
    """``won`` closed-won and ``lost`` closed-lost leads (and ``open_leads`` new ones) captured
    at ``at`` and closed 30 days later: referrals mostly won, purchased lists mostly lost (the
    other way round when ``flipped``: the drift a model must be warned of)."""
    rng = random.Random(seed)
    outcomes = [True] * won + [False] * lost
    rng.shuffle(outcomes)
    items = []
    for number, converted in enumerate(outcomes + [None] * open_leads, start=start):
        leaning = converted if rng.random() < 0.8 else not converted
        leaning = (not leaning) if flipped else leaning
        channel = Channel.REFERRAL if leaning else Channel.PURCHASED_LIST
        items.append(
            LeadInput(
                **f.numbered_contact(number),
                title=rng.choice(["VP Sales", "IT Manager", "Analyst", "CEO"]),
                channel=channel,
                company_size=rng.choice(SIZES),
                industry=rng.choice(["Software", "Retail"]),
                country="US",
                answers={},
            )
        )
    leads = leads_create_bulk(program=program, items=items, actor=None, now=at)
    for lead, converted in zip(leads, outcomes + [None] * open_leads, strict=True):
        if converted is None:
            continue
        lead.status = LeadStatus.CLOSED_WON if converted else LeadStatus.CLOSED_LOST
    closed = [
        lead for lead in leads if lead.status in (LeadStatus.CLOSED_WON, LeadStatus.CLOSED_LOST)
    ]
    for status in (LeadStatus.CLOSED_WON, LeadStatus.CLOSED_LOST):
        Lead.objects.filter(pk__in=[lead.pk for lead in closed if lead.status == status]).update(
            status=status, updated_at=at + timedelta(days=30)
        )
    return leads


def dispute_upheld(item: DeliveryItem, team: Team) -> Dispute:
    """An upheld dispute of a delivered lead, raised five weeks before ``NOW``: a delivered
    lead that did not convert."""
    return Dispute.objects.create(
        program=item.delivery.program,
        delivery_item=item,
        raised_by=team.client_contact,
        raised_at=f.NOW - timedelta(days=35),
        reason="Contact unreachable",
        status=DisputeStatus.UPHELD,
        decided_by=team.reviewer,
        decided_at=f.NOW - timedelta(days=34),
        ledger_at=f.NOW - timedelta(days=35),
    )
