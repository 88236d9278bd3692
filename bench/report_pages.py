"""Benchmark of the report dashboards at volume (issue 16, item 5 "Fast on real volumes").

Builds a history in a fresh PostgreSQL database (``leadflow_bench_reports`` on the server of
``LEADFLOW_TEST_DATABASE_URL``, skipped when none answers; 1,000,000 leads with about
10,000,000 history entries by default) and in a fresh SQLite file (a tenth of that), then times
the summary tables' rebuild (``facts_rebuild``) and every dashboard through Django's test
``Client`` as a sales manager of both clients, for a one-year period: all programs, then one
program. Each page figure is the median of 5 runs in ms after one warm-up run; the lines are
appended to docs/PERFORMANCE.md under "## Report dashboards". Targets: under 1 s a dashboard on
PostgreSQL at 1,000,000 leads, under 2 s on SQLite at 100,000.

The setup goes through the services (migrate, two clients in different timezones, four programs each
with a second criteria version published a year ago, a sales manager, six qualifiers, two QA
reviewers and a client contact per client, one template lead per the capture service); the leads and
their history are then written set-based, not through the services one by one (that is ~20 minutes
per million): on PostgreSQL one ``INSERT … SELECT … FROM generate_series`` for the leads (the
template's row with the generated columns) and one for their ``LeadEvent`` rows (the append-only
trigger refuses UPDATE and DELETE only); on SQLite ``executemany`` in one transaction. Every
generated value is a function of the lead's id (a multiplicative hash), the same in SQL and in
Python, so both databases hold the same kind of history:

- 2 clients (America/New_York, US; Europe/Berlin, DE), 2 programs each, leads spread evenly over the
  programs and over the last two years; 9 channels (web the most), 40 campaigns, 4 inquiry types;
  the stage (40% inquiry, 30% lead, 20% opportunity, 10% qualified) and the rating in the
  ``created`` entry's ``after`` (``{"stage", "rating", "criteria_version"}``; version 2, a stricter
  mix, for leads of the last year).
- Each lead: ``created``, ``start_qualifying`` by one of its client's three qualifiers, calls
  (kind ``call``) by the same qualifier, then one of nine lifecycles: dead file, disqualified,
  nurture, submitted → approved → delivered, the same after a push-back with a reason,
  approved → assigned → claimed → contacted → won, the same lost after a push-back, a
  partner's nurture, or still in review; QA decisions by one of two reviewers. Entries are
  1 to 36 hours apart. ``--events-per-lead`` (default 10) is the mean length of a history.

What the dashboards read besides the history is generated the same way, set-based on both
databases (SQL on PostgreSQL, reading the lifecycle's times back from the history just written;
``executemany`` on SQLite), consistent with each lead's lifecycle and the ``at`` of its entries.
The setup adds, through the services: monthly guarantee terms for the three programs that
deliver (about the valid leads they deliver a month, a 10-day dispute window), six partners per
client (each covering two of the client's six states or Länder, a member each; the leads come
from those places) and per program a default nurture sequence (an e-mail, a call, a letter, an
e-mail over 20 working days) that continues with a long-term one (an e-mail every 120 working
days). Working-day deadlines and due times come from the partners' and programs' calendars,
computed once per day of the span in Python (``Workdays``) and joined in.

- Deliveries: a batch per delivering program and client-local day, carrying its leads whose
  history ends delivered (one item each, at the latest of their ``deliver`` entries); 1 in 20
  delivered leads disputed by the client contact a few days later, decided by QA hours after
  (still open if not yet due), 2 in 5 upheld; an upheld dispute is replaced by a free lead of the
  program's first batch after the decision (as ``delivery_replacements_fill`` does).
- Partners (programs routing to partners): the lead's assignment to its subdivision's partner at
  its ``assign`` entry, with the claim and first-contact deadlines (2 working days; 1, 2 or 5 for
  Hot, A, B) and the follow-up deadline (10 working days from contact), claimed, contacted and
  closed (won, lost, or not reached back to nurture) at the history's times, so some contacts
  come late; before it, for 1 lead in 20 a first assignment to the neighbouring partner that
  missed its claim clock (a ``Violation``, detected at the re-assignment) and for 1 in 25 one
  that partner declined (a ``Decline``).
- Nurture (leads with a ``nurture`` entry): an enrollment in the default sequence at that entry,
  the touches due by now done minutes after they fell due (1 e-mail in 40 skipped: no consent),
  then the long-term enrollment once the first has ended; 1 sent e-mail in 8 clicked (an
  ``Engagement`` naming its touch); 3 leads in 100 unsubscribe hours after the first e-mail.

Not generated: the history entries those services would add (``disputed``, ``replacement``,
``violation``, nurture notes), files, outbox rows, call tasks, mailing-list entries and consent
records (no dashboard reads them), replies and other responses that re-qualify a lead (its
history ends nurturing). Each page is also timed for a period with no leads
(``from=1990-01-01&to=1991-01-01``): its fixed cost; the line gives each page's multiple of it.

Each database runs in its own subprocess (``--worker``), because Django is
configured once per process. Run with
``uv run python bench/report_pages.py [--leads N] [--events-per-lead N] [--only sqlite|postgres]``.
"""

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from _lib import postgres_drop, postgres_fresh, record_line, run_worker

LEADS = 1_000_000
SQLITE_SHARE = 10
EVENTS_PER_LEAD = 10
RUNS = 5
HEADING = "## Report dashboards"
BENCH_DATABASE = "leadflow_bench_reports"
DAYS = 730
#: A period with no leads: the page's fixed cost, the baseline of each figure.
EMPTY = "from=1990-01-01&to=1991-01-01"
PAGES = {
    "funnel": "funnel",
    "funnel by channel": "funnel&by=channel",
    "qualifying": "qualifying",
    "deliverables": "deliverables",
    "partners": "partners",
    "nurture": "nurture",
}

# --- the generated history, a function of the lead's id ------------------------------------

_MULTIPLIERS = (
    *(2654435761, 2246822519, 3266489917, 668265263, 374761393, 1103515245, 1664525),
    *(2971215073, 1500450271),  # 7: hand-off (partner, dispute, prior assignment), 8: nurture
)
_PRIME = 4294967291

CHANNELS = (
    ["web"] * 6
    + ["referral", "event", "direct_mail", "purchased_list", "sales_prospecting", "other"] * 2
    + ["print_advertisement", "public_relations"]
)
INQUIRY_TYPES = (
    ["information_request"] * 10
    + ["needs_assessment_request"] * 5
    + ["demo_request"] * 4
    + ["demo_and_proposal_request"]
)
STAGES = ["inquiry"] * 8 + ["lead"] * 6 + ["opportunity"] * 4 + ["qualified_opportunity"] * 2
_STAGE_INDEX = {"inquiry": 0, "lead": 1, "opportunity": 2, "qualified_opportunity": 3}
#: Two ratings per stage (index stage * 2 + coin), per criteria version.
RATINGS = {
    1: ["c", "fyi", "b", "c", "a", "b", "hot", "a"],
    2: ["fyi", "fyi", "c", "b", "b", "a", "hot", "hot"],
}
OUTCOMES = ["no_answer", "voicemail", "connected", "busy", "callback"]
REASONS = [
    "Budget not confirmed — asked twice",
    "Wrong contact — not the decision maker",
    "Timeframe unclear",
    "Missing phone number",
]

# (action, from, to, reason, actor: "q" qualifier, "r" reviewer, "" none)
_SUBMIT = ("submit_for_review", "qualifying", "in_review", "", "q")
_APPROVE = ("approve", "in_review", "approved", "", "r")
_PUSH_BACK = ("push_back", "in_review", "qualifying", "*", "r")
_CLAIM = ("claim", "assigned", "claimed", "", "")
_CONTACT = ("record_contact", "claimed", "contacted", "", "")
LIFECYCLES: list[tuple[int, list[tuple[str, str, str, str, str]]]] = [
    # (weight out of 20, the steps after the calls)
    (5, [("dead_file", "qualifying", "dead_file", "", "q")]),
    (2, [("disqualify", "qualifying", "disqualified", "Wrong fit", "q")]),
    (2, [("nurture", "qualifying", "nurturing", "", "q")]),
    (3, [_SUBMIT, _APPROVE, ("deliver", "approved", "delivered", "", "")]),
    (2, [_SUBMIT, _PUSH_BACK, _SUBMIT, _APPROVE, ("deliver", "approved", "delivered", "", "")]),
    (
        2,
        [
            _SUBMIT,
            _APPROVE,
            ("assign", "approved", "assigned", "", ""),
            _CLAIM,
            _CONTACT,
            ("close_won", "contacted", "closed_won", "", ""),
        ],
    ),
    (
        2,
        [
            _SUBMIT,
            _PUSH_BACK,
            _SUBMIT,
            _APPROVE,
            ("assign", "approved", "assigned", "", ""),
            _CLAIM,
            _CONTACT,
            ("close_lost", "contacted", "closed_lost", "No budget this year", ""),
        ],
    ),
    (
        1,
        [
            _SUBMIT,
            _APPROVE,
            ("assign", "approved", "assigned", "", ""),
            _CLAIM,
            ("nurture", "claimed", "nurturing", "", ""),
        ],
    ),
    (1, [_SUBMIT]),
]
FATES = [number for number, (weight, _) in enumerate(LIFECYCLES) for _ in range(weight)]
assert len(FATES) == 20


def h(lead_id: int, k: int) -> int:
    return (lead_id * _MULTIPLIERS[k] + 12345) % _PRIME


def _h_sql(column: str, k: int) -> str:
    return f"(({column})::bigint * {_MULTIPLIERS[k]} + 12345) % {_PRIME}"


def _array(values: list[Any], cast: str = "text") -> str:
    def one(value: Any) -> str:
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        return str(value)

    return f"(ARRAY[{', '.join(one(value) for value in values)}]::{cast}[])"


def _pick_sql(values: list[Any], column: str, k: int, cast: str = "text") -> str:
    return f"{_array(values, cast)}[1 + ({_h_sql(column, k)}) % {len(values)}]"


# --- the worker: one database ------------------------------------------------------------------


class Setup:
    def __init__(self, events_per_lead: int, now: datetime, leads: int) -> None:
        from leadflow.accounts.models import Role
        from leadflow.accounts.services import user_create
        from leadflow.core.criteria import default_criteria
        from leadflow.leads.services import LeadInput, leads_create_bulk
        from leadflow.programs.models import HandOffMode
        from leadflow.programs.services import client_create, criteria_publish, program_create

        self.now = now
        self.base = now - timedelta(days=DAYS)
        self.events_per_lead = events_per_lead
        clients = [
            client_create(
                name="Northwind", slug="northwind", timezone="America/New_York", country="US"
            ),
            client_create(name="Contoso", slug="contoso", timezone="Europe/Berlin", country="DE"),
        ]
        modes = [HandOffMode.DELIVERY, HandOffMode.BOTH, HandOffMode.PARTNERS, HandOffMode.BOTH]
        self.programs = []
        self.versions: list[tuple[int, int]] = []
        for number, mode in enumerate(modes, start=1):
            program = program_create(
                client=clients[(number - 1) // 2],
                name=f"Program {number}",
                slug=f"program-{number}",
                hand_off_mode=mode,
                actor=None,
                now=self.base,
            )
            second = criteria_publish(
                program=program,
                criteria=default_criteria(),
                actor=None,
                now=self.base + timedelta(days=DAYS // 2),
                note="stricter rating",
            )
            first = program.criteria_versions.get(number=1)
            self.programs.append(program)
            self.versions.append((first.pk, second.pk))
        self.manager = user_create(
            username="manager", password=None, roles=[Role.MANAGER], clients=clients
        )
        self.qualifiers = [
            user_create(
                username=f"qualifier{n}",
                password=None,
                first_name=f"Qualifier {n}",
                roles=[Role.QUALIFIER],
                clients=[clients[n // 3]],
            ).pk
            for n in range(6)
        ]
        self.reviewers = [
            user_create(
                username=f"reviewer{n}", password=None, roles=[Role.REVIEWER], clients=clients
            ).pk
            for n in range(2)
        ]
        self.clients = clients
        self.contacts = [
            user_create(
                username=f"contact{n}", password=None, roles=[Role.CLIENT], clients=[client]
            ).pk
            for n, client in enumerate(clients)
        ]
        self.hand_off = _hand_off_setup(self, leads)
        template = leads_create_bulk(
            program=self.programs[0],
            items=[LeadInput(first_name="Template", last_name="Lead", company="Bench")],
            actor=None,
            now=self.base,
        )[0]
        self.template_id = template.pk

    # the plan of one lead, in Python (SQLite) — _leads_sql/_events_sql say the same in SQL
    def lead(self, lead_id: int) -> dict[str, Any]:
        program = lead_id % 4
        created = self.base + timedelta(minutes=h(lead_id, 1) % (DAYS * 1440))
        version = 1 if created < self.base + timedelta(days=DAYS // 2) else 2
        stage = STAGES[h(lead_id, 2) % len(STAGES)]
        fate = FATES[h(lead_id, 3) % len(FATES)]
        steps = LIFECYCLES[fate][1]
        length = self.events_per_lead + (h(lead_id, 6) // 36) % 5 - 2
        return {
            "id": lead_id,
            "program": program,
            "created": created,
            "version": version,
            "stage": stage,
            "rating": RATINGS[version][_STAGE_INDEX[stage] * 2 + (h(lead_id, 2) // 20) % 2],
            "steps": steps,
            "status": steps[-1][2],
            "calls": max(1, length - 2 - len(steps)),
            "hours": 1 + h(lead_id, 6) % 36,
            "qualifier": self.qualifiers[(program // 2) * 3 + h(lead_id, 0) % 3],
            "reviewer": self.reviewers[(h(lead_id, 3) // 20) % 2],
            "channel": CHANNELS[h(lead_id, 4) % len(CHANNELS)],
            "inquiry_type": INQUIRY_TYPES[h(lead_id, 5) % len(INQUIRY_TYPES)],
            "campaign": f"CMP-{(h(lead_id, 0) // 3) % 40:02d}",
        }


# --- what the dashboards read besides the history: deliveries, partners, nurture ----------------

#: The clients' countries and the subdivisions their leads come from. Partner k of a client
#: covers subdivisions k and k - 1: a lead of subdivision k goes to partner k, and a first
#: assignment that partner k + 1 declined or missed was in its territory too.
COUNTRIES = ("US", "DE")
SUBDIVISIONS = {
    "US": ("NY", "NJ", "PA", "MA", "CT", "IL"),
    "DE": ("BE", "BY", "HE", "NW", "SN", "HH"),
}
PARTNERS = 6
#: Program indexes (``lead_id % 4``) that deliver to the client, and that route to partners.
DELIVERING = (0, 1, 3)
ROUTING = (1, 2, 3)
#: Out of 100, by ``(h(id, 7) // 6) % 100``: delivered leads disputed (upheld below UPHELD);
#: assigned leads whose first partner missed the claim clock, or declined the lead.
DISPUTED, UPHELD = 5, 2
MISSED, DECLINED = (10, 15), (15, 19)
#: Nurtured leads out of 100 (``h(id, 8) % 100``) that unsubscribe after the first e-mail.
UNSUBSCRIBED = 3
#: One e-mail touch in SKIPPED is not sent (no consent); one sent e-mail in CLICKED is clicked.
SKIPPED, CLICKED = 40, 8
LONG_TERM_TOUCHES, LONG_TERM_WAIT = 5, 120
CHANNELS_OF_CONTACT = ["phone", "email", "meeting", "video"]
DECISION_NOTES = {
    "upheld": "The contact works for another company",
    "rejected": "The call recording confirms the contact",
}
DECLINE_CHOICES = ["outside_territory", "no_capacity", "not_our_market", "existing_customer"]
#: The default sequence (the demo's: an e-mail at once, a call after 3 working days, a letter
#: after 7 more, an e-mail after 10 more), then the long-term one (an e-mail every 120, five).
KEEP_IN_TOUCH = [
    ("email", 0, "Thank you for your interest"),
    ("call", 3, ""),
    ("direct_mail", 7, ""),
    ("email", 10, "Is now a better time?"),
]
LONG_TERM = [("email", LONG_TERM_WAIT, "News from us")] * LONG_TERM_TOUCHES
_END_OF_DAY = clock_time(23, 59, 59, 999999, fold=1)


class Workdays:
    """One calendar's working days over the bench's span: core.calendar's ``add_working_days``,
    ``deadline`` and core.nurture's ``touch_due`` by a bisection instead of a loop a day."""

    def __init__(self, cal: Any, first: date, last: date) -> None:
        from leadflow.core.calendar import is_working_day

        self.zone = cal.zone
        span = ((first + timedelta(days=n)) for n in range((last - first).days + 1))
        self.days = [day for day in span if is_working_day(cal, day)]

    def add(self, day: date, n: int) -> date:
        return day if n == 0 else self.days[bisect_right(self.days, day) + n - 1]

    def deadline(self, day: date, n: int) -> datetime:
        return datetime.combine(self.add(day, n), _END_OF_DAY, self.zone)

    def touch_due(self, previous: datetime, n: int) -> datetime:
        from leadflow.core.nurture import SEND_AT

        if n == 0:
            return previous.astimezone(UTC)
        day = self.add(previous.astimezone(self.zone).date(), n)
        return datetime.combine(day, SEND_AT, self.zone).astimezone(UTC)


@dataclass
class HandOff:
    """What the services created for the hand-off and nurture, and the working-day plans the
    generated rows read (the same on both databases)."""

    zones: list[str]  # per program index, its client's timezone
    partners: dict[tuple[int, int], tuple[int, int]]  # (client, k) -> (partner, member user)
    #: (partner, local day) -> claim, contact Hot/A/B and follow-up deadlines from that day.
    due: dict[tuple[int, date], tuple[datetime, ...]]
    sequences: list[tuple[int, int]]  # per program index: keep in touch, long term
    #: (program index, local day of entry) -> the touches (sequence 0/1, position, touch id,
    #: kind, subject, due; None for the first, due at entry) and when the first sequence ends.
    chains: dict[tuple[int, date], tuple[list[tuple[int, int, int, str, str, Any]], datetime]]
    columns: list[str]
    reasons: list[str]


def _hand_off_setup(setup: "Setup", leads: int) -> HandOff:
    """Through the services: guarantee terms for the delivering programs, six partners per
    client (territories, a member each), and two nurture sequences per program."""
    from leadflow.accounts.models import Role
    from leadflow.accounts.services import user_create
    from leadflow.core.delivery_files import column_map_from_json
    from leadflow.core.enums import Rating
    from leadflow.core.guarantee import PeriodKind
    from leadflow.core.nurture import END_AFTER_DAYS
    from leadflow.core.routing import TerritoryRule
    from leadflow.core.sla import DEFAULT_TERMS
    from leadflow.delivery.content import delivery_content
    from leadflow.guarantees.models import default_dispute_reasons
    from leadflow.guarantees.services import guarantee_terms_save
    from leadflow.nurture.models import OnEnd
    from leadflow.nurture.selectors import program_calendar
    from leadflow.nurture.services import sequence_create, touch_add
    from leadflow.partners.policies import partner_calendar
    from leadflow.partners.services.partners import partner_create

    first, last = setup.base.date() - timedelta(days=7), setup.now.date() + timedelta(days=400)
    months = DAYS / 30.44
    per_month = leads / 4 * sum(w for w, s in LIFECYCLES if s[-1][0] == "deliver") / 20 / months
    for index in DELIVERING:
        guarantee_terms_save(
            program=setup.programs[index],
            user=setup.manager,
            leads_per_period=max(1, round(per_month * 1.05)),
            period=PeriodKind.MONTH,
            dispute_window_days=10,
            dispute_reasons=default_dispute_reasons(),
            is_active=True,
            now=setup.base,
            starts_on=setup.base.date(),
        )
    partners: dict[tuple[int, int], tuple[int, int]] = {}
    due: dict[tuple[int, date], tuple[datetime, ...]] = {}
    days = [first + timedelta(days=n) for n in range((setup.now.date() - first).days + 30)]
    terms = DEFAULT_TERMS
    windows = [terms.claim_days, *(terms.contact_days(r) for r in (Rating.HOT, Rating.A))]
    windows += [terms.contact_days(Rating.B), terms.followup_days]
    for c, client in enumerate(setup.clients):
        country = COUNTRIES[c]
        places = SUBDIVISIONS[country]
        for k in range(PARTNERS):
            member = user_create(username=f"partner{c}-{k}", password=None, roles=[Role.PARTNER])
            partner = partner_create(
                client=client,
                name=f"{client.name} partner {k + 1}",
                slug=f"partner-{k + 1}",
                country=country,
                subdivision=places[k],
                timezone=client.timezone,
                territories=[
                    TerritoryRule(country=country, subdivision=places[k]),
                    TerritoryRule(country=country, subdivision=places[k - 1]),
                ],
                members=[member],
                now=setup.base,
            )
            partners[(c, k)] = (partner.pk, member.pk)
            work = Workdays(partner_calendar(partner, setup.programs[2 * c]), first, last)
            for day in days:
                due[(partner.pk, day)] = tuple(work.deadline(day, n) for n in windows)
    sequences = []
    chains = {}
    for index, program in enumerate(setup.programs):
        long_term = sequence_create(
            program=program, name="Long term", slug="long-term", now=setup.base
        )
        keep = sequence_create(
            program=program,
            name="Keep in touch",
            slug="keep-in-touch",
            is_default=True,
            on_end=OnEnd.LONG_TERM,
            long_term_sequence=long_term,
            now=setup.base,
        )
        touches: list[list[tuple[int, str, int, str]]] = [[], []]
        for number, (sequence, plan) in enumerate(((keep, KEEP_IN_TOUCH), (long_term, LONG_TERM))):
            for kind, wait, subject in plan:
                body = "Hello,\n\nnews about our offer." if kind == "email" else "Brochure"
                touch = touch_add(
                    sequence=sequence,
                    kind=kind,
                    wait_days=wait,
                    subject=subject,
                    body_text=body,
                    now=setup.base,
                )
                touches[number].append((touch.pk, kind, wait, subject))
        sequences.append((keep.pk, long_term.pk))
        work = Workdays(program_calendar(program), first, last)
        for day in days:
            entered = datetime.combine(day, clock_time(12), work.zone)
            rows: list[tuple[int, int, int, str, str, Any]] = []
            at = entered
            for position, (touch_id, kind, wait, subject) in enumerate(touches[0]):
                at = work.touch_due(at, wait)
                rows.append((0, position, touch_id, kind, subject, at if position else None))
            ended = work.touch_due(at, END_AFTER_DAYS)
            at = ended
            for position, (touch_id, kind, wait, subject) in enumerate(touches[1]):
                at = work.touch_due(at, wait)
                rows.append((1, position, touch_id, kind, subject, at))
                if at > setup.now:
                    break
            chains[(index, day)] = (rows, ended)
    headers = delivery_content(
        leads=[], columns=column_map_from_json([]), number=1, at=setup.now
    ).headers
    return HandOff(
        zones=[program.client.timezone for program in setup.programs],
        partners=partners,
        due=due,
        sequences=sequences,
        chains=chains,
        columns=list(headers),
        reasons=default_dispute_reasons(),
    )


# --- the hand-off and nurture rows, in Python (SQLite) — _postgres_hand_off says it in SQL -----


class Life(NamedTuple):
    """A generated lead as the hand-off reads it: its program index, rating, e-mail and the
    time of each of its lifecycle steps (the ``at`` of its history's entries)."""

    lead_id: int
    program: int
    rating: str
    email: str
    times: dict[str, datetime]


DELIVERY_COLUMNS = [
    "id",
    "program_id",
    "kind",
    "number",
    "created_at",
    "created_by_id",
    "lead_count",
    "summary",
    "columns",
    "captured_at",
    "email_to",
    "webhook_url",
]
ITEM_COLUMNS = ["id", "delivery_id", "lead_id", "position"]
DISPUTE_COLUMNS = [
    "id",
    "program_id",
    "delivery_item_id",
    "raised_by_id",
    "raised_at",
    "reason",
    "note",
    "status",
    "decided_by_id",
    "decided_at",
    "decision_note",
    "replacement_id",
    "replaced_at",
    "ledger_at",
]
ASSIGNMENT_COLUMNS = [
    "id",
    "lead_id",
    "partner_id",
    "rating",
    "assigned_at",
    "assigned_by_id",
    "claim_due",
    "contact_due",
    "followup_due",
    "next_due",
    "claimed_at",
    "claimed_by_id",
    "contact_at",
    "contacted_at",
    "contact_channel",
    "contact_note",
    "outcome",
    "outcome_reason",
    "outcome_note",
    "closed_at",
    "ended_at",
    "end_reason",
    "routing",
]
VIOLATION_COLUMNS = [
    "id",
    "partner_id",
    "assignment_id",
    "lead_id",
    "clock",
    "due",
    "detected_at",
    "consequence",
]
DECLINE_COLUMNS = ["id", "partner_id", "assignment_id", "reason", "note", "by_id", "at"]
ENROLLMENT_COLUMNS = [
    "id",
    "lead_id",
    "sequence_id",
    "state",
    "step",
    "next_touch_at",
    "entered_at",
    "left_at",
    "left_reason",
    "responded_at",
]
SENT_COLUMNS = [
    "id",
    "enrollment_id",
    "touch_id",
    "lead_id",
    "kind",
    "position",
    "due_at",
    "done_at",
    "outbox_key",
    "to_address",
    "subject",
    "body_text",
    "links",
    "skipped",
]
ENGAGEMENT_COLUMNS = ["id", "lead_id", "kind", "at", "sent_id", "actor_id", "details"]
SKIP_REASON = "no consent for e-mail"
CLICK_DETAILS = {"url": "https://www.example.com/overview"}
MISSED_GRACE = timedelta(minutes=15)
Rows = list[tuple[Any, ...]]


def _local(at: datetime, zone: str) -> date:
    return at.astimezone(ZoneInfo(zone)).date()


def _contact_window(rating: str) -> int:
    """The index in ``HandOff.due`` of the first-contact deadline for a lead of ``rating``."""
    return {"hot": 1, "a": 2}.get(rating, 3)


def _deliveries(setup: Setup, lives: list[Life]) -> tuple[Rows, Rows, Rows]:
    """A batch per delivering program and local day with its delivered leads; one delivered
    lead in 20 disputed (decided hours later unless still open, 2 in 5 upheld); each upheld
    dispute replaced by a free lead of the first batch after its decision (as
    ``delivery_replacements_fill``), when it has one left."""
    hand, now = setup.hand_off, setup.now
    groups: dict[tuple[int, date], list[Life]] = {}
    for life in lives:
        at = life.times.get("deliver")
        if at is not None and life.program in DELIVERING:
            groups.setdefault((life.program, _local(at, hand.zones[life.program])), []).append(life)
    deliveries: Rows = []
    items: Rows = []
    numbers: dict[int, int] = {}
    batches: dict[int, list[tuple[datetime, int]]] = {}
    for program, day in sorted(groups):
        members = sorted(groups[(program, day)], key=lambda life: life.lead_id)
        number = numbers[program] = numbers.get(program, 0) + 1
        created = max(life.times["deliver"] for life in members)
        ratings: dict[str, int] = {}
        for life in members:
            ratings[life.rating or "none"] = ratings.get(life.rating or "none", 0) + 1
        summary = {"ratings": ratings, "nurtured": 0, "held": {}, "listed": []}
        delivery_id = len(deliveries) + 1
        deliveries.append((delivery_id, setup.programs[program].pk, "batch", number, created,
                           None, len(members), json.dumps(summary), json.dumps(hand.columns),
                           None, "[]", ""))  # fmt: skip
        batches.setdefault(program, []).append((created, delivery_id))
        for position, life in enumerate(members, start=1):
            items.append((len(items) + 1, delivery_id, life.lead_id, position, life, created))
    disputes: list[list[Any]] = []
    for item_id, _, lead_id, _, life, delivered in items:
        hashed = h(lead_id, 7)
        share = (hashed // 6) % 100
        raised = delivered + timedelta(
            days=1 + (hashed // 600) % 8, seconds=(hashed // 4800) % 3600
        )
        if share >= DISPUTED or raised > now:
            continue
        decided: datetime | None = raised + timedelta(hours=4 + (hashed // 600) % 44)
        status = "upheld" if share < UPHELD else "rejected"
        if decided is not None and decided > now:
            status, decided = "open", None
        disputes.append([len(disputes) + 1, setup.programs[life.program].pk, item_id,
                         setup.contacts[life.program // 2], raised,
                         hand.reasons[(hashed // 600) % len(hand.reasons)], "", status,
                         setup.reviewers[(hashed // 600) % 2] if decided else None, decided,
                         DECISION_NOTES[status] if decided else "", None, None, delivered,
                         life.program])  # fmt: skip
    disputed = {row[2] for row in disputes}
    free: dict[int, list[int]] = {}
    for item_id, delivery_id, *_ in items:
        if item_id not in disputed:
            free.setdefault(delivery_id, []).append(item_id)
    taken: dict[int, int] = {}
    upheld = sorted((row for row in disputes if row[7] == "upheld"), key=lambda r: (r[9], r[0]))
    for row in upheld:
        program_batches = batches[row[14]]
        after = bisect_right([created for created, _ in program_batches], row[9])
        if after == len(program_batches):
            continue
        created, target = program_batches[after]
        rank = taken[target] = taken.get(target, 0) + 1
        if rank <= len(free.get(target, [])):
            row[11], row[12] = free[target][rank - 1], created
    return (
        deliveries,
        [row[:4] for row in items],
        [tuple(row[:14]) for row in disputes],
    )


def _assignments(setup: Setup, lives: list[Life]) -> tuple[Rows, Rows, Rows]:
    """An assignment per assigned lead of a routing program to its subdivision's partner, its
    deadlines from the partner's working days, its steps at the times of the history's claim,
    first contact and outcome; before it, for one lead in 20 a first assignment to the next
    partner that missed its claim clock (a violation) and for one in 25 one it declined, both
    ended when the lead was assigned again."""
    hand = setup.hand_off
    assignments: Rows = []
    violations: Rows = []
    declines: Rows = []
    for life in lives:
        assigned = life.times.get("assign")
        if assigned is None or life.program not in ROUTING:
            continue
        hashed = h(life.lead_id, 7)
        client, k, share = life.program // 2, hashed % PARTNERS, (hashed // 6) % 100
        zone = hand.zones[life.program]
        contact = _contact_window(life.rating)
        if MISSED[0] <= share < DECLINED[1]:
            partner, member = hand.partners[(client, (k + 1) % PARTNERS)]
            start = life.times["approve"] + timedelta(seconds=1)
            due = hand.due[(partner, _local(start, zone))]
            missed = share < MISSED[1]
            claim_due = assigned - MISSED_GRACE if missed else due[0]
            assignment_id = len(assignments) + 1
            assignments.append((assignment_id, life.lead_id, partner, life.rating, start, None,
                                claim_due, due[contact], None, None, None, None, None, None, "",
                                "", "", "", "", None, assigned,
                                "violation" if missed else "declined", "{}"))  # fmt: skip
            if missed:
                violations.append((len(violations) + 1, partner, assignment_id, life.lead_id,
                                   "claim", claim_due, assigned, "warning"))  # fmt: skip
            else:
                reason = DECLINE_CHOICES[(hashed // 600) % len(DECLINE_CHOICES)]
                declines.append((len(declines) + 1, partner, assignment_id, reason, "", member,
                                 assigned))  # fmt: skip
        partner, member = hand.partners[(client, k)]
        due = hand.due[(partner, _local(assigned, zone))]
        claimed = life.times.get("claim")
        contacted = life.times.get("record_contact")
        followup = hand.due[(partner, _local(contacted, zone))][4] if contacted else None
        outcome, reason, closed, ended = "", "", None, None
        if "close_won" in life.times:
            outcome, closed = "won", life.times["close_won"]
        elif "close_lost" in life.times:
            outcome, reason, closed = "lost", "no_budget", life.times["close_lost"]
        elif claimed is not None and "nurture" in life.times:
            outcome, closed = "not_reached", life.times["nurture"]
            ended = closed
        channel = CHANNELS_OF_CONTACT[(hashed // 600) % len(CHANNELS_OF_CONTACT)]
        assignments.append((len(assignments) + 1, life.lead_id, partner, life.rating, assigned,
                            None, due[0], due[contact], followup, None, claimed,
                            member if claimed else None, contacted, contacted,
                            channel if contacted else "", "", outcome, reason, "", closed, ended,
                            "outcome" if ended else "", "{}"))  # fmt: skip
    return assignments, violations, declines


def _touch_hash(lead_id: int, sequence: int, position: int) -> int:
    return h(lead_id * 16 + sequence * 8 + position, 8)


def _nurture(setup: Setup, lives: list[Life]) -> tuple[Rows, Rows, Rows]:
    """Each nurtured lead enters its program's default sequence at its ``nurture`` entry; the
    touches due by now are done (a few minutes after they fell due), one e-mail in 40 skipped
    (no consent); once the sequence has run out the lead goes on to the long-term one. One
    sent e-mail in 8 is clicked; 3 leads in 100 unsubscribe a few hours after the first."""
    hand, now = setup.hand_off, setup.now
    enrollments: Rows = []
    sent: Rows = []
    clicks: Rows = []
    for life in lives:
        entered = life.times.get("nurture")
        if entered is None:
            continue
        chain, ended = hand.chains[(life.program, _local(entered, hand.zones[life.program]))]
        hashed = h(life.lead_id, 8)
        first = _touch_hash(life.lead_id, 0, 0)
        leaving = entered + timedelta(seconds=first % 900, hours=1 + (hashed // 100) % 46)
        unsubscribes = hashed % 100 < UNSUBSCRIBED and (first // 900) % SKIPPED
        unsubscribed = leaving if unsubscribes and leaving <= now else None
        touches: list[list[tuple[Any, ...]]] = [[], []]
        for sequence, position, touch_id, kind, subject, planned in chain:
            if sequence == 1 and (ended > now or unsubscribed is not None):
                continue
            due = planned or entered
            hashed_touch = _touch_hash(life.lead_id, sequence, position)
            done_at = due + timedelta(seconds=hashed_touch % 900)
            done = done_at <= now and (unsubscribed is None or (sequence, position) == (0, 0))
            skipped = SKIP_REASON if kind == "email" and not (hashed_touch // 900) % SKIPPED else ""
            click = None
            if kind == "email" and not skipped and not (hashed_touch // 36000) % CLICKED:
                click = done_at + timedelta(seconds=60 + (hashed_touch // 900) % 7200)
            touches[sequence].append(
                (touch_id, kind, position, due, done_at, done, skipped, subject, click)
            )
        for sequence in (0, 1):
            if sequence == 1 and (ended > now or unsubscribed is not None):
                break
            done_count = sum(1 for touch in touches[sequence] if touch[5])
            pending = [touch[3] for touch in touches[sequence] if not touch[5]]
            following = min(pending) if pending else None
            state, left, why = "active", None, ""
            if sequence == 0 and unsubscribed is not None:
                state, left, why, following = "left", unsubscribed, "unsubscribed", None
            elif sequence == 0 and ended <= now:
                state, left, why, following = "finished", ended, "ended", None
            elif sequence == 0:
                following = following or ended
            enrollment_id = len(enrollments) + 1
            enrollments.append((enrollment_id, life.lead_id, hand.sequences[life.program][sequence],
                                state, done_count, following,
                                entered if sequence == 0 else ended, left, why, None))  # fmt: skip
            for touch_id, kind, position, due, done_at, done, skipped, subject, click in touches[
                sequence
            ]:
                if not done:
                    continue
                mailed = kind == "email" and not skipped
                sent_id = len(sent) + 1
                sent.append((sent_id, enrollment_id, touch_id, life.lead_id, kind, position, due,
                             done_at, "", life.email if mailed else "",
                             subject if mailed else "", "", "[]", skipped))  # fmt: skip
                if click is not None and click <= now:
                    clicks.append((len(clicks) + 1, life.lead_id, "email_click", click, sent_id,
                                   None, json.dumps(CLICK_DETAILS)))  # fmt: skip
    return enrollments, sent, clicks


def _sqlite_hand_off(setup: Setup, lives: list[Life]) -> None:
    from django.db import connection

    from leadflow.delivery.models import Delivery, DeliveryItem
    from leadflow.guarantees.models import Dispute
    from leadflow.nurture.models import Engagement, Enrollment, TouchSent
    from leadflow.partners.models import Assignment, Decline, Violation

    def stamp(value: Any) -> Any:
        return _sqlite_stamp(value) if isinstance(value, datetime) else value

    plan = [
        *zip((Delivery, DeliveryItem, Dispute), _deliveries(setup, lives), strict=True),
        *zip((Assignment, Violation, Decline), _assignments(setup, lives), strict=True),
        *zip((Enrollment, TouchSent, Engagement), _nurture(setup, lives), strict=True),
    ]
    columns = {
        Delivery: DELIVERY_COLUMNS, DeliveryItem: ITEM_COLUMNS, Dispute: DISPUTE_COLUMNS,
        Assignment: ASSIGNMENT_COLUMNS, Violation: VIOLATION_COLUMNS, Decline: DECLINE_COLUMNS,
        Enrollment: ENROLLMENT_COLUMNS, TouchSent: SENT_COLUMNS, Engagement: ENGAGEMENT_COLUMNS,
    }  # fmt: skip
    with connection.cursor() as cursor:
        for model, rows in plan:
            names = columns[model]
            cursor.executemany(
                f"INSERT INTO {model._meta.db_table} ({', '.join(names)}) "
                f"VALUES ({', '.join(['%s'] * len(names))})",
                [tuple(stamp(value) for value in row) for row in rows],
            )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _pg_run(cursor: Any, sql: str) -> None:
    """Statements separated by ``;`` at a line's end, one by one (no parameters: ``%`` is
    the modulo)."""
    for statement in sql.split(";\n"):
        if statement.strip():
            cursor.execute(statement)


def _pg_temp(cursor: Any, name: str, columns: str, rows: Rows) -> None:
    """A temporary table of a plan computed in Python, in one statement (a column an array;
    times as ISO text, which psycopg sends three times faster than datetimes)."""
    cursor.execute(f"CREATE TEMP TABLE {name} ({columns})")
    types = [column.split()[1] for column in columns.split(", ")]
    arrays = ", ".join(f"%s::{kind}[]" for kind in types)
    cursor.execute(
        f"INSERT INTO {name} SELECT * FROM unnest({arrays})",
        [
            [value.isoformat() if isinstance(value, datetime) else value for value in values]
            for values in zip(*rows, strict=True)
        ],
    )
    cursor.execute(f"ANALYZE {name}")


def _postgres_hand_off(setup: Setup, first: int, last: int) -> None:
    """What ``_deliveries``, ``_assignments`` and ``_nurture`` say, in a few statements: the
    lifecycle times read back from the history just written, joined to the plans."""
    from django.db import connection

    hand, now = setup.hand_off, f"'{setup.now.isoformat()}'::timestamptz"
    x = "l.id"
    actions = ["approve", "deliver", "assign", "claim", "record_contact", "close_won",
               "close_lost", "nurture"]  # fmt: skip
    with connection.cursor() as cursor:
        _pg_temp(cursor, "bench_program", "idx int, program_id bigint, zone text, "
                 "seq0 bigint, seq1 bigint",
                 [(i, p.pk, hand.zones[i], *hand.sequences[i])
                  for i, p in enumerate(setup.programs)])  # fmt: skip
        _pg_temp(cursor, "bench_partner", "client int, k int, partner_id bigint, member_id bigint",
                 [(c, k, *ids) for (c, k), ids in hand.partners.items()])  # fmt: skip
        _pg_temp(cursor, "bench_due", "partner_id bigint, day date, claim timestamptz, "
                 "hot timestamptz, a timestamptz, b timestamptz, followup timestamptz",
                 [(p, day, *due) for (p, day), due in hand.due.items()])  # fmt: skip
        _pg_temp(cursor, "bench_chain", "idx int, day date, seq int, pos int, touch_id bigint, "
                 "kind text, subject text, due timestamptz, ended timestamptz",
                 [(i, day, *touch, ended) for (i, day), (touches, ended) in hand.chains.items()
                  for touch in touches])  # fmt: skip
        filters = ", ".join(
            f"max(e.at) FILTER (WHERE e.action = '{action}') AS {action}_at" for action in actions
        )
        cursor.execute(
            f"""
            CREATE TEMP TABLE bench_life AS
            SELECT l.id AS lead_id, p.idx, p.zone, l.program_id, l.rating, l.email,
                   {_h_sql(x, 7)} AS h7, {filters}
            FROM leads_leadevent e
            JOIN leads_lead l ON l.id = e.lead_id
            JOIN bench_program p ON p.program_id = l.program_id
            WHERE e.action IN ({", ".join(f"'{a}'" for a in actions)})
              AND e.lead_id BETWEEN {first} AND {last}
            GROUP BY l.id, p.idx, p.zone, l.program_id, l.rating, l.email
            """
        )
        cursor.execute("ANALYZE bench_life")
        _postgres_deliveries(cursor, setup, now)
        _postgres_assignments(cursor, now)
        _postgres_nurture(cursor, now)


def _postgres_deliveries(cursor: Any, setup: Setup, now: str) -> None:
    hand = setup.hand_off
    delivering = ", ".join(str(i) for i in DELIVERING)
    _pg_run(
        cursor,
        f"""
        CREATE TEMP TABLE bench_delivered AS
        SELECT lead_id, idx, program_id, rating, deliver_at,
               (deliver_at AT TIME ZONE zone)::date AS day
        FROM bench_life WHERE deliver_at IS NOT NULL AND idx IN ({delivering});
        CREATE TEMP TABLE bench_batch AS
        SELECT program_id, day, max(deliver_at) AS created_at, count(*) AS n,
               row_number() OVER (PARTITION BY program_id ORDER BY day) AS number
        FROM bench_delivered GROUP BY program_id, day;
        INSERT INTO delivery_delivery
            (program_id, kind, number, created_at, created_by_id, lead_count, summary, columns,
             captured_at, email_to, webhook_url)
        SELECT b.program_id, 'batch', b.number, b.created_at, NULL, b.n,
               jsonb_build_object('ratings', r.ratings, 'nurtured', 0, 'held', '{{}}'::jsonb,
                                  'listed', '[]'::jsonb),
               {_literal(json.dumps(hand.columns))}::jsonb, NULL, '[]'::jsonb, ''
        FROM bench_batch b
        JOIN (SELECT program_id, day, jsonb_object_agg(rating, n) AS ratings
              FROM (SELECT program_id, day, COALESCE(NULLIF(rating, ''), 'none') AS rating,
                           count(*) AS n
                    FROM bench_delivered GROUP BY 1, 2, 3) c
              GROUP BY 1, 2) r USING (program_id, day);
        INSERT INTO delivery_deliveryitem (delivery_id, lead_id, position)
        SELECT d.id, x.lead_id, row_number() OVER (PARTITION BY d.id ORDER BY x.lead_id)
        FROM bench_delivered x
        JOIN bench_batch b USING (program_id, day)
        JOIN delivery_delivery d ON d.program_id = b.program_id AND d.number = b.number
        """,
    )
    cursor.execute(
        f"""
        INSERT INTO guarantees_dispute
            (program_id, delivery_item_id, raised_by_id, raised_at, reason, note, status,
             decided_by_id, decided_at, decision_note, replacement_id, replaced_at, ledger_at)
        SELECT s.program_id, s.item_id, {_array(setup.contacts, "bigint")}[1 + s.idx / 2],
               s.raised, {_array(hand.reasons)}[1 + (s.h7 / 600) % {len(hand.reasons)}], '',
               CASE WHEN t.decided > {now} THEN 'open' WHEN s.share < {UPHELD} THEN 'upheld'
                    ELSE 'rejected' END,
               CASE WHEN t.decided <= {now}
                    THEN {_array(setup.reviewers, "bigint")}[1 + (s.h7 / 600) % 2] END,
               CASE WHEN t.decided <= {now} THEN t.decided END,
               CASE WHEN t.decided > {now} THEN ''
                    WHEN s.share < {UPHELD} THEN {_array([DECISION_NOTES["upheld"]])}[1]
                    ELSE {_array([DECISION_NOTES["rejected"]])}[1] END,
               NULL, NULL, s.delivered_at
        FROM (SELECT i.id AS item_id, d.program_id, d.created_at AS delivered_at, l.idx, l.h7,
                     (l.h7 / 6) % 100 AS share,
                     d.created_at + make_interval(days => (1 + (l.h7 / 600) % 8)::int,
                                                  secs => ((l.h7 / 4800) % 3600)::int) AS raised
              FROM delivery_deliveryitem i
              JOIN delivery_delivery d ON d.id = i.delivery_id
              JOIN bench_life l ON l.lead_id = i.lead_id
              WHERE (l.h7 / 6) % 100 < {DISPUTED}) s
        CROSS JOIN LATERAL (SELECT s.raised + make_interval(hours => (4 + (s.h7 / 600) % 44)::int)
                            AS decided) t
        WHERE s.raised <= {now}
        """
    )
    cursor.execute(
        """
        WITH upheld AS (
            SELECT x.id, x.decided_at,
                   (SELECT b.id FROM delivery_delivery b
                    WHERE b.program_id = x.program_id AND b.created_at > x.decided_at
                    ORDER BY b.created_at, b.id LIMIT 1) AS target
            FROM guarantees_dispute x WHERE x.status = 'upheld'
        ),
        ranked AS (
            SELECT id, target, row_number() OVER (PARTITION BY target ORDER BY decided_at, id) AS r
            FROM upheld WHERE target IS NOT NULL
        ),
        free AS (
            SELECT i.id, i.delivery_id,
                   row_number() OVER (PARTITION BY i.delivery_id ORDER BY i.position, i.id) AS r
            FROM delivery_deliveryitem i
            WHERE NOT EXISTS (SELECT 1 FROM guarantees_dispute x WHERE x.delivery_item_id = i.id)
        )
        UPDATE guarantees_dispute x SET replacement_id = f.id, replaced_at = d.created_at
        FROM ranked k
        JOIN free f ON f.delivery_id = k.target AND f.r = k.r
        JOIN delivery_delivery d ON d.id = k.target
        WHERE x.id = k.id
        """
    )


def _postgres_assignments(cursor: Any, now: str) -> None:
    routing = ", ".join(str(i) for i in ROUTING)
    contact = "CASE l.rating WHEN 'hot' THEN {0}.hot WHEN 'a' THEN {0}.a ELSE {0}.b END"
    _pg_run(
        cursor,
        f"""
        INSERT INTO partners_assignment
            (lead_id, partner_id, rating, assigned_at, assigned_by_id, claim_due, contact_due,
             followup_due, next_due, claimed_at, claimed_by_id, contact_at, contacted_at,
             contact_channel, contact_note, outcome, outcome_reason, outcome_note, closed_at,
             ended_at, end_reason, routing)
        SELECT l.lead_id, q.partner_id, l.rating, l.approve_at + interval '1 second', NULL,
               CASE WHEN (l.h7 / 6) % 100 < {MISSED[1]}
                    THEN l.assign_at - interval '{MISSED_GRACE.seconds} seconds'
                    ELSE d.claim END,
               {contact.format("d")}, NULL, NULL, NULL, NULL, NULL, NULL, '', '', '', '', '',
               NULL, l.assign_at,
               CASE WHEN (l.h7 / 6) % 100 < {MISSED[1]} THEN 'violation' ELSE 'declined' END,
               '{{}}'::jsonb
        FROM bench_life l
        JOIN bench_partner q ON q.client = l.idx / 2 AND q.k = (l.h7 % {PARTNERS} + 1) % {PARTNERS}
        JOIN bench_due d ON d.partner_id = q.partner_id
         AND d.day = ((l.approve_at + interval '1 second') AT TIME ZONE l.zone)::date
        WHERE l.assign_at IS NOT NULL AND l.idx IN ({routing})
          AND (l.h7 / 6) % 100 >= {MISSED[0]} AND (l.h7 / 6) % 100 < {DECLINED[1]};
        INSERT INTO partners_violation
            (partner_id, assignment_id, lead_id, clock, due, detected_at, consequence)
        SELECT partner_id, id, lead_id, 'claim', claim_due, ended_at, 'warning'
        FROM partners_assignment WHERE end_reason = 'violation';
        INSERT INTO partners_decline (partner_id, assignment_id, reason, note, by_id, at)
        SELECT a.partner_id, a.id,
               {_array(DECLINE_CHOICES)}[1 + (l.h7 / 600) % {len(DECLINE_CHOICES)}], '',
               p.member_id, a.ended_at
        FROM partners_assignment a
        JOIN bench_partner p ON p.partner_id = a.partner_id
        JOIN bench_life l ON l.lead_id = a.lead_id
        WHERE a.end_reason = 'declined';
        INSERT INTO partners_assignment
            (lead_id, partner_id, rating, assigned_at, assigned_by_id, claim_due, contact_due,
             followup_due, next_due, claimed_at, claimed_by_id, contact_at, contacted_at,
             contact_channel, contact_note, outcome, outcome_reason, outcome_note, closed_at,
             ended_at, end_reason, routing)
        SELECT l.lead_id, p.partner_id, l.rating, l.assign_at, NULL, d.claim,
               {contact.format("d")}, f.followup, NULL, l.claim_at,
               CASE WHEN l.claim_at IS NOT NULL THEN p.member_id END,
               l.record_contact_at, l.record_contact_at,
               CASE WHEN l.record_contact_at IS NOT NULL
                    THEN {_array(CHANNELS_OF_CONTACT)}
                         [1 + (l.h7 / 600) % {len(CHANNELS_OF_CONTACT)}]
                    ELSE '' END,
               '',
               CASE WHEN l.close_won_at IS NOT NULL THEN 'won'
                    WHEN l.close_lost_at IS NOT NULL THEN 'lost'
                    WHEN l.claim_at IS NOT NULL AND l.nurture_at IS NOT NULL THEN 'not_reached'
                    ELSE '' END,
               CASE WHEN l.close_lost_at IS NOT NULL THEN 'no_budget' ELSE '' END, '',
               COALESCE(l.close_won_at, l.close_lost_at,
                        CASE WHEN l.claim_at IS NOT NULL THEN l.nurture_at END),
               CASE WHEN l.close_won_at IS NULL AND l.close_lost_at IS NULL
                         AND l.claim_at IS NOT NULL THEN l.nurture_at END,
               CASE WHEN l.close_won_at IS NULL AND l.close_lost_at IS NULL
                         AND l.claim_at IS NOT NULL AND l.nurture_at IS NOT NULL
                    THEN 'outcome' ELSE '' END,
               '{{}}'::jsonb
        FROM bench_life l
        JOIN bench_partner p ON p.client = l.idx / 2 AND p.k = l.h7 % {PARTNERS}
        JOIN bench_due d ON d.partner_id = p.partner_id
         AND d.day = (l.assign_at AT TIME ZONE l.zone)::date
        LEFT JOIN bench_due f ON f.partner_id = p.partner_id
         AND f.day = (l.record_contact_at AT TIME ZONE l.zone)::date
        WHERE l.assign_at IS NOT NULL AND l.idx IN ({routing})
        """,
    )


def _postgres_nurture(cursor: Any, now: str) -> None:
    n = "n.lead_id"
    touch = f"({_h_sql('n.lead_id * 16 + c.seq * 8 + c.pos', 8)})"
    _pg_run(
        cursor,
        f"""
        CREATE TEMP TABLE bench_nl AS
        SELECT s.lead_id, s.idx, s.email, s.entered, s.day, s.ended,
               CASE WHEN s.hashed % 100 < {UNSUBSCRIBED} AND (s.first / 900) % {SKIPPED} <> 0
                         AND s.unsubscribed <= {now} THEN s.unsubscribed END AS unsubscribed
        FROM (SELECT n.lead_id, n.idx, n.email, n.nurture_at AS entered, e.day, e.ended,
                     {_h_sql(n, 8)} AS hashed, {_h_sql(f"{n} * 16", 8)} AS first,
                     n.nurture_at
                     + make_interval(secs => ({_h_sql(f"{n} * 16", 8)} % 900)::int,
                                     hours => (1 + ({_h_sql(n, 8)} / 100) % 46)::int)
                     AS unsubscribed
              FROM bench_life n
              JOIN (SELECT DISTINCT idx, day, ended FROM bench_chain) e
                ON e.idx = n.idx AND e.day = (n.nurture_at AT TIME ZONE n.zone)::date
              WHERE n.nurture_at IS NOT NULL) s;
        CREATE TEMP TABLE bench_touch AS
        SELECT n.lead_id, n.idx, c.seq, c.pos, c.touch_id, c.kind, x.due, x.done_at,
               x.done_at <= {now} AND (n.unsubscribed IS NULL OR (c.seq = 0 AND c.pos = 0))
                   AS done,
               CASE WHEN c.kind = 'email' AND (x.t / 900) % {SKIPPED} = 0
                    THEN '{SKIP_REASON}' ELSE '' END AS skipped,
               CASE WHEN c.kind = 'email' AND (x.t / 900) % {SKIPPED} <> 0 THEN c.subject
                    ELSE '' END AS subject,
               CASE WHEN c.kind = 'email' AND (x.t / 900) % {SKIPPED} <> 0 THEN n.email
                    ELSE '' END AS to_address,
               CASE WHEN c.kind = 'email' AND (x.t / 900) % {SKIPPED} <> 0
                         AND (x.t / 36000) % {CLICKED} = 0
                    THEN x.done_at + make_interval(secs => (60 + (x.t / 900) % 7200)::int)
                    END AS click
        FROM bench_nl n
        JOIN bench_chain c ON c.idx = n.idx AND c.day = n.day
        CROSS JOIN LATERAL (
            SELECT y.due, y.t, y.due + make_interval(secs => (y.t % 900)::int) AS done_at
            FROM (SELECT COALESCE(c.due, n.entered) AS due, {touch} AS t) y
        ) x
        WHERE c.seq = 0 OR (n.ended <= {now} AND n.unsubscribed IS NULL);
        INSERT INTO nurture_enrollment
            (lead_id, sequence_id, state, step, next_touch_at, entered_at, left_at, left_reason,
             responded_at)
        SELECT n.lead_id, CASE WHEN v.seq = 0 THEN p.seq0 ELSE p.seq1 END,
               CASE WHEN v.seq = 1 THEN 'active' WHEN n.unsubscribed IS NOT NULL THEN 'left'
                    WHEN n.ended <= {now} THEN 'finished' ELSE 'active' END,
               COALESCE(a.done, 0),
               CASE WHEN v.seq = 1 THEN a.next
                    WHEN n.unsubscribed IS NOT NULL OR n.ended <= {now} THEN NULL
                    ELSE COALESCE(a.next, n.ended) END,
               CASE WHEN v.seq = 0 THEN n.entered ELSE n.ended END,
               CASE WHEN v.seq = 1 THEN NULL WHEN n.unsubscribed IS NOT NULL THEN n.unsubscribed
                    WHEN n.ended <= {now} THEN n.ended END,
               CASE WHEN v.seq = 1 THEN '' WHEN n.unsubscribed IS NOT NULL THEN 'unsubscribed'
                    WHEN n.ended <= {now} THEN 'ended' ELSE '' END,
               NULL
        FROM bench_nl n
        JOIN bench_program p ON p.idx = n.idx
        CROSS JOIN (VALUES (0), (1)) v(seq)
        LEFT JOIN (SELECT lead_id, seq, count(*) FILTER (WHERE done) AS done,
                          min(due) FILTER (WHERE NOT done) AS next
                   FROM bench_touch GROUP BY lead_id, seq) a
          ON a.lead_id = n.lead_id AND a.seq = v.seq
        WHERE v.seq = 0 OR (n.ended <= {now} AND n.unsubscribed IS NULL)
        ORDER BY n.lead_id, v.seq;
        INSERT INTO nurture_touchsent
            (enrollment_id, touch_id, lead_id, kind, position, due_at, done_at, outbox_key,
             to_address, subject, body_text, links, skipped)
        SELECT e.id, t.touch_id, t.lead_id, t.kind, t.pos, t.due, t.done_at, '', t.to_address,
               t.subject, '', '[]'::jsonb, t.skipped
        FROM bench_touch t
        JOIN bench_program p ON p.idx = t.idx
        JOIN nurture_enrollment e ON e.lead_id = t.lead_id
         AND e.sequence_id = CASE WHEN t.seq = 0 THEN p.seq0 ELSE p.seq1 END
        WHERE t.done
        ORDER BY e.id, t.pos;
        INSERT INTO nurture_engagement (lead_id, kind, at, sent_id, actor_id, details)
        SELECT t.lead_id, 'email_click', t.click, s.id, NULL,
               {_literal(json.dumps(CLICK_DETAILS))}::jsonb
        FROM bench_touch t
        JOIN nurture_touchsent s ON s.lead_id = t.lead_id AND s.touch_id = t.touch_id
        WHERE t.done AND t.click <= {now}
        """,
    )


def _lead_columns() -> list[str]:
    from leadflow.leads.models import Lead

    return [field.column for field in Lead._meta.concrete_fields]


def _postgres_load(setup: Setup, leads: int) -> None:
    from django.db import connection

    first = setup.template_id + 1
    g = "g.id"
    base = setup.base.isoformat()
    created = (
        f"('{base}'::timestamptz + make_interval(mins => ({_h_sql(g, 1)} % {DAYS * 1440})::int))"
    )
    half = f"'{setup.base + timedelta(days=DAYS // 2)}'::timestamptz"
    stage_index = f"(1 + ({_h_sql(g, 2)}) % {len(STAGES)})"
    fate = f"(1 + ({_h_sql(g, 3)}) % {len(FATES)})"
    overrides = {
        "id": g,
        "program_id": f"{_array([p.pk for p in setup.programs], 'bigint')}[1 + {g} % 4]",
        "status": f"{_array([LIFECYCLES[f][1][-1][2] for f in FATES])}[{fate}]",
        "owner_id": (
            f"{_array(setup.qualifiers, 'bigint')}[1 + (({g} % 4) / 2) * 3 + ({_h_sql(g, 0)}) % 3]"
        ),
        "first_name": "'Bench'",
        "last_name": f"'Lead ' || {g}",
        "email": f"'lead' || {g} || '@example.com'",
        "company": f"'Company ' || ({g} % 9973)",
        "channel": _pick_sql(CHANNELS, g, 4),
        "campaign": f"'CMP-' || lpad(((({_h_sql(g, 0)}) / 3) % 40)::text, 2, '0')",
        "inquiry_type": _pick_sql(INQUIRY_TYPES, g, 5),
        "stage": f"{_array(STAGES)}[{stage_index}]",
        "rating": (
            f"CASE WHEN {created} < {half} THEN {_array(RATINGS[1])}"
            f"[1 + {_array([_STAGE_INDEX[s] for s in STAGES], 'int')}[{stage_index}] * 2 + "
            f"(({_h_sql(g, 2)}) / 20) % 2] ELSE {_array(RATINGS[2])}"
            f"[1 + {_array([_STAGE_INDEX[s] for s in STAGES], 'int')}[{stage_index}] * 2 + "
            f"(({_h_sql(g, 2)}) / 20) % 2] END"
        ),
        "criteria_version_id": (
            f"CASE WHEN {created} < {half} "
            f"THEN {_array([v[0] for v in setup.versions], 'bigint')}[1 + {g} % 4] "
            f"ELSE {_array([v[1] for v in setup.versions], 'bigint')}[1 + {g} % 4] END"
        ),
        "created_at": created,
        "updated_at": created,
        "qualified_at": created,
        "external_id": "NULL",
        "country": f"{_array(list(COUNTRIES))}[1 + ({g} % 4) / 2]",
        "subdivision": (
            f"(ARRAY[{', '.join(_array(list(SUBDIVISIONS[c])) for c in COUNTRIES)}])"
            f"[1 + ({g} % 4) / 2][1 + ({_h_sql(g, 7)}) % {PARTNERS}]"
        ),
    }
    columns = _lead_columns()
    select = ", ".join(overrides.get(column, f't."{column}"') for column in columns)
    steps_rows = []
    for number, (_, steps) in enumerate(LIFECYCLES):
        for j, (action, source, target, reason, who) in enumerate(steps):
            text = "''" if reason != "*" else "NULL"
            if reason not in ("", "*"):
                text = "'" + reason.replace("'", "''") + "'"
            steps_rows.append(
                f"({number + 1}, {j}, '{action}', '{source}', '{target}', {text}, '{who}')"
            )
    lengths = _array([len(LIFECYCLES[f][1]) for f in FATES], "int")
    fates = _array([f + 1 for f in FATES], "int")
    with connection.cursor() as cursor:
        quoted = ", ".join(f'"{column}"' for column in columns)
        cursor.execute(
            f"INSERT INTO leads_lead ({quoted}) SELECT {select} "
            f"FROM generate_series({first}, {first + leads - 1}) AS g(id) "
            f"CROSS JOIN leads_lead t WHERE t.id = {setup.template_id}"
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('leads_lead', 'id'), "
            "(SELECT max(id) FROM leads_lead))"
        )
        x = "l.id"
        cursor.execute(
            f"""
            WITH steps(fate, j, action, from_status, to_status, reason, who) AS (
                VALUES {", ".join(steps_rows)}
            ),
            plan AS (
                SELECT l.id, l.created_at, l.stage, l.rating, cv.number AS version,
                       {fates}[1 + ({_h_sql(x, 3)}) % {len(FATES)}] AS fate,
                       {lengths}[1 + ({_h_sql(x, 3)}) % {len(FATES)}] AS tail,
                       GREATEST(1, {setup.events_per_lead} + (({_h_sql(x, 6)}) / 36) % 5 - 2 - 2
                                - {lengths}[1 + ({_h_sql(x, 3)}) % {len(FATES)}]) AS calls,
                       1 + ({_h_sql(x, 6)}) % 36 AS hours,
                       l.owner_id AS qualifier,
                       {_array(setup.reviewers, "bigint")}[1 + (({_h_sql(x, 3)}) / 20) % 2]
                           AS reviewer
                FROM leads_lead l
                JOIN programs_criteriaversion cv ON cv.id = l.criteria_version_id
                WHERE l.id BETWEEN {first} AND {first + leads - 1}
            )
            INSERT INTO leads_leadevent
                (lead_id, kind, action, actor_id, at, from_status, to_status, before, after,
                 reason)
            SELECT p.id,
                   CASE WHEN i = 0 THEN 'created' WHEN i = 1 OR s.j IS NOT NULL
                        THEN 'status_changed' ELSE 'call' END,
                   CASE WHEN i = 0 THEN '' WHEN i = 1 THEN 'start_qualifying'
                        ELSE COALESCE(s.action, '') END,
                   CASE WHEN i = 0 THEN NULL WHEN s.j IS NULL OR s.who = 'q' THEN p.qualifier
                        WHEN s.who = 'r' THEN p.reviewer END,
                   p.created_at + make_interval(hours => (i * p.hours)::int, secs => i),
                   CASE WHEN i = 0 THEN '' WHEN i = 1 THEN 'new'
                        ELSE COALESCE(s.from_status, '') END,
                   CASE WHEN i = 0 THEN 'new' WHEN i = 1 THEN 'qualifying'
                        ELSE COALESCE(s.to_status, '') END,
                   '{{}}'::jsonb,
                   CASE WHEN i = 0 THEN jsonb_build_object(
                            'stage', p.stage, 'rating', p.rating,
                            'criteria_version', p.version)
                        WHEN i = 1 OR s.j IS NOT NULL THEN '{{}}'::jsonb
                        ELSE jsonb_build_object('outcome',
                            {_array(OUTCOMES)}[1 + (p.id + i) % {len(OUTCOMES)}]) END,
                   CASE WHEN s.j IS NULL THEN ''
                        WHEN s.reason IS NULL
                        THEN {_array(REASONS)}[1 + (p.id / 7) % {len(REASONS)}]
                        ELSE s.reason END
            FROM plan p
            CROSS JOIN LATERAL generate_series(0, 1 + p.calls + p.tail) AS i
            LEFT JOIN steps s ON s.fate = p.fate AND s.j = i - 2 - p.calls
            """
        )
    _postgres_hand_off(setup, first, first + leads - 1)


def _sqlite_stamp(value: datetime) -> str:
    return str(value.astimezone(UTC).replace(tzinfo=None))


def _sqlite_load(setup: Setup, leads: int) -> None:
    from django.db import connection, transaction

    columns = _lead_columns()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM leads_lead WHERE id = %s", [setup.template_id]
        )
        template = dict(zip(columns, cursor.fetchone(), strict=True))
    lead_rows = []
    event_rows = []
    lives = []
    for lead_id in range(setup.template_id + 1, setup.template_id + 1 + leads):
        plan = setup.lead(lead_id)
        stamp = _sqlite_stamp(plan["created"])
        row = {
            **template,
            "id": lead_id,
            "program_id": setup.programs[plan["program"]].pk,
            "status": plan["status"],
            "owner_id": plan["qualifier"],
            "first_name": "Bench",
            "last_name": f"Lead {lead_id}",
            "email": f"lead{lead_id}@example.com",
            "company": f"Company {lead_id % 9973}",
            "channel": plan["channel"],
            "campaign": plan["campaign"],
            "inquiry_type": plan["inquiry_type"],
            "stage": plan["stage"],
            "rating": plan["rating"],
            "criteria_version_id": setup.versions[plan["program"]][plan["version"] - 1],
            "created_at": stamp,
            "updated_at": stamp,
            "qualified_at": stamp,
            "external_id": None,
            "country": COUNTRIES[plan["program"] // 2],
            "subdivision": SUBDIVISIONS[COUNTRIES[plan["program"] // 2]][h(lead_id, 7) % PARTNERS],
        }
        lead_rows.append([row[column] for column in columns])
        created = plan["created"]

        def at(i: int, created: datetime = created, hours: int = plan["hours"]) -> str:
            return _sqlite_stamp(created + timedelta(hours=i * hours, seconds=i))

        after = {"stage": plan["stage"], "rating": plan["rating"]}
        after["criteria_version"] = plan["version"]
        event_rows.append((lead_id, "created", "", None, at(0), "", "new", "{}",
                           json.dumps(after), ""))  # fmt: skip
        event_rows.append((lead_id, "status_changed", "start_qualifying", plan["qualifier"],
                           at(1), "new", "qualifying", "{}", "{}", ""))  # fmt: skip
        i = 2
        for _ in range(plan["calls"]):
            outcome = OUTCOMES[(lead_id + i) % len(OUTCOMES)]
            event_rows.append((lead_id, "call", "", plan["qualifier"], at(i), "", "", "{}",
                               json.dumps({"outcome": outcome}), ""))  # fmt: skip
            i += 1
        times: dict[str, datetime] = {}
        for action, source, target, reason, who in plan["steps"]:
            times[action] = created + timedelta(hours=i * plan["hours"], seconds=i)
            actor = {"q": plan["qualifier"], "r": plan["reviewer"]}.get(who)
            text = REASONS[(lead_id // 7) % len(REASONS)] if reason == "*" else reason
            event_rows.append((lead_id, "status_changed", action, actor, at(i), source, target,
                               "{}", "{}", text))  # fmt: skip
            i += 1
        lives.append(Life(lead_id, plan["program"], plan["rating"], row["email"], times))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO leads_lead ({', '.join(columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})",
            lead_rows,
        )
        cursor.executemany(
            "INSERT INTO leads_leadevent (lead_id, kind, action, actor_id, at, from_status, "
            "to_status, before, after, reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            event_rows,
        )
        _sqlite_hand_off(setup, lives)


def _median_ms(browser: Any, url: str) -> float:
    timings = []
    for run in range(RUNS + 1):
        begin = time.perf_counter()
        response = browser.get(url)
        elapsed = (time.perf_counter() - begin) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {response.content[:500]!r}")
        if run:
            timings.append(elapsed)
    return statistics.median(timings)


def worker(database_url: str, leads: int, events_per_lead: int) -> dict[str, Any]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadflow.config.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["HTTPS"] = "false"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from leadflow.leads.models import Lead, LeadEvent
    from leadflow.reports.services.refresh import facts_rebuild

    call_command("migrate", verbosity=0)
    now = timezone.now().replace(microsecond=0)
    started = time.perf_counter()
    setup = Setup(events_per_lead, now, leads)
    setup_s = time.perf_counter() - started
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        _postgres_load(setup, leads)
    else:
        _sqlite_load(setup, leads)
    load_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    figures: dict[str, Any] = {
        "leads": Lead.objects.count(),
        "events": LeadEvent.objects.count(),
        "load_s": load_s,
        "setup_s": setup_s,
        "generated": _generated(),
    }
    started = time.perf_counter()
    facts_rebuild()
    figures["rebuild_s"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    browser = Client()
    browser.force_login(setup.manager)
    today = timezone.localdate()
    year = f"from={(today - timedelta(days=365)).isoformat()}&to={today.isoformat()}"
    for scope, extra in (("all", ""), ("one", f"&program={setup.programs[0].slug}")):
        for name, query in PAGES.items():
            report, _, by = query.partition("&")
            for key, period in ((f"{scope}:{name}", year), (f"{scope}:{name}:empty", EMPTY)):
                url = f"/reports/{report}/?{period}{extra}" + (f"&{by}" if by else "")
                figures[key] = _median_ms(browser, url)
    return figures


def _generated() -> dict[str, int]:
    """How many rows of what the dashboards read besides the history were generated."""
    from leadflow.delivery.models import Delivery, DeliveryItem
    from leadflow.guarantees.models import Dispute
    from leadflow.nurture.models import Engagement, Enrollment, TouchSent
    from leadflow.partners.models import Assignment, Decline, Violation

    models = {
        "deliveries": Delivery, "delivered leads": DeliveryItem, "disputes": Dispute,
        "assignments": Assignment, "violations": Violation, "declines": Decline,
        "enrollments": Enrollment, "touches": TouchSent, "clicks": Engagement,
    }  # fmt: skip
    return {label: model._default_manager.count() for label, model in models.items()}


# --- the driver ----------------------------------------------------------------------------------


def _page(figures: dict[str, Any], key: str) -> str:
    """A page's median, and how many times its fixed cost (the same page for an empty
    period) it is."""
    ms, empty = figures[key], figures[f"{key}:empty"]
    return f"{ms:,.0f} ms ({ms / empty:.1f}x empty {empty:,.0f} ms)"


def _line(name: str, figures: dict[str, Any], shared: str) -> str:
    machine = platform.processor() or platform.machine()
    pages = "; ".join(f"{page} {_page(figures, 'all:' + page)}" for page in PAGES)
    one = "; ".join(f"{page} {_page(figures, 'one:' + page)}" for page in PAGES)
    generated = ", ".join(f"{count:,} {label}" for label, count in figures["generated"].items())
    return (
        f"- {date.today().isoformat()} {platform.node()} ({machine}, Python "
        f"{platform.python_version()}), {name}: {figures['leads']:,} leads, "
        f"{figures['events']:,} events, {generated} (loaded in {figures['load_s']:,.1f} s): "
        f"rebuild {figures['rebuild_s']:,.0f} s; one year, all programs, median of {RUNS} "
        f"(x its page for {EMPTY}): {pages}; one program: {one}{shared}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=LEADS, help="leads on PostgreSQL")
    parser.add_argument("--sqlite-leads", type=int, help=f"default: --leads / {SQLITE_SHARE}")
    parser.add_argument("--events-per-lead", type=int, default=EVENTS_PER_LEAD)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--no-record", action="store_true", help="print, do not record")
    parser.add_argument("--worker", metavar="DATABASE_URL")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.leads, args.events_per_lead)))
        return
    sqlite_leads = args.sqlite_leads or max(1, args.leads // SQLITE_SHARE)
    with tempfile.TemporaryDirectory(prefix="leadflow-bench-") as tmp:
        tmp_dir = Path(tmp)
        databases = []
        if args.only != "postgres":
            databases.append(("SQLite", f"sqlite:///{tmp_dir / 'bench.sqlite3'}", sqlite_leads))
        if args.only != "sqlite":
            postgres = postgres_fresh(BENCH_DATABASE)
            if postgres:
                databases.append(("PostgreSQL", postgres, args.leads))
        for name, url, count in databases:
            load = os.getloadavg()[0]
            per_lead = str(args.events_per_lead)
            try:
                figures = run_worker(
                    __file__,
                    ["--worker", url, "--leads", str(count), "--events-per-lead", per_lead],
                    url=url,
                    var_dir=tmp_dir,
                    env={"HTTPS": "false"},
                )
            finally:
                if name == "PostgreSQL":
                    postgres_drop(url)
            load = max(load, os.getloadavg()[0])
            cores = os.cpu_count() or 1
            shared = f" (shared: load average {load:.0f} on {cores} cores)" if load > 1.5 else ""
            line = _line(name, figures, shared)
            print(line)
            if not args.no_record:
                record_line(HEADING, line)


if __name__ == "__main__":
    main()
