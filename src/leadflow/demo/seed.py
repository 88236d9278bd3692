"""The demo data set: two clients, one program of each hand-off mode, a user per role, and
about 500 leads from the last six months walked through the lifecycle by the real services.

Everything is made with a seeded Faker and a seeded random generator, so two loads on two
machines give the same people, companies and answers (dates are relative to the load time).
"""

import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from faker import Faker

from leadflow.accounts.models import Role, User
from leadflow.accounts.services import roles_ensure, user_create
from leadflow.appointments.demo import demo_appointments
from leadflow.billing.demo import demo_billing
from leadflow.core.enums import Channel, DisqualificationReason, InquiryType, Rating
from leadflow.core.lifecycle import Action
from leadflow.delivery.demo import demo_deliveries
from leadflow.demo.catch_up import (
    demo_alerts_catch_up,
    demo_report_mail_catch_up,
    demo_weekly_status_catch_up,
)
from leadflow.leads.models import Lead
from leadflow.leads.services import LeadInput, lead_create, lead_disqualify, lead_transition
from leadflow.lib.events import replaying_history
from leadflow.notifications.services import outbox_history_mark_sent, outbox_last_id
from leadflow.nurture.demo import demo_nurture
from leadflow.partners.demo import demo_partners, demo_registrations
from leadflow.programs.models import Client, HandOffMode, Program
from leadflow.programs.selectors import program_published_criteria
from leadflow.programs.services import client_create, program_create
from leadflow.reports.services.refresh import facts_refresh
from leadflow.sales.demo import demo_sales

SEED = 2026
LEAD_COUNT = 500
#: The leads the partners registered themselves (``partners.demo.demo_registrations``).
REGISTERED_LEADS = 2
PARTNERS_SLUG = "demo-partners"
DELIVERY_SLUG = "demo-delivery"
USERNAMES = ("admin", "marketer", "qualifier", "reviewer", "manager", "partner", "client")
#: How often the load reports how many leads it has made (plain lines, not a flood).
PROGRESS_EVERY = 100

#: Told each step of the load as a line of plain text ("Creating 500 leads … 100/500").
Progress = Callable[[str], None]


def _quiet(line: str) -> None:
    pass


def demo_password(username: str) -> str:
    return f"{username}-demo"


@dataclass(frozen=True)
class DemoResult:
    created: bool
    leads: int
    logins: tuple[tuple[str, str, str], ...]  # username, password, role


CHANNEL_WEIGHTS = {
    Channel.WEB: 30,
    Channel.EVENT: 15,
    Channel.PURCHASED_LIST: 15,
    Channel.REFERRAL: 10,
    Channel.SALES_PROSPECTING: 10,
    Channel.DIRECT_MAIL: 6,
    Channel.PRINT_ADVERTISEMENT: 5,
    Channel.PUBLIC_RELATIONS: 5,
    Channel.OTHER: 4,
}
CAMPAIGNS = {
    Channel.WEB: ["WEB-TRIAL-26", "WEB-WHITEPAPER-26", "WEB-PRICING"],
    Channel.EVENT: ["EVT-DATASUMMIT-26", "EVT-CLOUDEXPO-26"],
    Channel.PURCHASED_LIST: ["LIST-IT-DIRECTORS-Q2", "LIST-CFO-Q3"],
    Channel.REFERRAL: ["REF-CUSTOMER"],
    Channel.SALES_PROSPECTING: ["SP-OUTBOUND-NA", "SP-OUTBOUND-EMEA"],
    Channel.DIRECT_MAIL: ["DM-POSTCARD-26"],
    Channel.PRINT_ADVERTISEMENT: ["PRINT-CIO-MAG"],
    Channel.PUBLIC_RELATIONS: ["PR-LAUNCH-26"],
    Channel.OTHER: [""],
}
PLACES = [
    ("US", ["CA", "NY", "TX", "IL", "WA", "MA", "GA", "FL"], "en_US", 55),
    ("CA", ["ON", "BC", "QC"], "en_CA", 10),
    ("GB", ["ENG", "SCT"], "en_GB", 15),
    ("DE", ["BY", "BE", "NW", "HE"], "de_DE", 12),
    ("FR", [""], "fr_FR", 8),
]
INDUSTRIES = [
    "Software",
    "Manufacturing",
    "Financial services",
    "Healthcare",
    "Retail",
    "Logistics",
    "Education",
    "Energy",
    "Telecommunications",
    "Public sector",
]
SIZES = ["1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+"]
ENVIRONMENTS = ["On-premises ERP", "Spreadsheets", "Legacy CRM", "Competitor SaaS", "In-house tool"]
PROJECTS = ["CRM replacement", "Data warehouse", "Sales analytics roll-out", "Cloud migration", ""]
TITLES = [
    "IT Director",
    "CIO",
    "CFO",
    "Head of Sales Operations",
    "VP Marketing",
    "Procurement Manager",
    "Data Engineer",
    "Office Manager",
    "Student",
    "CTO",
]


def _pick(rng: random.Random, weights: dict[Channel, int]) -> Channel:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _answers(rng: random.Random) -> dict[str, object]:
    answers: dict[str, object] = {
        "budget": rng.choices(["none", "preliminary", "approved"], [45, 35, 20])[0],
        "authority": rng.choices(
            ["none", "influencer", "specifier", "decision_maker"], [20, 30, 25, 25]
        )[0],
        "need": rng.choices(["none", "identified", "established"], [30, 40, 30])[0],
    }
    timeframe = rng.choices([None, 1, 2, 3, 5, 6, 8, 9, 12, 18], [25, 8, 8, 8, 9, 9, 8, 8, 9, 8])[0]
    if timeframe is not None:
        answers["timeframe_months"] = timeframe
    return answers


def _lead_input(
    rng: random.Random, fakers: dict[str, Faker], addresses: dict[str, Faker], index: int
) -> LeadInput:
    country, subdivisions, locale, _ = rng.choices(PLACES, [p[3] for p in PLACES])[0]
    fake = fakers[locale]
    # Street and city from fakers of their own, so the names and companies drawn above stay
    # what they were before the demo had postal addresses.
    place = addresses[locale]
    first, last = fake.first_name(), fake.last_name()
    company = fake.company()
    domain = "".join(ch for ch in company.lower() if ch.isalnum())[:20] + rng.choice(
        [".com", ".io", ".net", f".{country.lower()}"]
    )
    channel = _pick(rng, CHANNEL_WEIGHTS)
    return LeadInput(
        first_name=first,
        last_name=last,
        title=rng.choice(TITLES),
        email=f"{first}.{last}@{domain}".lower().replace(" ", ""),
        phone=fake.phone_number(),
        company=company,
        website=f"https://www.{domain}",
        company_size=rng.choice(SIZES),
        industry=rng.choice(INDUSTRIES),
        country=country,
        subdivision=rng.choice(subdivisions),
        postal_code=fake.postcode(),
        street=place.street_address(),
        city=place.city(),
        channel=channel,
        campaign=rng.choice(CAMPAIGNS[channel]),
        inquiry_type=rng.choices(list(InquiryType), [40, 25, 25, 10])[0],
        external_id=f"demo-{index:04d}",
        profile={
            "current_environment": rng.choice(ENVIRONMENTS),
            "pending_projects": rng.choice(PROJECTS),
            "budget_cycle": rng.choice(["Q1", "Q2", "Q3", "Q4", "fiscal year start"]),
            "follow_up_method": rng.choice(["phone", "email", "meeting"]),
        },
        answers=_answers(rng),
    )


class _NotYet(Exception):
    """The next step of a walk would fall after ``now``: the lead stays where it is."""


class _Walker:
    """Moves one lead along a plausible path through the lifecycle, never past ``now``."""

    def __init__(self, rng: random.Random, now: datetime, actors: dict[str, User]) -> None:
        self.rng, self.now, self.actors = rng, now, actors

    def walk(self, lead: Lead, program: Program) -> None:
        with contextlib.suppress(_NotYet):
            self._walk(lead, program)

    def _walk(self, lead: Lead, program: Program) -> None:
        rng = self.rng
        at = lead.created_at
        age_days = (self.now - at).days
        if age_days < 2 and rng.random() < 0.6:
            return  # fresh inquiries wait in the queue
        at = self._step(lead, Action.START_QUALIFYING, at, "qualifier")
        if age_days < 3 and rng.random() < 0.5:
            return
        if rng.random() < 0.06:
            reason = rng.choice(
                [r for r in DisqualificationReason if r is not DisqualificationReason.UNSPECIFIED]
            )
            lead_disqualify(lead=lead, reason=reason, actor=self.actors["qualifier"], now=at)
            return
        rating = Rating(lead.rating) if lead.rating else None
        if rating == Rating.FYI:
            action = Action.DEAD_FILE if rng.random() < 0.6 else Action.NURTURE
            self._step(lead, action, at, "qualifier")
            return
        if rating == Rating.C:
            self._step(lead, Action.NURTURE, at, "qualifier")
            return
        at = self._step(lead, Action.SUBMIT_FOR_REVIEW, at, "qualifier")
        if age_days < 5 and rng.random() < 0.5:
            return
        if rng.random() < 0.15:
            push_back = rng.choice(
                ["Authority not confirmed", "Time frame unclear", "Wrong contact"]
            )
            at = self._step(lead, Action.PUSH_BACK, at, "reviewer", reason=push_back)
            if rng.random() < 0.5:
                return
            at = self._step(lead, Action.SUBMIT_FOR_REVIEW, at, "qualifier")
        self._step(lead, Action.APPROVE, at, "reviewer")
        # The hand-off (deliveries, partner routing) is replayed by its own apps afterwards.

    def _step(
        self, lead: Lead, action: Action, at: datetime, actor: str | None, reason: str = ""
    ) -> datetime:
        later = at + timedelta(hours=self.rng.uniform(1, 60))
        if later >= self.now:
            raise _NotYet
        lead_transition(
            lead=lead,
            action=action,
            actor=self.actors[actor] if actor else None,
            now=later,
            reason=reason,
        )
        lead.refresh_from_db(fields=["status"])
        return later


def _logins() -> tuple[tuple[str, str, str], ...]:
    labels = dict(Role.choices)
    return tuple((username, demo_password(username), labels[username]) for username in USERNAMES)


def demo_loaded() -> bool:
    return Program.objects.filter(slug__in=[PARTNERS_SLUG, DELIVERY_SLUG]).exists()


def demo_load(*, now: datetime, progress: Progress = _quiet) -> DemoResult:
    """Load the demo data once; a second call finds it and changes nothing.

    The e-mails and webhooks its six months of history queued are recorded as sent when they
    were queued: they belong to the past the demo tells, and a worker starting afterwards has
    nothing of it to send (nor to print, with the console e-mail backend). The alerts the
    scheduler would have raised during those months are raised at their due times first
    (``demo.catch_up``), so its first ticks find nothing waiting too long either."""
    if demo_loaded():
        leads = Lead.objects.filter(program__slug__in=[PARTNERS_SLUG, DELIVERY_SLUG]).count()
        return DemoResult(created=False, leads=leads, logins=_logins())
    with transaction.atomic(), replaying_history():
        before = outbox_last_id()
        result = _create(now=now, progress=progress)
        outbox_history_mark_sent(after_id=before)
        return result


def _create(*, now: datetime, progress: Progress) -> DemoResult:
    roles_ensure()
    rng = random.Random(SEED)
    fakers = {locale: Faker(locale) for _, _, locale, _ in PLACES}
    for index, fake in enumerate(fakers.values()):
        fake.seed_instance(SEED + index)
    addresses = {locale: Faker(locale) for locale in fakers}
    for index, place in enumerate(addresses.values()):
        place.seed_instance(SEED + 100 + index)

    started = now - timedelta(days=182)
    vendor = client_create(
        name="Northwind Systems", slug="northwind", timezone="America/Chicago", country="US"
    )
    agency_client = client_create(
        name="Contoso Analytics", slug="contoso", timezone="America/New_York", country="US"
    )
    programs = [
        program_create(
            client=vendor,
            name="Northwind Partner Program",
            slug=PARTNERS_SLUG,
            hand_off_mode=HandOffMode.PARTNERS,
            actor=None,
            now=started,
        ),
        program_create(
            client=agency_client,
            name="Contoso Demand Generation",
            slug=DELIVERY_SLUG,
            hand_off_mode=HandOffMode.DELIVERY,
            actor=None,
            now=started,
        ),
    ]
    actors = _users(programs, vendor, agency_client)
    published = {p.pk: program_published_criteria(program=p) for p in programs}
    walker = _Walker(rng, now, actors)
    progress(f"Creating {LEAD_COUNT} leads …")
    for index in range(LEAD_COUNT):
        program = programs[index % 2]
        captured = started + timedelta(seconds=rng.uniform(0, (now - started).total_seconds()))
        lead = lead_create(
            program=program,
            data=_lead_input(rng, fakers, addresses, index),
            actor=None,
            now=captured,
            published=published[program.pk],
        )
        walker.walk(lead, program)
        if (index + 1) % PROGRESS_EVERY == 0:
            progress(f"Creating {LEAD_COUNT} leads … {index + 1}/{LEAD_COUNT}")
    progress("Routing the partner program's leads …")
    demo_partners(program=programs[0], now=now)
    progress("Delivering the agency program's leads …")
    demo_deliveries(program=programs[1], now=now)
    demo_billing(program=programs[1], since=started, now=now)
    progress("Nurture sequences and sales follow-up …")
    demo_nurture(programs=programs, actors=actors, now=now)
    demo_sales(programs=programs, actors=actors, now=now)
    demo_registrations(program=programs[0], actors=actors, now=now)
    demo_appointments(agency=programs[1], partners=programs[0], actors=actors, now=now)
    # The alerts the scheduler would have raised meanwhile, raised when they were due.
    demo_alerts_catch_up(admin=actors["admin"], now=now)
    demo_weekly_status_catch_up(now=now)
    progress("Summing up the reports …")
    facts_refresh()  # the reports' summary tables, so the dashboards open at once
    demo_report_mail_catch_up(now=now)
    leads = LEAD_COUNT + REGISTERED_LEADS
    return DemoResult(created=True, leads=leads, logins=_logins())


def _users(programs: list[Program], vendor: Client, agency_client: Client) -> dict[str, User]:
    both = [vendor, agency_client]
    spec: dict[str, dict[str, object]] = {
        "admin": {"roles": [Role.ADMIN], "is_superuser": True},
        "marketer": {"roles": [Role.MARKETER], "clients": both},
        "qualifier": {"roles": [Role.QUALIFIER], "programs": programs},
        "reviewer": {"roles": [Role.REVIEWER], "programs": programs},
        "manager": {"roles": [Role.MANAGER], "clients": both},
        "partner": {"roles": [Role.PARTNER]},
        "client": {"roles": [Role.CLIENT], "clients": [agency_client]},
    }
    users = {}
    for username, options in spec.items():
        users[username] = user_create(
            username=username,
            password=demo_password(username),
            email=f"{username}@demo.leadflow.example",
            first_name=username.capitalize(),
            last_name="Demo",
            **options,  # type: ignore[arg-type]
        )
    return users
