"""The demo's nurture (issue 14, item 8): each demo program gets the sequence ``demo-nurture``
(an e-mail at once, a call task after 3 working days, a direct-mail touch after 10, an e-mail
after 20, counted from entry) as its default, and its nurturing leads go through it, replayed
with the real services at the times things would have happened: they enter over the last
weeks, the due touches are done as the periodic job would have done them, older call tasks
are made and older mailing-list entries exported, a few leads respond, one unsubscribes and
one bounces. So the nurture pages, the lead pages and the queue have something true to show.

Idempotent: a program that has the sequence already is left as it is."""

from collections.abc import Mapping
from collections.abc import Sequence as Seq
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Min

from leadflow.accounts.models import User
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import Lead
from leadflow.nurture.models import (
    CallTask,
    EngagementKind,
    Enrollment,
    EnrollmentState,
    MailingListEntry,
    OnEnd,
    Sequence,
    TouchKind,
    TouchSent,
)
from leadflow.nurture.services import (
    sequence_create,
    sequence_enter,
    touch_add,
    touches_due_process,
)
from leadflow.nurture.services.responses import (
    call_task_done,
    lead_mark_bounced,
    lead_responded,
    mailing_list_mark_exported,
    sent_unsubscribe,
)
from leadflow.programs.models import Program

DEMO_SLUG = "demo-nurture"
#: Leads enter over this many days before ``now``: the last touch is on working day 20 and the
#: sequence ends some working days later, so the earliest have finished it, the latest have
#: had only the first e-mail.
ENTRY_SPAN = timedelta(days=50)
#: Call tasks and mailing-list entries older than this were worked / exported by ``now``.
WORKED_AFTER = timedelta(days=2)
RESPONDERS_PER_PROGRAM = 2

WELCOME = """Hello {{ first_name|default:"there" }},

thank you for your interest in {{ program }}. We will keep you posted with what we learn
from companies like {{ company|default:"yours" }}: short notes, no more than one a week.

Our overview of the offer is at https://www.example.com/overview

Kind regards,
The {{ client }} team"""
CALL_SCRIPT = """Introduce yourself and mention the e-mail we sent.
Ask whether the timing of their project has changed and who else is involved.
If they are interested now, record that they responded."""
LETTER = "Printed product brochure with a personal letter and a reply card."
FOLLOW_UP = """Hello {{ first_name|default:"there" }},

a few weeks ago you asked about {{ program }}. Many teams start with a short call to see
whether the timing is right. If that would help, reply to this e-mail or book a time at
https://www.example.com/book

Kind regards,
The {{ client }} team"""


@dataclass(frozen=True)
class DemoNurture:
    sequences: list[Sequence]
    entered: int


def _sequence(program: Program, at: datetime) -> Sequence:
    sequence = sequence_create(
        program=program,
        name="Keep in touch",
        slug=DEMO_SLUG,
        is_default=True,
        on_end=OnEnd.DEAD_FILE,
        now=at,
    )
    touch_add(
        sequence=sequence,
        kind=TouchKind.EMAIL,
        wait_days=0,
        subject='{{ first_name|default:"Hello" }}, thank you for your interest in {{ program }}',
        body_text=WELCOME,
        now=at,
    )
    # Waits count from the touch before: the call on working day 3, the letter on day 10 and
    # the last e-mail on day 20 after entry.
    touch_add(sequence=sequence, kind=TouchKind.CALL, wait_days=3, call_script=CALL_SCRIPT, now=at)
    touch_add(sequence=sequence, kind=TouchKind.DIRECT_MAIL, wait_days=7, body_text=LETTER, now=at)
    touch_add(
        sequence=sequence,
        kind=TouchKind.EMAIL,
        wait_days=10,
        subject='Is now a better time, {{ first_name|default:"there" }}?',
        body_text=FOLLOW_UP,
        now=at,
    )
    return sequence


def _entries(leads: list[Lead], now: datetime) -> list[tuple[datetime, int]]:
    """When each nurturing lead enters: spread evenly over the last ``ENTRY_SPAN``, never
    before the lead last changed (its move to nurture)."""
    count = max(len(leads), 1)
    entries = []
    for rank, lead in enumerate(leads):
        spread = now - ENTRY_SPAN + ENTRY_SPAN * (rank + 0.5) / count
        entries.append((min(max(spread, lead.updated_at + timedelta(hours=1)), now), lead.pk))
    return sorted(entries)


def _replay(sequences: list[Sequence], entries: list[tuple[datetime, int]], now: datetime) -> None:
    """Entries and due touches in time order, as the ``leads.nurtured`` handler and the
    periodic job would have run them."""
    pending = list(entries)
    active = Enrollment.objects.filter(sequence__in=sequences, state=EnrollmentState.ACTIVE)
    clock = entries[0][0] if entries else now
    while clock <= now:
        due = active.filter(next_touch_at__lte=now).aggregate(at=Min("next_touch_at"))["at"]
        entry = pending[0][0] if pending else None
        if entry is not None and (due is None or entry <= max(due, clock)):
            lead_ids = [lead_id for when, lead_id in pending if when == entry]
            pending = [item for item in pending if item[0] != entry]
            sequence_enter(lead_ids=lead_ids, now=entry)
            clock = max(clock, entry)
        elif due is not None:
            # A touch held back (the program's e-mails per minute) is due again a minute on.
            at = max(due, clock)
            clock = at if touches_due_process(now=at) else at + timedelta(minutes=1)
        else:
            return


def _work(sequences: list[Sequence], actors: Mapping[str, User], now: datetime) -> None:
    """What staff did meanwhile: older calls made, older addresses exported."""
    for task in CallTask.objects.filter(
        sent__enrollment__sequence__in=sequences,
        done_at__isnull=True,
        due_at__lte=now - WORKED_AFTER,
    ).order_by("due_at", "id"):
        call_task_done(
            task=task,
            actor=actors["qualifier"],
            now=task.due_at + timedelta(hours=3),
            note="Left a voicemail.",
        )
    old = MailingListEntry.objects.filter(
        sent__enrollment__sequence__in=sequences,
        exported_at__isnull=True,
        created_at__lte=now - WORKED_AFTER,
    )
    mailing_list_mark_exported(entries=list(old), now=now - WORKED_AFTER)


def _after_last(lead: Lead, now: datetime) -> datetime:
    """A time between the lead's last event and ``now``, so its history stays in order."""
    last = lead.events.order_by("-at", "-id").values_list("at", flat=True)[0]
    return last + (now - last) / 2


def _respond(sequences: list[Sequence], actors: Mapping[str, User], now: datetime) -> None:
    """A few leads that had a touch respond: one replied, one answered the phone."""
    kinds = (EngagementKind.REPLY, EngagementKind.PHONE)
    for sequence in sequences:
        touched = (
            Enrollment.objects.filter(sequence=sequence, state=EnrollmentState.ACTIVE, step__gte=2)
            .select_related("lead")
            .order_by("entered_at", "id")[:RESPONDERS_PER_PROGRAM]
        )
        for number, enrollment in enumerate(touched):
            lead_responded(
                lead=enrollment.lead,
                actor=actors["marketer"] if number == 0 else actors["qualifier"],
                now=_after_last(enrollment.lead, now),
                kind=kinds[number % 2],
                note="Asked for a demo next quarter." if number == 0 else "Project restarted.",
            )


def _stop(sequences: list[Sequence], actors: Mapping[str, User], now: datetime) -> None:
    """In each program one person unsubscribes through the link of the e-mail they had, and
    one address is marked bounced by marketing."""
    for sequence in sequences:
        emailed = list(
            TouchSent.objects.filter(
                enrollment__sequence=sequence,
                enrollment__state=EnrollmentState.ACTIVE,
                kind=TouchKind.EMAIL,
                skipped="",
            )
            .select_related("lead")
            .order_by("-done_at", "-id")[:2]
        )
        if emailed:
            sent = emailed[0]
            sent_unsubscribe(sent=sent, now=_after_last(sent.lead, now))
        if len(emailed) > 1:
            sent = emailed[1]
            lead_mark_bounced(
                lead=sent.lead, actor=actors["marketer"], now=_after_last(sent.lead, now)
            )


def demo_nurture(
    *, programs: Seq[Program], actors: Mapping[str, User], now: datetime
) -> DemoNurture:
    """Give each program the demo sequence and replay its nurturing leads through it."""
    start = now - ENTRY_SPAN - timedelta(days=1)
    fresh = [
        program
        for program in programs
        if not Sequence.objects.filter(program=program, slug=DEMO_SLUG).exists()
    ]
    sequences = [_sequence(program, start) for program in fresh]
    if not sequences:
        return DemoNurture(sequences=[], entered=0)
    leads = list(
        Lead.objects.filter(program__in=fresh, status=LeadStatus.NURTURING).order_by(
            "created_at", "id"
        )
    )
    entries = _entries(leads, now)
    _replay(sequences, entries, now)
    _work(sequences, actors, now)
    _respond(sequences, actors, now)
    _stop(sequences, actors, now)
    return DemoNurture(sequences=sequences, entered=len(entries))
