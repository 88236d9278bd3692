"""Demos (issue 15, item 4): remote or on site, scheduled in the participants' timezone, with
RFC 5545 invitations e-mailed to every participant.

Times: ``starts_at``/``ends_at`` given with an offset are those instants; given without one
they are wall-clock times in the demo's ``timezone`` (an IANA name), read by RFC 5545's rules
for daylight-saving changes (``core.sales.instant_in``). The invitation shows them in that
timezone (``DTSTART;TZID=…`` with its ``VTIMEZONE``).

Invitations (RFC 5545/5546): ``METHOD:REQUEST`` with the demo's stable ``UID``; a reschedule
sends the same ``UID`` with ``SEQUENCE`` one higher; a cancellation ``METHOD:CANCEL``
(``STATUS:CANCELLED``, ``SEQUENCE`` one higher again). Each participant gets one e-mail per
version with the ``.ics`` attached (outbox key per demo, version, method and address: never
twice); our own people and the partner's also get the completed questionnaire.

An on-site demo must start at least the program's minimum lead time (``SalesSettings.
demo_min_lead_days``, 14 days) after it is booked or moved: earlier is refused with the
earliest possible start (``InputError`` on ``starts_at``, a 422 in the API).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from leadflow.accounts.models import Role, User
from leadflow.core.errors import DomainRefused, InputError, NormalisationError
from leadflow.core.invitations import Invitation, Person, invitation_ics
from leadflow.core.normalise import normalise_email
from leadflow.core.sales import earliest_on_site, instant_in, zone_of
from leadflow.leads.models import Lead
from leadflow.leads.services import events_record
from leadflow.notifications.services import Attachment, email_enqueue
from leadflow.sales.models import (
    Demo,
    DemoKind,
    DemoNextStep,
    DemoParticipant,
    DemoState,
    ParticipantRole,
    Task,
    TaskKind,
    TaskState,
)
from leadflow.sales.selectors.tasks import sales_settings
from leadflow.sales.services.documents import document_check
from leadflow.sales.services.tasks import sales_note, task_done, tasks_cancel

PRODID = "-//LeadFlow//Sales demos//EN"
MAX_PARTICIPANTS = 50
MAX_DURATION = timedelta(hours=24)
MAX_TEXT = 10_000


@dataclass(frozen=True)
class ParticipantIn:
    email: str
    name: str = ""
    role: str = ""
    user: User | None = None


# --- Checks -------------------------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return zone_of(name)
    except ValueError:
        raise InputError("timezone", "not a timezone name such as Europe/Berlin") from None


def _times(
    starts_at: datetime, ends_at: datetime, zone: ZoneInfo, kind: str, lead: Lead, now: datetime
) -> tuple[datetime, datetime]:
    try:
        start = instant_in(starts_at, zone)
        end = instant_in(ends_at, zone)
        start.astimezone(zone), end.astimezone(zone), end + MAX_DURATION
    except (OverflowError, ValueError):
        raise InputError("starts_at", "the time is out of range") from None
    if start <= now:
        raise InputError("starts_at", "the demo must start in the future")
    if end <= start:
        raise InputError("ends_at", "the demo must end after it starts")
    if end - start > MAX_DURATION:
        raise InputError("ends_at", "a demo lasts at most 24 hours")
    if kind == DemoKind.ON_SITE:
        days = sales_settings(lead.program_id).demo_min_lead_days
        earliest = earliest_on_site(now, days)
        if start < earliest:
            local = earliest.astimezone(zone)
            raise InputError(
                "starts_at",
                f"An on-site demo must be booked at least {days} days ahead: the earliest "
                f"start is {local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}.",
            )
    return start, end


def _text(field: str, value: str, limit: int = MAX_TEXT) -> str:
    if "\x00" in value:
        raise InputError(field, "must not contain NUL characters")
    if len(value) > limit:
        raise InputError(field, f"must be at most {limit} characters")
    return value


def _participants(
    lead: Lead, given: Sequence[str | ParticipantIn], actor: User | None
) -> list[ParticipantIn]:
    """The participants, addresses normalised and each once; the organizer (the actor) is
    one of them when they have an address."""
    wanted = [ParticipantIn(email=item) if isinstance(item, str) else item for item in given]
    if actor is not None and actor.email:
        wanted.append(ParticipantIn(email=actor.email, user=actor))
    if len(wanted) > MAX_PARTICIPANTS:
        raise InputError("participants", f"at most {MAX_PARTICIPANTS} participants")
    seen: dict[str, ParticipantIn] = {}
    for index, item in enumerate(wanted):
        try:
            address = normalise_email(item.email)
        except NormalisationError as exc:
            raise InputError(f"participants.{index}", str(exc)) from None
        if address not in seen:
            seen[address] = ParticipantIn(
                email=address, name=_text("name", item.name, 200), role=item.role, user=item.user
            )
    users = {
        user.email.lower(): user
        for user in User.objects.filter(email__in=list(seen), is_active=True)
    }
    lead_address = lead.email.strip().lower()
    result = []
    for address, item in seen.items():
        user = item.user or users.get(address)
        role = item.role
        if not role:
            if user is not None:
                role = (
                    ParticipantRole.PARTNER
                    if user.has_role(Role.PARTNER)
                    else ParticipantRole.INTERNAL
                )
            else:
                role = ParticipantRole.PROSPECT
        if role not in ParticipantRole.values:
            raise InputError("participants", f"unknown participant role {role!r}")
        name = item.name
        if not name and user is not None:
            name = user.get_full_name()
        if not name and address == lead_address:
            name = " ".join(part for part in (lead.first_name, lead.last_name) if part)
        result.append(ParticipantIn(email=address, name=name, role=role, user=user))
    return result


# --- The invitation -----------------------------------------------------------------------------


def _organizer(demo: Demo) -> Person:
    user = demo.organizer
    if user is not None and user.email:
        return Person(user.email, user.get_full_name() or user.get_username())
    name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return Person(email or "leadflow@localhost", name or "LeadFlow")


def _summary(demo: Demo) -> str:
    lead = demo.lead
    who = lead.company or " ".join(p for p in (lead.first_name, lead.last_name) if p)
    return f"{demo.get_kind_display()} demo: {who or f'lead #{lead.pk}'}"


def demo_invite_ics(*, demo: Demo) -> bytes:
    """The demo's current invitation: ``METHOD:REQUEST``, or ``METHOD:CANCEL`` once cancelled
    (writes nothing; the format is ``core.invitations``)."""
    description = demo.objectives.strip()
    if demo.meeting_url:
        description = f"{description}\n\nJoin: {demo.meeting_url}".strip()
    return invitation_ics(
        Invitation(
            prodid=PRODID,
            uid=demo.uid,
            sequence=demo.sequence,
            cancelled=demo.state == DemoState.CANCELLED,
            starts_at=demo.starts_at,
            ends_at=demo.ends_at,
            timezone=demo.timezone,
            summary=_summary(demo),
            organizer=_organizer(demo),
            attendees=tuple(Person(p.email, p.name) for p in demo.participants.all()),
            created_at=demo.created_at,
            updated_at=demo.updated_at,
            location=demo.location or demo.meeting_url,
            url=demo.meeting_url,
            description=description,
        )
    )


def _when(demo: Demo) -> str:
    zone = ZoneInfo(demo.timezone)
    start = demo.starts_at.astimezone(zone)
    end = demo.ends_at.astimezone(zone)
    day = f"{start:%a} {start.day} {start:%b %Y}"
    return f"{day}, {start:%H:%M} to {end:%H:%M} {start.tzname()} ({demo.timezone})"


def _send(demo: Demo, now: datetime) -> int:
    """E-mail the current invitation to every participant; how many were queued."""
    ics = demo_invite_ics(demo=demo)
    cancelled = demo.state == DemoState.CANCELLED
    method = "CANCEL" if cancelled else "REQUEST"
    invitation = Attachment(filename="invite.ics", content=ics, mimetype="text/calendar")
    questionnaire: Attachment | None = None
    if demo.questionnaire and not cancelled:
        with demo.questionnaire.open("rb") as handle:
            questionnaire = Attachment(
                filename=demo.questionnaire_name or "questionnaire",
                content=handle.read(),
                mimetype=demo.questionnaire_type or "application/octet-stream",
            )
    if cancelled:
        subject = f"Cancelled: {_summary(demo)}"
        lead_in = "This demo is cancelled"
    elif demo.sequence:
        subject = f"Moved: {_summary(demo)}, {_when(demo)}"
        lead_in = "This demo has moved. It is now"
    else:
        subject = f"Invitation: {_summary(demo)}, {_when(demo)}"
        lead_in = "You are invited to a demo"
    where = demo.location or demo.meeting_url or "to be confirmed"
    body = (
        f"{lead_in}: {_when(demo)}.\n\nWhere: {where}\n"
        + (f"\nObjectives:\n{demo.objectives}\n" if demo.objectives and not cancelled else "")
        + "\nThe invitation is attached (invite.ics): open it to update your calendar.\n"
    )
    sent = 0
    for participant in demo.participants.all():
        attachments = [invitation]
        if questionnaire is not None and participant.role != ParticipantRole.PROSPECT:
            attachments.append(questionnaire)
        email_enqueue(
            key=f"sales-demo:{demo.pk}:{demo.sequence}:{method}:{participant.email}"[:200],
            to=[participant.email],
            subject=subject,
            body=body,
            attachments=attachments,
            now=now,
        )
        sent += 1
    return sent


# --- Writes -------------------------------------------------------------------------------------


def _locked(demo: Demo) -> Demo:
    return (
        Demo.objects.select_for_update(of=("self",))
        .select_related("lead", "lead__program", "lead__program__client", "organizer")
        .get(pk=demo.pk)
    )


def _require_scheduled(demo: Demo) -> None:
    if demo.state != DemoState.SCHEDULED:
        raise DomainRefused(f"the demo is {demo.get_state_display().lower()}, no longer scheduled")


def _attach_questionnaire(demo: Demo, upload: UploadedFile) -> None:
    checked = document_check(upload)
    demo.questionnaire_name = checked.filename
    demo.questionnaire_type = checked.content_type
    demo.questionnaire.save(checked.filename, ContentFile(checked.data), save=False)


@transaction.atomic
def demo_schedule(
    *,
    lead: Lead,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    timezone: str,
    participants: Sequence[str | ParticipantIn],
    actor: User | None,
    now: datetime,
    objectives: str = "",
    location: str = "",
    meeting_url: str = "",
    questionnaire: UploadedFile | None = None,
) -> Demo:
    """Schedule a demo and e-mail its invitation to every participant (see the module)."""
    if kind not in DemoKind.values:
        raise InputError("kind", "a demo is remote or on_site")
    zone = _zone(timezone)
    start, end = _times(starts_at, ends_at, zone, kind, lead, now)
    people = _participants(lead, participants, actor)
    demo = Demo(
        lead=lead,
        kind=kind,
        starts_at=start,
        ends_at=end,
        timezone=zone.key,
        location=_text("location", location.strip(), 300),
        meeting_url=_text("meeting_url", meeting_url.strip(), 500),
        objectives=_text("objectives", objectives),
        organizer=actor,
        created_at=now,
        updated_at=now,
    )
    if questionnaire is not None:
        _attach_questionnaire(demo, questionnaire)
    demo.save()
    DemoParticipant.objects.bulk_create(
        DemoParticipant(demo=demo, email=p.email, name=p.name, role=p.role, user=p.user)
        for p in people
    )
    sent = _send(demo, now)
    events_record(
        [
            sales_note(
                lead_id=lead.pk,
                action="sales_demo_scheduled",
                reason=f"{demo.get_kind_display()} demo scheduled for {_when(demo)}; "
                f"invitations sent to {sent} participant{'s' if sent != 1 else ''}.",
                details={"demo": demo.pk, "kind": kind, "starts_at": start.isoformat()},
                actor=actor,
                now=now,
            )
        ]
    )
    scheduling = Task.objects.filter(
        lead=lead, kind=TaskKind.DEMO_PREPARATION, state=TaskState.OPEN, demo__isnull=True
    ).exclude(flow_step="")
    for task in scheduling:
        task_done(task=task, actor=actor, now=now, outcome=f"Demo scheduled for {_when(demo)}.")
    return demo


@transaction.atomic
def demo_reschedule(
    *, demo: Demo, starts_at: datetime, ends_at: datetime, actor: User | None, now: datetime
) -> Demo:
    """Move a scheduled demo: the same UID with SEQUENCE one higher goes to every
    participant. The on-site lead time counts from now."""
    demo = _locked(demo)
    _require_scheduled(demo)
    zone = ZoneInfo(demo.timezone)
    start, end = _times(starts_at, ends_at, zone, demo.kind, demo.lead, now)
    if (start, end) == (demo.starts_at, demo.ends_at):
        return demo
    before = _when(demo)
    demo.starts_at, demo.ends_at = start, end
    demo.sequence += 1
    demo.updated_at = now
    demo.save(update_fields=["starts_at", "ends_at", "sequence", "updated_at"])
    _send(demo, now)
    events_record(
        [
            sales_note(
                lead_id=demo.lead_id,
                action="sales_demo_rescheduled",
                reason=f"{demo.get_kind_display()} demo moved from {before} to {_when(demo)}; "
                "participants told.",
                details={
                    "demo": demo.pk,
                    "sequence": demo.sequence,
                    "starts_at": start.isoformat(),
                },
                actor=actor,
                now=now,
            )
        ]
    )
    return demo


@transaction.atomic
def demo_cancel(*, demo: Demo, actor: User | None, now: datetime, reason: str = "") -> Demo:
    """Cancel a scheduled demo: METHOD:CANCEL to every participant; its open tasks end."""
    demo = _locked(demo)
    _require_scheduled(demo)
    demo.state = DemoState.CANCELLED
    demo.sequence += 1
    demo.cancelled_at = now
    demo.updated_at = now
    demo.outcome = _text("reason", reason.strip())
    demo.save(update_fields=["state", "sequence", "cancelled_at", "updated_at", "outcome"])
    _send(demo, now)
    why = f" ({demo.outcome})" if demo.outcome else ""
    events_record(
        [
            sales_note(
                lead_id=demo.lead_id,
                action="sales_demo_cancelled",
                reason=f"{demo.get_kind_display()} demo of {_when(demo)} cancelled{why}; "
                "participants told.",
                details={"demo": demo.pk, "sequence": demo.sequence},
                actor=actor,
                now=now,
            )
        ]
    )
    tasks_cancel(
        tasks=list(demo.tasks.filter(state=TaskState.OPEN)),
        actor=actor,
        now=now,
        reason="the demo was cancelled",
    )
    return demo


@transaction.atomic
def demo_outcome_record(
    *, demo: Demo, outcome: str, next_step: str, actor: User | None, now: datetime
) -> Demo:
    """Record how a scheduled demo went and the next step (proposal, hands-on demo,
    references, lost); the demo is done."""
    if next_step not in DemoNextStep.values:
        raise InputError(
            "next_step", "the next step is proposal, hands_on_demo, references or lost"
        )
    demo = _locked(demo)
    _require_scheduled(demo)
    demo.state = DemoState.DONE
    demo.outcome = _text("outcome", outcome.strip())
    demo.next_step = next_step
    demo.updated_at = now
    demo.save(update_fields=["state", "outcome", "next_step", "updated_at"])
    said = f" {demo.outcome}" if demo.outcome else ""
    events_record(
        [
            sales_note(
                lead_id=demo.lead_id,
                action="sales_demo_done",
                reason=f"{demo.get_kind_display()} demo done.{said} Next step: "
                f"{DemoNextStep(next_step).label.lower()}.",
                details={"demo": demo.pk, "next_step": next_step},
                actor=actor,
                now=now,
            )
        ]
    )
    return demo


@transaction.atomic
def demo_questionnaire_attach(
    *, demo: Demo, upload: UploadedFile, actor: User | None, now: datetime
) -> Demo:
    """Attach the completed questionnaire to a scheduled demo (replacing one attached before);
    it goes with the next invitation to our people and the partner's."""
    demo = _locked(demo)
    _require_scheduled(demo)
    _attach_questionnaire(demo, upload)
    demo.updated_at = now
    demo.save(
        update_fields=["questionnaire", "questionnaire_name", "questionnaire_type", "updated_at"]
    )
    events_record(
        [
            sales_note(
                lead_id=demo.lead_id,
                action="sales_demo_questionnaire",
                reason=f"Questionnaire {demo.questionnaire_name} attached to the "
                f"{demo.get_kind_display().lower()} demo of {_when(demo)}.",
                details={"demo": demo.pk},
                actor=actor,
                now=now,
            )
        ]
    )
    return demo
