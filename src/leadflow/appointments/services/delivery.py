"""A booked call delivered to an agency's client at once (docs/APPOINTMENTS.md, "Delivery to an
agency's client"), through the delivery app's extension point for deliverables; the delivery
fills the oldest upheld appointment dispute waiting for a replacement, in its transaction."""

from datetime import UTC, datetime

from django.db import transaction

from leadflow.appointments.models import Appointment
from leadflow.appointments.services.booking import user_name, when_words
from leadflow.appointments.services.disputes import appointment_replacement_fill
from leadflow.core.appointments import AppointmentState
from leadflow.core.sales import zone_of
from leadflow.delivery.services import Deliverable, DeliverableField, deliverable_deliver


def appointment_deliverable(appointment: Appointment) -> Deliverable:
    """The call as the delivery app delivers it: its time (UTC and the attendee's), kind,
    attendee, agenda, the prospect's confirmation and the invitation's UID and SEQUENCE."""
    attendee = appointment.attendee
    local = appointment.starts_at.astimezone(zone_of(appointment.timezone))
    when = when_words(appointment.starts_at, appointment.timezone)
    fields = (
        ("id", "AppointmentId", appointment.pk),
        ("kind", "AppointmentKind", appointment.kind_label),
        ("starts_at", "AppointmentStart", appointment.starts_at.astimezone(UTC).isoformat()),
        ("ends_at", "AppointmentEnd", appointment.ends_at.astimezone(UTC).isoformat()),
        ("local_start", "AppointmentLocalStart", local.isoformat()),
        ("timezone", "AppointmentTimezone", appointment.timezone),
        ("attendee", "AppointmentAttendee", user_name(attendee)),
        ("attendee_email", "AppointmentAttendeeEmail", attendee.email),
        ("location", "AppointmentLocation", appointment.location),
        ("agenda", "AppointmentAgenda", appointment.agenda),
        ("prospect_confirmed", "AppointmentConfirmed", appointment.prospect_confirmed),
        ("confirmation", "AppointmentConfirmation", appointment.confirmation),
        ("uid", "AppointmentUid", appointment.uid),
        ("sequence", "AppointmentSequence", appointment.sequence),
        ("booked_by", "AppointmentBookedBy", user_name(appointment.booked_by)),
    )
    moved = " (moved: the same invitation, a later SEQUENCE)" if appointment.sequence else ""
    return Deliverable(
        kind="appointment",
        id=appointment.pk,
        label="Appointment",
        title=f"{appointment.kind_label} with {user_name(attendee)}, {when}{moved}",
        lines=(
            f"When: {when} ({appointment.timezone}).",
            f"Attendee: {user_name(attendee)} <{attendee.email}>.",
            *((f"Where: {appointment.location}.",) if appointment.location else ()),
            *((f"Agenda: {appointment.agenda}",) if appointment.agenda else ()),
            "Confirmed by the prospect."
            if appointment.prospect_confirmed
            else "Not yet confirmed by the prospect.",
        ),
        fields=tuple(DeliverableField(n, h, v) for n, h, v in fields),
    )


@transaction.atomic
def appointment_deliver(*, appointment_id: int, now: datetime) -> bool:
    """Deliver a booked call to the client of an agency program (once; a call no longer booked,
    or of a program without client deliveries, is not delivered). A new invitation delivered
    makes good the program's oldest upheld appointment dispute still owed."""
    appointment = (
        Appointment.objects.select_related("lead", "program", "attendee", "booked_by")
        .filter(pk=appointment_id, state=AppointmentState.BOOKED)
        .first()
    )
    if appointment is None:
        return False
    delivery = deliverable_deliver(
        program=appointment.program,
        lead=appointment.lead,
        deliverable=appointment_deliverable(appointment),
        actor=None,
        now=now,
    )
    if delivery is None:
        return False
    appointment_replacement_fill(appointment=appointment, now=now)
    return True
