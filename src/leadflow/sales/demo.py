"""The demo's sales follow-up (issue 15, item 10): in each demo program, leads at each step of
the sales follow-up, made with the real services at the times things would have happened:
a lead whose inquiry flow started days ago (its calls overdue), one started today (due today
and upcoming), a returned needs assessment, a remote demo done and an on-site demo scheduled
three weeks out, a proposal waiting for Finance, a proposal approved by the named steps, sent
and won (a reference used on it), and the client's references (one at its quarter's limit).
Field sales (the ``partner`` demo user) get the tasks of an open lead assigned to its partner,
inside sales (the ``qualifier`` demo user) the rest.

Idempotent: a program that has its sales settings already is left as it is."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import Lead
from leadflow.leads.selectors import lead_scope
from leadflow.programs.models import Program
from leadflow.sales.models import Proposal, Reference, SalesSettings, Task
from leadflow.sales.services.assessments import (
    assessment_outcome_record,
    assessment_return,
    assessment_send,
)
from leadflow.sales.services.demos import demo_outcome_record, demo_schedule
from leadflow.sales.services.kits import kit_create, kit_send
from leadflow.sales.services.proposals import (
    proposal_create,
    proposal_decide,
    proposal_send,
    proposal_won,
)
from leadflow.sales.services.references import reference_create, reference_use
from leadflow.sales.services.tasks import lead_flow_start, task_create, task_done

#: The statuses of a lead that sales follow up: taken up by a qualifier (the inquiry flow starts
#: then), or handed off (approved, delivered, with a partner).
FOLLOWED = (
    LeadStatus.QUALIFYING,
    LeadStatus.APPROVED,
    LeadStatus.DELIVERED,
    LeadStatus.ASSIGNED,
    LeadStatus.CLAIMED,
    LeadStatus.CONTACTED,
)
STEPS = ("VP Sales and Marketing", "Finance", "Technical")
#: How far back the follow-up story of a lead goes at most (see ``when``).
STORY = timedelta(days=31)
KIT_BODY = """Hello {{ first_name|default:"there" }},

thank you for your call. As promised, our product overview and two customer stories are
at https://www.example.com/overview

Kind regards,
The {{ program }} team"""
ASSESSMENT = """Needs assessment, returned by the prospect
Current tools: spreadsheets and a legacy CRM
Users: 40 in sales, 6 in finance
Budget: approved for next quarter
Decision: the IT director with the CFO
"""
#: Each demo client's reference customers: name, contact, products, industry, region.
REFERENCES = (
    (
        (
            "Initrode Manufacturing",
            "Bill Lumbergh",
            "Analytics, Reporting",
            "Manufacturing",
            "US-TX",
        ),
        ("Vandelay Industries", "Art Vandelay", "CRM, Analytics", "Logistics", "US-NY"),
        ("Hooli Health", "Gavin Belson", "Reporting", "Healthcare", "US-CA"),
        ("Stark Energie GmbH", "Pepper Potts", "Analytics", "Energy", "DE-BY"),
    ),
    (
        ("Globex Retail", "Hank Scorpio", "Dashboards, Forecasting", "Retail", "US-IL"),
        ("Wonka Foods", "Charlie Bucket", "Forecasting", "Manufacturing", "GB-ENG"),
        ("Soylent Logistics", "Sol Roth", "Dashboards", "Logistics", "US-NY"),
        (
            "Tyrell Financial",
            "Rachael Rosen",
            "Dashboards, Data warehouse",
            "Financial services",
            "CA-ON",
        ),
    ),
)


@dataclass(frozen=True)
class DemoSales:
    programs: list[Program]
    tasks: int
    proposals: int


def _quarter(moment: datetime) -> datetime:
    """The next quarter hour from ``moment`` (itself when it is one): tasks due at 10:15, not
    at 10:13:47."""
    up = (moment + timedelta(minutes=14, seconds=59, microseconds=999_999)).replace(
        second=0, microsecond=0
    )
    return up - timedelta(minutes=up.minute % 15)


def _local(program: Program, day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), ZoneInfo(program.client.timezone or "UTC"))


def _leads(program: Program, actors: Mapping[str, User]) -> list[tuple[Lead, User]]:
    """Six of the program's leads in sales' hands, untouched the longest first (the same on
    every load), each with who follows it up: the third (its follow-up overdue) one the
    partner's user holds, when its partner holds one open (field sales), inside sales for the
    others."""
    inside = actors["qualifier"]
    field = actors.get("partner")
    held = (
        lead_scope(user=field)
        .filter(program=program, status__in=FOLLOWED)
        .order_by("updated_at", "id")
        .first()
        if field is not None
        else None
    )
    others = list(
        lead_scope(user=inside)
        .filter(program=program, status__in=FOLLOWED)
        .exclude(pk__in=[held.pk] if held else [])
        .order_by("updated_at", "id")[: 5 if held else 6]
    )
    followed = [(lead, inside) for lead in others]
    if held is not None and field is not None:
        followed.insert(2, (held, field))
    return followed


def _settings(program: Program, actors: Mapping[str, User]) -> None:
    SalesSettings.objects.create(
        program=program,
        approval_steps=[
            {"name": STEPS[0], "users": [actors["manager"].pk]},
            {"name": STEPS[1], "users": [actors["admin"].pk]},
            {"name": STEPS[2], "role": Role.REVIEWER},
        ],
    )


def _references(program: Program, actor: User, now: datetime, index: int) -> list[Reference]:
    if Reference.objects.filter(client=program.client).exists():
        return list(Reference.objects.filter(client=program.client).order_by("id"))
    return [
        reference_create(
            client=program.client,
            customer=customer,
            actor=actor,
            now=now - timedelta(days=60),
            willing_until=(now + timedelta(days=200)).date(),
            contact_name=contact,
            contact_email=contact.split()[0].lower()
            + "@"
            + customer.split()[0].lower()
            + ".example",
            products=products,
            industry=industry,
            region=region,
            notes="Happy to take a 20-minute call; prefers mornings.",
        )
        for customer, contact, products, industry, region in REFERENCES[index % len(REFERENCES)]
    ]


def _approve(proposal: Proposal, actors: Mapping[str, User], at: Mapping[str, datetime]) -> None:
    """The steps of ``at`` approved by the demo's approvers, each at its time."""
    people = {STEPS[0]: actors["manager"], STEPS[1]: actors["admin"], STEPS[2]: actors["reviewer"]}
    for step, moment in at.items():
        proposal_decide(
            proposal=proposal,
            step=step,
            decision="approved",
            note="Pricing within the agreed band." if step == STEPS[1] else "",
            actor=people[step],
            now=moment,
        )


def _program(
    program: Program, actors: Mapping[str, User], now: datetime, index: int
) -> tuple[int, int]:
    leads = _leads(program, actors)
    if len(leads) < 6:
        return 0, 0
    _settings(program, actors)
    kit = kit_create(
        program=program,
        name="Product overview",
        subject='{{ first_name|default:"Hello" }}, the overview you asked for',
        body=KIT_BODY,
        now=now - timedelta(days=90),
    )
    references = _references(program, actors["manager"], now, index)
    # The longest stories go to the leads untouched the longest.
    (won, _), (demo_lead, _), (overdue, field) = leads[0], leads[1], leads[2]
    waiting, assessed, fresh = (lead for lead, _ in leads[3:6])
    seller = leads[5][1]
    zone = program.client.timezone or "UTC"
    tasks = 0

    def when(lead: Lead, fraction: float) -> datetime:
        """A moment of the lead's story: ``fraction`` of the way from its last change (or
        ``STORY`` ago) to now, so every step comes after the lead's own history."""
        start = max(lead.updated_at + timedelta(minutes=1), now - STORY)
        moment = start + (now - start) * fraction
        quarter = _quarter(moment)
        return quarter if quarter <= now else moment

    # Open and overdue: the oldest lead's inquiry flow started long ago, nothing done since.
    tasks += len(lead_flow_start(lead=overdue, owner=field, actor=None, now=when(overdue, 0)))
    # Today and upcoming: started this morning (or since the lead last changed).
    tasks += len(lead_flow_start(lead=fresh, owner=seller, actor=None, now=when(fresh, 0.9)))
    # Demos and proposals: inside sales, who see every lead of the programs.
    seller = actors["qualifier"]
    task_create(
        lead=fresh,
        kind="follow_up_call",
        owner=seller,
        due_at=_quarter(now + timedelta(hours=1)),
        title="Call back as promised",
        actor=seller,
        now=when(fresh, 0.95),
    )
    # A needs assessment sent, returned with the prospect's answers, routed to a remote demo.
    assessment = assessment_send(
        lead=assessed,
        actor=seller,
        now=when(assessed, 0.2),
        completion_date=when(assessed, 0.6).date(),
    )
    assessment = assessment_return(
        assessment=assessment,
        actor=seller,
        now=when(assessed, 0.7),
        document=SimpleUploadedFile(
            "needs-assessment.txt", ASSESSMENT.encode(), content_type="text/plain"
        ),
    )
    assessment_outcome_record(
        assessment=assessment, outcome="remote_demo", actor=seller, now=when(assessed, 0.8)
    )
    tasks += 1

    # A remote demo done, and the on-site demo that came out of it, three weeks out.
    # At 15:00 on the day halfway through the story, when that fits in it.
    day = when(demo_lead, 0.5).astimezone(ZoneInfo(zone)).date()
    day -= timedelta(days=max(day.weekday() - 4, 0))  # a weekend's demo on the Friday before
    starts = _local(program, day, 15)
    if not when(demo_lead, 0.2) < starts < when(demo_lead, 0.7) - timedelta(hours=1):
        starts = when(demo_lead, 0.5)
    remote = demo_schedule(
        lead=demo_lead,
        kind="remote",
        starts_at=starts,
        ends_at=min(starts + timedelta(hours=1), when(demo_lead, 0.6)),
        timezone=zone,
        participants=[demo_lead.email, seller.email],
        objectives="Show the reporting and the CRM hand-off.",
        meeting_url="https://meet.example.com/northwind-demo",
        actor=seller,
        now=when(demo_lead, 0.2),
    )
    demo_outcome_record(
        demo=remote,
        outcome="Good fit; they want to see it with their own data on site.",
        next_step="hands_on_demo",
        actor=seller,
        now=when(demo_lead, 0.7),
    )
    on_site_day = _local(program, (now + timedelta(days=21)).date(), 10)
    demo_schedule(
        lead=demo_lead,
        kind="on_site",
        starts_at=on_site_day,
        ends_at=on_site_day + timedelta(hours=2),
        timezone=zone,
        participants=[demo_lead.email, seller.email, actors["manager"].email],
        objectives="Hands-on session with the prospect's own data; meet the IT director.",
        location=f"{demo_lead.company}, {demo_lead.city or 'head office'}",
        actor=seller,
        now=when(demo_lead, 0.8),
    )

    # A proposal waiting for Finance: the VP and Technical have approved.
    pending = proposal_create(
        lead=waiting,
        amount=Decimal("48000.00"),
        currency="USD",
        due_date=(now + timedelta(days=30)).date(),
        title="Analytics roll-out, 50 seats",
        actor=seller,
        now=when(waiting, 0.3),
    )
    _approve(pending, actors, {STEPS[0]: when(waiting, 0.5), STEPS[2]: when(waiting, 0.6)})

    # A proposal approved by the named steps, sent and won, with a reference used on it.
    kit_send(kit=kit, lead=won, actor=seller, now=when(won, 0.05))
    signed = proposal_create(
        lead=won,
        amount=Decimal("36000.00"),
        currency="USD",
        title="Reporting, 30 seats",
        actor=seller,
        now=when(won, 0.1),
    )
    _approve(signed, actors, {step: when(won, 0.2 + n / 20) for n, step in enumerate(STEPS)})
    reference_use(proposal=signed, reference=references[0], actor=seller, now=when(won, 0.35))
    proposal_send(proposal=signed, actor=seller, now=when(won, 0.4))
    follow_up = Task.objects.filter(proposal=signed, state="open").first()
    if follow_up is not None:
        task_done(task=follow_up, actor=seller, now=when(won, 0.6), outcome="Signed")
    proposal_won(proposal=signed, amount=Decimal("34500.00"), actor=seller, now=when(won, 0.8))

    # The first reference at its limit this quarter: a second proposal used it too.
    reference_use(proposal=pending, reference=references[0], actor=seller, now=when(waiting, 0.7))
    return tasks, 2


def demo_sales(*, programs: list[Program], actors: Mapping[str, User], now: datetime) -> DemoSales:
    """Each program's sales follow-up (see the module); programs with sales settings are
    skipped."""
    done: list[Program] = []
    tasks = proposals = 0
    for index, program in enumerate(programs):
        if SalesSettings.objects.filter(program=program).exists():
            continue
        made_tasks, made_proposals = _program(program, actors, now, index)
        if made_tasks:
            done.append(program)
        tasks += made_tasks
        proposals += made_proposals
    return DemoSales(programs=done, tasks=tasks, proposals=proposals)
