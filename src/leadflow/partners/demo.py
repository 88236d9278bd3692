"""Demo partners for the partner program of the demo data set: a handful of partners of the
vendor with territories and levels, the ``partner`` demo user in the first, and the program's
approved leads routed and worked by the real services, so that the portal shows assigned,
claimed, contacted and closed leads, the routing queue, a warning and a declined lead; and
(``demo_registrations``) the deal registrations of its partners: one accepted and worked, one
waiting for a manager, one refused."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from leadflow.accounts.models import Role, User
from leadflow.accounts.services import user_create
from leadflow.core.lifecycle import PARTNER_HELD, Action, LeadStatus
from leadflow.core.routing import TerritoryRule
from leadflow.leads.models import Lead
from leadflow.leads.services import lead_transition
from leadflow.partners.models import Assignment, NotifyFormat, Partner, PartnerType
from leadflow.partners.services import (
    lead_claim,
    lead_contact_record,
    lead_decline,
    lead_outcome_record,
    leads_route,
    partner_create,
    partner_member_add,
    sla_sweep,
)
from leadflow.partners.services.protected import registered_hand_over
from leadflow.partners.services.registrations import (
    Prospect,
    deal_register,
    registration_decide,
    registration_terms_set,
)
from leadflow.programs.models import Program

SEED = 2026
#: The most recently approved leads stay open in the portal; the older ones were worked to an
#: outcome when they were approved.
OPEN_LEADS = 16
#: Which of the worked leads its first partner let run out of time (a violation in the demo).
MISSED_INDEX = 4
#: The partner the ``partner`` demo user works for: Empire Data Partners covers the whole US,
#: so it holds leads in every state of its process (new, claimed, contacted) besides its closed
#: ones, and the portal and the sales follow-up have work to show.
PORTAL_PARTNER = 1


@dataclass(frozen=True)
class DemoPartner:
    name: str
    slug: str
    type: PartnerType
    program_level: str
    certification_level: str
    country: str
    subdivision: str
    timezone: str
    territories: tuple[TerritoryRule, ...]
    notify_format: NotifyFormat = NotifyFormat.CSV


PARTNERS = (
    DemoPartner(
        "Bay Area Solutions",
        "bay-area-solutions",
        PartnerType.RESELLER,
        "platinum",
        "expert",
        "US",
        "CA",
        "America/Los_Angeles",
        (TerritoryRule("US", "CA"), TerritoryRule("US", "WA"), TerritoryRule("US", "TX")),
        NotifyFormat.PDF,
    ),
    DemoPartner(
        "Empire Data Partners",
        "empire-data",
        PartnerType.SOLUTION_PROVIDER,
        "gold",
        "professional",
        "US",
        "NY",
        "America/New_York",
        (TerritoryRule("US"),),
    ),
    DemoPartner(
        "Lone Star Field Sales",
        "lone-star",
        PartnerType.FIELD_SALES_EXECUTIVE,
        "silver",
        "associate",
        "US",
        "TX",
        "America/Chicago",
        (TerritoryRule("US", "TX"), TerritoryRule("US", "IL"), TerritoryRule("US", "GA")),
        NotifyFormat.LINK,
    ),
    DemoPartner(
        "Maple Leaf Analytics",
        "maple-leaf",
        PartnerType.RESELLER,
        "gold",
        "expert",
        "CA",
        "ON",
        "America/Toronto",
        (TerritoryRule("CA"),),
    ),
    DemoPartner(
        "Thames Valley IT",
        "thames-valley",
        PartnerType.SOLUTION_PROVIDER,
        "gold",
        "professional",
        "GB",
        "ENG",
        "Europe/London",
        (TerritoryRule("GB"),),
    ),
    DemoPartner(
        "Rhein Consulting",
        "rhein-consulting",
        PartnerType.RESELLER,
        "silver",
        "professional",
        "DE",
        "BY",
        "Europe/Berlin",
        (TerritoryRule("DE"), TerritoryRule("FR")),
    ),
    DemoPartner(
        "Brightside Lead Agency",
        "brightside-agency",
        PartnerType.AGENCY,
        "registered",
        "none",
        "US",
        "NY",
        "America/New_York",
        (TerritoryRule("US"),),
    ),
)


def demo_partners(*, program: Program, now: datetime) -> list[Partner]:
    """Create the demo partners of ``program``'s client and route and work its approved leads.
    The ``partner`` demo user (if it exists) works for ``PORTAL_PARTNER``. One transaction."""
    with transaction.atomic():
        partner_user = User.objects.filter(username="partner").first()
        partners = []
        for index, spec in enumerate(PARTNERS):
            partners.append(
                partner_create(
                    client=program.client,
                    name=spec.name,
                    slug=spec.slug,
                    type=spec.type,
                    program_level=spec.program_level,
                    certification_level=spec.certification_level,
                    country=spec.country,
                    subdivision=spec.subdivision,
                    timezone=spec.timezone,
                    territories=spec.territories,
                    notify_format=spec.notify_format,
                    email=f"leads@{spec.slug}.example",
                    members=[partner_user] if index == PORTAL_PARTNER and partner_user else [],
                    now=now - timedelta(days=200),
                )
            )
        _walk(program, now, random.Random(SEED))
        return partners


def _walk(program: Program, now: datetime, rng: random.Random) -> None:
    approved = list(
        Lead.objects.filter(program=program, status=LeadStatus.APPROVED).order_by(
            "updated_at", "id"
        )
    )
    old, recent = approved[:-OPEN_LEADS], approved[-OPEN_LEADS:]
    for index, lead in enumerate(old):
        at = lead.updated_at + timedelta(hours=1)
        (result,) = leads_route(lead_ids=[lead.pk], now=at)
        if result.partner_id is None:
            continue
        if index == MISSED_INDEX:
            _missed(lead, rng)
        else:
            _close(lead, result.partner_id, at, rng)
    # Open work: routed a few hours ago, in every state of the partner's process.
    routed_at = now - timedelta(hours=3)
    for index, lead in enumerate(recent):
        at = max(routed_at, lead.updated_at + timedelta(minutes=5))
        if at >= now:
            continue
        (result,) = leads_route(lead_ids=[lead.pk], now=at)
        if result.partner_id is not None:
            _work(lead, result.partner_id, index % 4, at, now)


def _worker(partner_id: int) -> User:
    """The partner's user; partners without one get a demo user of their own."""
    partner = Partner.objects.get(pk=partner_id)
    member = partner.members.select_related("user").first()
    if member is not None:
        return member.user
    user = user_create(
        username=f"partner-{partner.slug}",
        password=None,
        email=f"sales@{partner.slug}.example",
        roles=[Role.PARTNER],
    )
    partner_member_add(partner=partner, user=user)
    return user


def _close(lead: Lead, partner_id: int, at: datetime, rng: random.Random) -> None:
    user = _worker(partner_id)
    lead_claim(lead_id=lead.pk, user=user, now=at + timedelta(hours=1))
    if rng.random() < 0.15:
        lead_outcome_record(
            lead_id=lead.pk,
            user=user,
            outcome="not_reached",
            reason="",
            note="Three calls, two e-mails, no answer.",
            now=at + timedelta(hours=5),
        )
        return
    contact = at + timedelta(hours=2)
    lead_contact_record(
        lead_id=lead.pk,
        user=user,
        channel=rng.choice(["phone", "email", "meeting"]),
        at=contact,
        note="Intro call; sent the product sheet.",
        now=contact + timedelta(minutes=10),
    )
    roll = rng.random()
    if roll < 0.4:
        outcome, reason, note = "won", "", "Signed a one-year subscription."
    elif roll < 0.85:
        outcome = "lost"
        reason = rng.choice(["price", "competitor", "no_budget", "timing"])
        note = "Went another way."
    else:
        outcome, reason, note = "nurture", "", "Interested next budget cycle."
    lead_outcome_record(
        lead_id=lead.pk,
        user=user,
        outcome=outcome,
        reason=reason,
        note=note,
        now=contact + timedelta(days=3),
    )


def _work(lead: Lead, partner_id: int, state: int, at: datetime, now: datetime) -> None:
    """Leave the lead assigned (0), claimed (1), contacted (2), or declined and so assigned to
    the next partner (3)."""
    user = _worker(partner_id)
    step = (now - at) / 4
    if state == 0:
        return
    if state == 3:
        lead_decline(
            lead_id=lead.pk,
            user=user,
            reason="no_capacity",
            note="Team at a trade show this week.",
            now=at + step,
        )
        return
    lead_claim(lead_id=lead.pk, user=user, now=at + step)
    if state == 1:
        return
    lead_contact_record(
        lead_id=lead.pk,
        user=user,
        channel="phone",
        at=at + step * 2,
        note="Reached the contact; demo to be scheduled.",
        now=at + step * 3,
    )


def _missed(lead: Lead, rng: random.Random) -> None:
    """A lead its partner never claimed: the sweep at its claim deadline takes it away with a
    warning and routes it on, and the next partner works it to an outcome."""
    assignment = Assignment.objects.active().get(lead=lead)
    swept = assignment.claim_due + timedelta(minutes=1)
    sla_sweep(now=swept)
    following = Assignment.objects.active().filter(lead=lead).first()
    if following is not None:
        _close(lead, following.partner_id, swept, rng)


# --- deal registration (issue 20, item 4) ---------------------------------------------------

#: The prospect the ``partner`` demo user's partner found itself: registered four days before
#: the load, approved by the manager (the demo program asks for approval), qualified (rated A,
#: every BANT fact met), approved by QA and so handed to that partner, protected 90 days.
REGISTERED = Prospect(
    first_name="Priya",
    last_name="Raman",
    email="priya.raman@harbor-freight-analytics.example",
    phone="+1 212 555 0147",
    title="VP Operations",
    company="Harbor Freight Analytics",
    website="harbor-freight-analytics.example",
    country="US",
    state="NY",
    postal_code="10004",
    city="New York",
    note="Met at the NYC logistics meetup; replacing three spreadsheets this quarter.",
    answers={
        "budget": "approved",
        "authority": "decision_maker",
        "need": "established",
        "timeframe_months": 5,
    },
)
#: A second one, registered yesterday, waiting for the manager's decision (rated B).
WAITING = Prospect(
    first_name="Tomás",
    last_name="Ortega",
    email="tomas.ortega@lakeside-cold-storage.example",
    title="Head of IT",
    company="Lakeside Cold Storage",
    country="US",
    state="NJ",
    city="Newark",
    note="Asked for a proposal after our webinar.",
    answers={
        "budget": "preliminary",
        "authority": "specifier",
        "need": "identified",
        "timeframe_months": 8,
    },
)
#: The partner that asks for a prospect another partner already works (a refusal).
REFUSED_PARTNER = 0


def demo_registrations(*, program: Program, actors: dict[str, User], now: datetime) -> None:
    """The program asks for a manager's approval of registrations. The ``partner`` demo user's
    partner registers ``REGISTERED`` (approved, qualified, handed to it and claimed: protected)
    and ``WAITING`` (pending); another partner asks for a lead a third partner works and is
    refused without being told who. Everything through the services, in the past; nothing
    falls due at the load."""
    with transaction.atomic():
        registration_terms_set(program=program, protection_days=90, approval_required=True)
        partner = Partner.objects.get(client=program.client, slug=PARTNERS[PORTAL_PARTNER].slug)
        user = _worker(partner.pk)
        registered = deal_register(
            partner=partner,
            program=program,
            prospect=REGISTERED,
            user=user,
            now=now - timedelta(days=4),
        )
        registration_decide(
            registration=registered,
            approve=True,
            user=actors["manager"],
            reason="Their own prospect, met at an event: keep it with them.",
            now=now - timedelta(days=4) + timedelta(hours=2),
        )
        lead = Lead.objects.get(pk=int(registered.lead_id or 0))
        steps = (
            (Action.START_QUALIFYING, "qualifier", now - timedelta(days=3)),
            (Action.SUBMIT_FOR_REVIEW, "qualifier", now - timedelta(days=3, hours=-2)),
            (Action.APPROVE, "reviewer", now - timedelta(hours=6)),
        )
        for action, actor, at in steps:
            lead_transition(lead=lead, action=action, actor=actors[actor], now=at)
        registered_hand_over(lead_ids=[lead.pk], now=now - timedelta(hours=6))
        lead_claim(lead_id=lead.pk, user=user, now=now - timedelta(hours=5))
        deal_register(
            partner=partner,
            program=program,
            prospect=WAITING,
            user=user,
            now=now - timedelta(hours=20),
        )
        _refused(program, now - timedelta(hours=1))


def _refused(program: Program, at: datetime) -> None:
    """``REFUSED_PARTNER`` registers the prospect of the first lead another partner works
    (assigned, claimed or contacted before ``at``): refused, as held by a partner."""
    asking = Partner.objects.get(client=program.client, slug=PARTNERS[REFUSED_PARTNER].slug)
    held = (
        Assignment.objects.active()
        .filter(lead__program=program, lead__status__in=PARTNER_HELD, assigned_at__lt=at)
        .exclude(partner=asking)
        .exclude(lead__email="")
        .select_related("lead")
        .order_by("lead_id")
        .first()
    )
    if held is None:
        return
    found = held.lead
    deal_register(
        partner=asking,
        program=program,
        prospect=Prospect(
            first_name=found.first_name,
            last_name=found.last_name,
            email=found.email,
            company=found.company,
            note="Met them at a trade show.",
        ),
        user=_worker(asking.pk),
        now=at,
    )
