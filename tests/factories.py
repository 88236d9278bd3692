"""The builders of the suite's objects, in one place, each going through the real services.

A test's setup then exercises the same write paths as the product (the ``created`` event of a
lead, the published criteria of a program, the scope of a user), and a change to a service
breaks the builders once instead of in every app's ``conftest.py``. The fixtures in the
``conftest.py`` files are thin wrappers over these functions that add numbering and defaults.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Max

from leadflow.accounts.models import Role, User
from leadflow.accounts.services import user_create
from leadflow.core.lifecycle import Action
from leadflow.core.routing import TerritoryRule
from leadflow.core.schedule import Frequency
from leadflow.delivery.models import Delivery, DeliveryItem, DeliveryKind, DeliverySchedule
from leadflow.delivery.services import ScheduleSettings, schedule_save
from leadflow.leads.models import CallOutcome, Lead
from leadflow.leads.services import LeadInput, lead_create, lead_transition
from leadflow.leads.services.calls import call_record
from leadflow.leads.services.queue import lead_hold, lead_submit_for_review
from leadflow.partners.models import Partner
from leadflow.partners.services import partner_create
from leadflow.programs.models import Client, HandOffMode, Program
from leadflow.programs.services import client_create, program_create

#: The suite's "now": Monday 2 November 2026, 14:30 UTC (09:30 in New York).
NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)

#: Answers that qualify a lead to each rating under the default criteria.
HOT: dict[str, object] = {
    "budget": "approved",
    "authority": "decision_maker",
    "need": "established",
    "timeframe_months": 2,
}
A: dict[str, object] = {
    "budget": "approved",
    "authority": "none",
    "need": "none",
    "timeframe_months": 5,
}
B: dict[str, object] = {
    "budget": "none",
    "authority": "none",
    "need": "none",
    "timeframe_months": 8,
}
C: dict[str, object] = {"budget": "none", "authority": "none", "need": "identified"}
FYI: dict[str, object] = {}
ANSWERS: dict[str, dict[str, object]] = {"hot": HOT, "a": A, "b": B, "c": C, "fyi": FYI}

#: The contact of a lead when a test does not care who it is.
ADA: dict[str, Any] = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "company": "Analytical Engines Ltd",
}

#: The lifecycle steps that bring a new lead to each status.
STEPS_TO: dict[str, tuple[Action, ...]] = {
    "new": (),
    "in_review": (Action.SUBMIT_FOR_REVIEW,),
    "approved": (Action.SUBMIT_FOR_REVIEW, Action.APPROVE),
    "delivered": (Action.SUBMIT_FOR_REVIEW, Action.APPROVE, Action.DELIVER),
}


def numbered_contact(number: int) -> dict[str, Any]:
    """A distinct contact per number, for tests that make many leads and tell them apart."""
    return {
        "first_name": f"First{number}",
        "last_name": f"Last{number}",
        "email": f"lead{number}@example.com",
        "company": f"Company {number}",
    }


def client_acme() -> Client:
    """Client A: a US client, in New York time."""
    return client_create(name="Acme Corp", slug="acme", timezone="America/New_York", country="US")


def client_globex() -> Client:
    """Client B: a German client, in Berlin time."""
    return client_create(name="Globex", slug="globex", timezone="Europe/Berlin", country="DE")


def program(
    *,
    client: Client,
    name: str,
    slug: str,
    hand_off_mode: HandOffMode = HandOffMode.DELIVERY,
    now: datetime = NOW,
    **fields: Any,
) -> Program:
    """A program with the default criteria published as version 1."""
    return program_create(
        client=client,
        name=name,
        slug=slug,
        hand_off_mode=hand_off_mode,
        actor=None,
        now=now,
        **fields,
    )


def user(
    *,
    username: str,
    roles: Iterable[Role] = (),
    programs: Iterable[Program] = (),
    clients: Iterable[Client] = (),
    email: str = "",
    password: str = "not-used-123",
) -> User:
    """A user with roles and the scope they work in."""
    return user_create(
        username=username,
        password=password,
        email=email,
        roles=roles,
        programs=programs,
        clients=clients,
    )


def lead(
    *,
    program: Program,
    answers: dict[str, object] | None = None,
    actor: User | None = None,
    at: datetime = NOW,
    **fields: Any,
) -> Lead:
    """A captured lead, qualified by the program's criteria: Ada Lovelace with Hot answers
    unless told otherwise (any contact field may be given)."""
    data = LeadInput(answers=dict(HOT if answers is None else answers), **{**ADA, **fields})
    return lead_create(program=program, data=data, actor=actor, now=at)


def lead_walk(lead: Lead, actions: Iterable[Action], *, at: datetime = NOW) -> Lead:
    """The lead taken through ``actions`` of the lifecycle, by the system."""
    for action in actions:
        lead = lead_transition(lead=lead, action=action, actor=None, now=at)
    return lead


def rated_lead(
    *,
    program: Program,
    rating: str,
    status: str = "approved",
    qualifying: bool = False,
    captured: datetime = NOW,
    approved: datetime | None = None,
    **fields: Any,
) -> Lead:
    """A lead whose answers give ``rating``, captured at ``captured`` and walked to ``status``
    at ``approved`` (default: when captured); ``qualifying`` passes through a qualifier's
    hands first, as the partner tests want."""
    made = lead(program=program, answers=ANSWERS[rating], at=captured, **fields)
    assert made.rating == rating, made.explanation
    steps = STEPS_TO[status]
    if qualifying and steps:
        steps = (Action.START_QUALIFYING, *steps)
    return lead_walk(made, steps, at=approved or captured)


def submitted_lead(
    *,
    program: Program,
    qualifier: User,
    answers: dict[str, object] | None = None,
    outcome: CallOutcome | None = CallOutcome.CONNECTED,
    at: datetime = NOW,
    **fields: Any,
) -> Lead:
    """A lead a qualifier held, called (unless ``outcome`` is None) and submitted for review
    at ``at``, through the queue services."""
    made = lead(program=program, answers=answers, **fields)
    lead_hold(lead=made, user=qualifier, now=at)
    if outcome is not None:
        call_record(lead=made, caller=qualifier, outcome=outcome, note="Spoke", now=at)
    return lead_submit_for_review(lead=made, user=qualifier, now=at)


def delivery(
    *,
    program: Program,
    leads: Sequence[Lead],
    at: datetime,
    kind: DeliveryKind = DeliveryKind.BATCH,
    actor: User | None = None,
) -> Delivery:
    """Record one delivery of ``leads`` (in order) at ``at``; each lead is reviewed, approved
    and delivered through the lifecycle first.

    The ``Delivery`` and its items are written here rather than by ``delivery_create``, which
    also fills replacements, writes files and queues the e-mail: the guarantee tests need a
    delivery that happened, not the delivery app's batch logic."""
    for item in leads:
        lead_walk(item, STEPS_TO["delivered"], at=at)
    last = Delivery.objects.filter(program=program).aggregate(last=Max("number"))["last"] or 0
    recorded = Delivery.objects.create(
        program=program,
        kind=kind,
        number=last + 1,
        created_at=at,
        created_by=actor,
        lead_count=len(leads),
    )
    DeliveryItem.objects.bulk_create(
        DeliveryItem(delivery=recorded, lead=item, position=position)
        for position, item in enumerate(leads, start=1)
    )
    return recorded


def delivery_schedule(
    *, program: Program, now: datetime = NOW, **settings: Any
) -> DeliverySchedule:
    """The program's delivery schedule saved through the service (weekly on Monday unless
    told otherwise)."""
    settings.setdefault("frequency", Frequency.WEEKLY)
    settings.setdefault("weekday", 0)
    return schedule_save(
        program=program, settings=ScheduleSettings(**settings), actor=None, now=now
    )


def partner(
    *,
    client: Client,
    number: int,
    members: Sequence[User] = (),
    name: str | None = None,
    territories: Sequence[TerritoryRule] = (TerritoryRule("US"),),
    **fields: Any,
) -> Partner:
    """Partner number ``number`` of ``client``, in California unless told otherwise."""
    fields.setdefault("country", "US")
    fields.setdefault("subdivision", "CA")
    fields.setdefault("timezone", "America/Los_Angeles")
    return partner_create(
        client=client,
        name=name or f"Partner {number}",
        slug=f"partner-{number}",
        territories=territories,
        members=members,
        now=NOW,
        **fields,
    )


def member(partner: Partner) -> User:
    """The first user of a partner."""
    return partner.members.select_related("user").order_by("id")[0].user


@dataclass
class Team:
    """One user per role around ``program``, and a manager of another program."""

    manager: User
    marketer: User
    qualifier: User
    reviewer: User
    client_contact: User
    partner: User
    outsider: User


@dataclass
class Leads:
    """One lead of each rating in ``program`` (with names the pages can be searched for), and a
    Hot lead of another program."""

    hot: Lead
    a: Lead
    b: Lead
    c: Lead
    fyi: Lead
    foreign: Lead


def leads_of_every_rating(*, program: Program, other_program: Program) -> Leads:
    return Leads(
        hot=lead(program=program, answers=HOT, first_name="Hedy", last_name="Lamarr",
                 email="hedy@frequency.example", company="Frequency Hopping Inc",
                 campaign="EVT-1"),
        a=lead(program=program, answers=A, first_name="Grace", last_name="Hopper",
               email="grace@cobol.example", company="Cobol Systems", campaign="WEB-1"),
        b=lead(program=program, answers=B, first_name="Alan", last_name="Turing",
               email="alan@bletchley.example", company="=HYPERLINK(\"http://x\")",
               campaign="WEB-1"),
        c=lead(program=program, answers=C, first_name="Katherine", last_name="Johnson",
               email="kj@nasa.example", company="Orbit Math"),
        fyi=lead(program=program, answers=FYI, first_name="Barbara", last_name="Liskov",
                 email="bl@clu.example", company="Substitution LLC"),
        foreign=lead(program=other_program, answers=HOT, first_name="Elsewhere",
                     last_name="Person", email="else@globex.example", company="Globex Buyer"),
    )  # fmt: skip
