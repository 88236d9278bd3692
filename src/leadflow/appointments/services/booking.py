"""Writes of appointments (docs/APPOINTMENTS.md): an attendee's calendar, booking a call,
moving it, cancelling it, and recording whether it was held.

Every change is one transaction that writes the appointment, queues its invitation e-mails in
the outbox (RFC 5545 through ``core.invitations``: ``METHOD:REQUEST`` with the stable ``UID``;
a reschedule is a successor with the same ``UID`` and ``SEQUENCE`` one higher; a cancellation
``METHOD:CANCEL``) and records the step in the lead's history through the leads services'
one path (``events_record``), then announces ``appointments.booked`` for a new call.

No double booking: a booking locks the attendee's user row (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite's IMMEDIATE transactions admit one writer at a time), then reads their booked
calls again and checks the slot with ``core.appointments.slot_free``: of two bookings of one
slot, the second waits for the first and then finds the slot taken (``SlotTaken``, a 409).
"""

from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.db import transaction

from leadflow.accounts.models import User
from leadflow.appointments.models import Appointment, AppointmentDispute, AttendeeCalendar
from leadflow.appointments.selectors.booking import (
    BUFFER,
    DURATION,
    HORIZON,
    RULES,
    appointment_roles,
    attendee_calendar,
    availability_of,
    lead_attendees,
    lead_bookable,
)
from leadflow.core.appointments import (
    AppointmentAction,
    AppointmentKind,
    AppointmentState,
    Interval,
    appointment_next,
    slot_free,
    weekly_hours_parse,
)
from leadflow.core.calendar import working_calendar
from leadflow.core.errors import CalendarError, DomainRefused, InputError
from leadflow.core.freebusy import DEFAULT_LIMITS, FeedError, busy_from_ical
from leadflow.core.invitations import Invitation, Person, invitation_ics
from leadflow.core.sales import zone_of
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.services import event_build, events_record
from leadflow.lib.events import announce
from leadflow.notifications.outbound import url_get
from leadflow.notifications.services import Attachment, email_enqueue

PRODID = "-//LeadFlow//Appointments//EN"
MAX_TEXT = 5000


class SlotTaken(DomainRefused):
    """The slot is no longer free (another call was booked in it, or it left the hours)."""


class NotBookable(DomainRefused):
    """The lead is not qualified, or the person is not one of its attendees."""


def when_words(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(zone_of(timezone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def _text(field: str, value: str, limit: int = MAX_TEXT) -> str:
    value = value.strip()
    if "\x00" in value:
        raise InputError(field, "must not contain NUL characters")
    if len(value) > limit:
        raise InputError(field, f"must be at most {limit} characters")
    return value


def user_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


# --- Calendars --------------------------------------------------------------------------------


@transaction.atomic
def attendee_calendar_save(
    *,
    attendee: User,
    timezone: str,
    country: str,
    subdivision: str,
    working_hours: str,
    actor: User | None,
    now: datetime,
) -> AttendeeCalendar:
    """Set an attendee's working hours, timezone and holidays' country (each checked: the hours
    by ``weekly_hours_parse``, naming every line it cannot read)."""
    hours = weekly_hours_parse(working_hours)
    if not hours.days:
        raise InputError("working_hours", "give at least one day of working hours")
    try:
        cal = working_calendar(
            country=country.strip().upper(),
            subdivision=subdivision.strip().upper() or None,
            timezone=timezone.strip(),
        )
    except CalendarError as exc:
        field = "timezone" if "timezone" in str(exc).lower() else "country"
        raise InputError(field, str(exc)) from None
    except ValueError:
        raise InputError("timezone", "not a timezone name such as Europe/Berlin") from None
    row = AttendeeCalendar.objects.select_for_update().filter(user=attendee).first()
    if row is None:
        row = attendee_calendar(user=attendee)
    row.timezone = cal.timezone
    row.country = cal.country
    row.subdivision = cal.subdivision or ""
    row.working_hours = hours.text
    row.updated_at = now
    row.updated_by = actor
    row.save()
    return row


@transaction.atomic
def attendee_feed_import(
    *, attendee: User, url: str, actor: User | None, now: datetime
) -> AttendeeCalendar:
    """Import an attendee's iCalendar free/busy feed: fetched through the notifications app's
    outbound policy (public addresses only, no redirect, ``FeedLimits.max_bytes`` at most), read
    by ``core.freebusy.busy_from_ical`` for the booking horizon, kept as busy intervals. A feed
    that cannot be fetched or read is refused whole with the reason (``InputError`` on
    ``feed_url``) and the busy times imported before stay as they were."""
    url = url.strip()
    fetched = url_get(url=url, max_bytes=DEFAULT_LIMITS.max_bytes, accept="text/calendar")
    if not fetched.ok:
        raise InputError("feed_url", f"the feed could not be fetched: {fetched.error}")
    calendar = attendee_calendar(user=attendee)
    window = Interval(now - timedelta(days=1), now + HORIZON + timedelta(days=2))
    try:
        busy = busy_from_ical(fetched.body, timezone=calendar.timezone, window=window)
    except FeedError as exc:
        raise InputError(
            "feed_url", f"the feed is not a calendar LeadFlow can read: {exc}"
        ) from None
    row = AttendeeCalendar.objects.select_for_update().filter(user=attendee).first() or calendar
    row.feed_url = url
    row.feed_busy = [[b.start.isoformat(), b.end.isoformat()] for b in busy]
    row.feed_imported_at = now
    row.feed_error = ""
    row.updated_at = now
    row.updated_by = actor
    row.save()
    return row


# --- The invitation ---------------------------------------------------------------------------


def _summary(appointment: Appointment) -> str:
    lead = appointment.lead
    who = lead.company or " ".join(p for p in (lead.first_name, lead.last_name) if p)
    return f"{appointment.kind_label}: {who or f'lead #{lead.pk}'}"


def _organizer(appointment: Appointment) -> Person:
    user = appointment.booked_by
    if user is not None and user.email:
        return Person(user.email, user_name(user))
    name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return Person(email or "leadflow@localhost", name or "LeadFlow")


def _people(appointment: Appointment) -> tuple[Person, ...]:
    """Who is invited: the attendee, and the prospect when the lead has an address."""
    lead = appointment.lead
    people = [Person(appointment.attendee.email, user_name(appointment.attendee))]
    if lead.email and lead.email.lower() != appointment.attendee.email.lower():
        name = " ".join(p for p in (lead.first_name, lead.last_name) if p)
        people.append(Person(lead.email.lower(), name))
    return tuple(people)


def appointment_invitation(*, appointment: Appointment) -> Invitation:
    description = appointment.agenda
    return Invitation(
        prodid=PRODID,
        uid=appointment.uid,
        sequence=appointment.sequence,
        cancelled=appointment.state == AppointmentState.CANCELLED,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        timezone=appointment.timezone,
        summary=_summary(appointment),
        organizer=_organizer(appointment),
        attendees=_people(appointment),
        created_at=appointment.created_at,
        updated_at=appointment.updated_at,
        location=appointment.location,
        description=description,
    )


def appointment_ics(*, appointment: Appointment) -> bytes:
    """The appointment's invitation as the people last received it (writes nothing)."""
    return invitation_ics(appointment_invitation(appointment=appointment))


def _send(appointment: Appointment, now: datetime) -> int:
    invitation = appointment_invitation(appointment=appointment)
    ics = invitation_ics(invitation)
    when = when_words(appointment.starts_at, appointment.timezone)
    if invitation.cancelled:
        subject, lead_in = f"Cancelled: {invitation.summary}", "This call is cancelled"
    elif invitation.sequence:
        subject, lead_in = f"Moved: {invitation.summary}, {when}", "This call has moved. It is now"
    else:
        subject, lead_in = f"Invitation: {invitation.summary}, {when}", "You are invited to a call"
    body = (
        f"{lead_in}: {when} ({appointment.timezone}).\n"
        + (f"\nAgenda:\n{appointment.agenda}\n" if appointment.agenda else "")
        + "\nThe invitation is attached (invite.ics): open it to update your calendar.\n"
    )
    attachment = Attachment(filename="invite.ics", content=ics, mimetype="text/calendar")
    people = {p.email: p for p in (*invitation.attendees, invitation.organizer)}
    for address in people:
        email_enqueue(
            key=f"appointment:{appointment.uid}:{invitation.sequence}:{invitation.method}:"
            f"{address}"[:200],
            to=[address],
            subject=subject,
            body=body,
            attachments=[attachment],
            now=now,
        )
    return len(people)


def appointment_note(
    appointment: Appointment,
    action: str,
    reason: str,
    actor: User | None,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> None:
    """A note in the lead's history (timeline kind *Appointments*) about this call, through the
    leads services' one path."""
    details: dict[str, Any] = {
        "appointment": appointment.pk,
        "uid": appointment.uid,
        "sequence": appointment.sequence,
        "state": appointment.state,
        "starts_at": appointment.starts_at.isoformat(),
        "attendee": appointment.attendee_id,
        **(extra or {}),
    }
    events_record(
        [
            event_build(
                lead_id=appointment.lead_id,
                kind=EventKind.NOTE,
                actor=actor,
                now=now,
                action=action,
                after={"appointments": details},
                reason=reason,
            )
        ]
    )


# --- Booking ----------------------------------------------------------------------------------


def _check_slot(
    *, lead: Lead, attendee: User, start: datetime, now: datetime, exclude_id: int | None
) -> datetime:
    """Lock the attendee, read their calendar and booked calls again, and check the slot."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise InputError("starts_at", "the start must carry a timezone")
    if start <= now:
        raise InputError("starts_at", "the call must start in the future")
    if start > now + HORIZON:
        raise InputError("starts_at", "the call is further ahead than calls are booked")
    User.objects.select_for_update().filter(pk=attendee.pk).first()
    calendar = attendee_calendar(user=attendee, program=lead.program)
    end = start + DURATION
    availability = availability_of(
        calendar=calendar,
        program=lead.program,
        start=start - BUFFER,
        end=end + BUFFER,
        exclude_id=exclude_id,
    )
    if not slot_free(availability=availability, start=start, duration=DURATION, buffer=BUFFER):
        raise SlotTaken(
            f"{when_words(start, calendar.timezone)} is no longer free for {user_name(attendee)}: "
            "choose another slot"
        )
    return end


@transaction.atomic
def appointment_book(
    *,
    lead: Lead,
    attendee: User,
    kind: str,
    starts_at: datetime,
    agenda: str,
    prospect_confirmed: bool,
    confirmation: str,
    actor: User | None,
    now: datetime,
    location: str = "",
) -> Appointment:
    """Book a sales call for a qualified lead with one of its attendees (see the module)."""
    if kind not in AppointmentKind.__members__.values():
        raise InputError("kind", "a call is phone, video or on_site")
    lead = Lead.objects.select_related("program", "program__client").get(pk=lead.pk)
    if not lead_bookable(lead):
        raise NotBookable("only a qualified lead (Hot, A or B, past qualification) is booked")
    if attendee.pk not in {u.pk for u in lead_attendees(lead=lead)}:
        raise NotBookable(f"{user_name(attendee)} does not take this program's sales calls")
    end = _check_slot(lead=lead, attendee=attendee, start=starts_at, now=now, exclude_id=None)
    calendar = attendee_calendar(user=attendee, program=lead.program)
    appointment = Appointment.objects.create(
        lead=lead,
        program=lead.program,
        attendee=attendee,
        booked_by=actor,
        kind=kind,
        starts_at=starts_at,
        ends_at=end,
        timezone=calendar.timezone,
        agenda=_text("agenda", agenda),
        location=_text("location", location, 300),
        prospect_confirmed=prospect_confirmed,
        confirmation=_text("confirmation", confirmation, 1000),
        created_at=now,
        updated_at=now,
    )
    sent = _send(appointment, now)
    confirmed = "confirmed by the prospect" if prospect_confirmed else "not yet confirmed"
    appointment_note(
        appointment,
        "appointment_booked",
        f"{appointment.kind_label} booked with {user_name(attendee)} for "
        f"{when_words(appointment.starts_at, appointment.timezone)} ({confirmed}); "
        f"invitations sent to {sent}.",
        actor,
        now,
    )
    announce("appointments.booked", appointment_id=appointment.pk, now=now)
    return appointment


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("lead", "lead__program", "lead__program__client", "attendee", "booked_by")
        .get(pk=appointment.pk)
    )


def _step(appointment: Appointment, action: AppointmentAction, user: User, now: datetime) -> str:
    return appointment_next(
        state=AppointmentState(appointment.state),
        action=action,
        role=appointment_roles(appointment=appointment, user=user),
        starts_at=appointment.starts_at,
        timezone=appointment.timezone,
        now=now,
        rules=RULES,
    ).value


@transaction.atomic
def appointment_reschedule(
    *, appointment: Appointment, starts_at: datetime, actor: User, now: datetime
) -> Appointment:
    """Move a booked call: this one becomes ``rescheduled`` and its successor is booked at the
    new time with the same UID and SEQUENCE one higher, sent to the same people."""
    old = _locked(appointment)
    target = _step(old, AppointmentAction.RESCHEDULE, actor, now)
    end = _check_slot(
        lead=old.lead, attendee=old.attendee, start=starts_at, now=now, exclude_id=old.pk
    )
    before = when_words(old.starts_at, old.timezone)
    old.state = target
    old.updated_at = now
    old.save(update_fields=["state", "updated_at"])
    new = Appointment.objects.create(
        lead=old.lead,
        program=old.program,
        attendee=old.attendee,
        booked_by=old.booked_by,
        kind=old.kind,
        starts_at=starts_at,
        ends_at=end,
        timezone=old.timezone,
        agenda=old.agenda,
        location=old.location,
        prospect_confirmed=old.prospect_confirmed,
        confirmation=old.confirmation,
        uid=old.uid,
        sequence=old.sequence + 1,
        rescheduled_from=old,
        created_at=old.created_at,
        updated_at=now,
    )
    _send(new, now)
    appointment_note(
        new,
        "appointment_rescheduled",
        f"{new.kind_label} with {user_name(new.attendee)} moved from {before} to "
        f"{when_words(new.starts_at, new.timezone)}; invitations updated.",
        actor,
        now,
    )
    announce("appointments.booked", appointment_id=new.pk, now=now)
    return new


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, actor: User, now: datetime, reason: str = ""
) -> Appointment:
    """Cancel a booked call: METHOD:CANCEL with SEQUENCE one higher to the same people."""
    appointment = _locked(appointment)
    appointment.state = _step(appointment, AppointmentAction.CANCEL, actor, now)
    appointment.sequence += 1
    appointment.note = _text("reason", reason, 1000)
    appointment.updated_at = now
    appointment.save(update_fields=["state", "sequence", "note", "updated_at"])
    _send(appointment, now)
    # A cancelled call makes nothing good: the dispute it was to replace is owed again, and the
    # next call delivered fills it (a call is disputed only once due, so a cancelled one never
    # was).
    AppointmentDispute.objects.filter(replacement__uid=appointment.uid).update(
        replacement=None, replaced_at=None
    )
    why = f" ({appointment.note})" if appointment.note else ""
    appointment_note(
        appointment,
        "appointment_cancelled",
        f"{appointment.kind_label} with {user_name(appointment.attendee)} of "
        f"{when_words(appointment.starts_at, appointment.timezone)} cancelled{why}.",
        actor,
        now,
    )
    return appointment


@transaction.atomic
def appointment_outcome_record(
    *, appointment: Appointment, held: bool, actor: User, now: datetime, note: str = ""
) -> Appointment:
    """The attendee records that the call was held, or that the prospect did not attend, from
    its start until the end of the window (``AppointmentRules.outcome_days``)."""
    appointment = _locked(appointment)
    action = AppointmentAction.RECORD_HELD if held else AppointmentAction.RECORD_NO_SHOW
    appointment.state = _step(appointment, action, actor, now)
    appointment.outcome_at = now
    appointment.outcome_by = actor
    appointment.note = _text("note", note, 1000)
    appointment.updated_at = now
    appointment.save(update_fields=["state", "outcome_at", "outcome_by", "note", "updated_at"])
    said = "held" if held else "not attended by the prospect"
    appointment_note(
        appointment,
        "appointment_held" if held else "appointment_no_show",
        f"{appointment.kind_label} of {when_words(appointment.starts_at, appointment.timezone)} "
        f"{said}" + (f": {appointment.note}" if appointment.note else "") + ".",
        actor,
        now,
    )
    return appointment
