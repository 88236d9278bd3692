"""Reads of nurture, always starting from what the caller may see: sequences of the programs
in the user's scope (``programs.selectors.program_list``), enrollments, call tasks and mailing
lists of the leads in the user's scope (``leads.selectors.lead_scope``). Out of scope is
"does not exist" (404)."""

import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import BaseExpression
from django.db.models.functions import JSONArray

from leadflow.accounts.models import User
from leadflow.core.calendar import WorkingCalendar, working_calendar
from leadflow.core.consent import ConsentChannel, ConsentStatus, marketing_allowed
from leadflow.core.errors import CalendarError
from leadflow.core.qualification import EngagementEvent
from leadflow.leads.models import ContactConsent, Lead
from leadflow.leads.selectors import lead_scope
from leadflow.nurture.models import (
    CallTask,
    Engagement,
    EngagementKind,
    Enrollment,
    EnrollmentState,
    MailingListEntry,
    NurtureSettings,
    Sequence,
    Touch,
    TouchSent,
)
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_list

DEFAULT_PER_MINUTE = NurtureSettings._meta.get_field("per_minute").get_default()


def sequence_list(*, user: User) -> QuerySet[Sequence]:
    """The sequences of the programs the user may see, with their touch and active counts."""
    return (
        Sequence.objects.filter(program__in=program_list(user=user))
        .select_related("program", "program__client")
        .annotate(
            touch_count=Count("touches", distinct=True),
            active_count=Count(
                "enrollments",
                filter=Q(enrollments__state=EnrollmentState.ACTIVE),
                distinct=True,
            ),
        )
    )


def sequence_get(*, user: User, sequence_id: int) -> Sequence:
    return sequence_list(user=user).get(pk=sequence_id)


def sequences_for_program(*, user: User, program: Program) -> QuerySet[Sequence]:
    return sequence_list(user=user).filter(program=program)


def touch_get(*, user: User, touch_id: int) -> Touch:
    return Touch.objects.select_related("sequence", "sequence__program").get(
        pk=touch_id, sequence__program__in=program_list(user=user)
    )


def sequence_touches(*, sequence: Sequence) -> list[Touch]:
    return list(sequence.touches.order_by("position", "id"))


def enrollments_of(*, sequence: Sequence) -> QuerySet[Enrollment]:
    return sequence.enrollments.select_related("lead").order_by("-entered_at", "-id")


@dataclass(frozen=True)
class LeadNurture:
    """A lead's place in nurture: its active enrollment (else its last), the next touch, an
    open call task, and the touches done."""

    enrollment: Enrollment
    sequence: Sequence
    next_touch: Touch | None
    open_call_task: CallTask | None
    sent: list[TouchSent] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.enrollment.state == EnrollmentState.ACTIVE


def lead_nurture(*, lead: Lead) -> LeadNurture | None:
    """The lead's nurture, or None when it was never in a sequence."""
    enrollments = Enrollment.objects.filter(lead=lead).select_related("sequence")
    enrollment = (
        enrollments.filter(state=EnrollmentState.ACTIVE).first()
        or enrollments.order_by("-entered_at", "-id").first()
    )
    if enrollment is None:
        return None
    touches = sequence_touches(sequence=enrollment.sequence)
    next_touch = (
        touches[enrollment.step]
        if enrollment.state == EnrollmentState.ACTIVE and enrollment.step < len(touches)
        else None
    )
    open_task = (
        CallTask.objects.filter(lead=lead, done_at__isnull=True).order_by("due_at", "id").first()
    )
    sent = list(TouchSent.objects.filter(enrollment=enrollment).order_by("done_at", "id"))
    return LeadNurture(enrollment, enrollment.sequence, next_touch, open_task, sent)


def call_tasks_due(*, user: User, now: datetime) -> QuerySet[CallTask]:
    """Open call tasks due by ``now`` of the leads the user may see, oldest first."""
    return (
        CallTask.objects.filter(
            done_at__isnull=True, due_at__lte=now, lead__in=lead_scope(user=user)
        )
        .select_related("lead", "sent")
        .order_by("due_at", "id")
    )


def call_task_get(*, user: User, task_id: int) -> CallTask:
    return CallTask.objects.select_related("lead").get(pk=task_id, lead__in=lead_scope(user=user))


def mailing_list(
    *,
    user: User,
    sequence: Sequence | None = None,
    program: Program | None = None,
    pending_only: bool = True,
) -> QuerySet[MailingListEntry]:
    """Mailing-list entries of the leads the user may see (not yet exported, by default)."""
    entries = MailingListEntry.objects.filter(lead__in=lead_scope(user=user))
    if sequence is not None:
        entries = entries.filter(sent__enrollment__sequence=sequence)
    if program is not None:
        entries = entries.filter(program=program)
    if pending_only:
        entries = entries.filter(exported_at__isnull=True)
    return entries.order_by("created_at", "id")


# The engine's reads -------------------------------------------------------------------------


def program_settings(program_ids: Iterable[int]) -> dict[int, NurtureSettings]:
    """Each program's nurture settings (defaults for a program without a row)."""
    ids = set(program_ids)
    found = {row.program_id: row for row in NurtureSettings.objects.filter(program_id__in=ids)}
    return {pid: found.get(pid) or NurtureSettings(program_id=pid) for pid in ids}


def program_calendar(program: Program, settings: NurtureSettings | None = None) -> WorkingCalendar:
    """The program's working days for nurture waits: the client's country (else the
    program's default region) and timezone, the nurture subdivision, the closure days."""
    closed = _closure_days(tuple(program.closure_days or ()))
    subdivision = settings.subdivision if settings is not None else ""
    country = program.client.country or program.default_region
    try:
        return _calendar(country, subdivision, program.client.timezone, closed)
    except CalendarError:
        return _calendar(country, "", program.client.timezone, closed)


def _closure_days(days: tuple[str, ...]) -> frozenset[date]:
    parsed = set()
    for day in days:
        try:
            parsed.add(date.fromisoformat(day))
        except (TypeError, ValueError):
            continue  # a bad closure day is the SLA's to report; nurture skips it
    return frozenset(parsed)


@functools.lru_cache(maxsize=256)
def _calendar(
    country: str, subdivision: str, timezone: str, closed: frozenset[date]
) -> WorkingCalendar:
    return working_calendar(
        country=country, subdivision=subdivision or None, timezone=timezone, closure_days=closed
    )


def consent_blocked(
    *, client_id: int, channel: ConsentChannel, addresses: Iterable[str]
) -> dict[str, ConsentStatus]:
    """The addresses of one client that marketing may not use, with their status, in one
    query (the set-based form of ``leads.selectors.consent.marketing_email_allowed``)."""
    wanted = {address for address in addresses if address}
    if not wanted:
        return {}
    rows = ContactConsent.objects.filter(
        client_id=client_id, channel=channel, address__in=wanted
    ).values_list("address", "status")
    return {
        address: ConsentStatus(status)
        for address, status in rows
        if not marketing_allowed(ConsentStatus(status))
    }


def emails_sent_since(*, program_ids: Iterable[int], since: datetime) -> dict[int, int]:
    """E-mails each program's sequences queued since ``since`` (the throttle's count)."""
    rows = (
        TouchSent.objects.filter(
            enrollment__sequence__program_id__in=set(program_ids),
            kind="email",
            skipped="",
            done_at__gt=since,
        )
        .values_list("enrollment__sequence__program_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def leads_engagement(*, lead_ids: Iterable[int]) -> dict[int, list[EngagementEvent]]:
    """The leads' engagement events for their qualification (``config/leads.py``
    ``LEAD_ENGAGEMENT``): every response recorded, in one query."""
    found: dict[int, list[EngagementEvent]] = {}
    rows = Engagement.objects.filter(lead_id__in=list(lead_ids)).values_list(
        "lead_id", "kind", "at"
    )
    for lead_id, kind, at in rows.order_by("at", "id"):
        found.setdefault(lead_id, []).append(EngagementEvent(kind=kind, at=at))
    return found


def lead_engagement_column() -> tuple[BaseExpression, Callable[[Any], list[EngagementEvent]]]:
    """``leads_engagement`` of one lead as a column of the lead's own query (``config/leads.py``
    ``LEAD_ENGAGEMENT_COLUMNS``; PostgreSQL): an array of ``[kind, at]`` pairs in the same
    order, and how to read it back, so a merge reads its locked lead and the lead's responses
    in one statement."""
    pairs = (
        Engagement.objects.filter(lead=OuterRef("pk"))
        .order_by("at", "id")
        .values(pair=JSONArray("kind", "at"))
    )
    return ArraySubquery(pairs), _engagement_read


def _engagement_read(value: Any) -> list[EngagementEvent]:
    return [
        EngagementEvent(kind=kind, at=datetime.fromisoformat(at))
        for kind, at in (json.loads(pair) if isinstance(pair, str) else pair for pair in value)
    ]


#: The engagement kinds that are responses (a click is interest, not a response).
RESPONSES = (EngagementKind.REPLY, EngagementKind.PHONE, EngagementKind.FORM_FILL)


def responded_not_yet_worked() -> Q:
    """Leads that responded to nurture and were not re-qualified since (the qualification
    queue puts them first among their rating: ``config/leads.py`` ``QUEUE_FIRST``)."""
    return Q(
        Exists(
            Engagement.objects.filter(
                lead=OuterRef("pk"), kind__in=RESPONSES, at__gte=OuterRef("qualified_at")
            )
        )
    )


def lead_responded_recently(*, lead: Lead) -> bool:
    """Whether the lead responded and was not worked since (the "responded" mark)."""
    return Lead.objects.filter(responded_not_yet_worked(), pk=lead.pk).exists()
