"""Reads of appointment disputes and of what a program promises in appointments.

Who sees what mirrors the lead disputes (``guarantees.selectors``): client contacts see the
disputes of their client's programs and dispute the calls delivered to them; QA reviewers, sales
managers and admins see those of their programs; QA reviewers and admins decide. Everyone else
sees none: 404 on every page.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.appointments.models import (
    Appointment,
    AppointmentDispute,
    AppointmentDisputeStatus,
    AppointmentTerms,
)
from leadflow.core.appointments import AppointmentState, appointment_dispute_closes
from leadflow.delivery.models import Delivery
from leadflow.guarantees.models import GuaranteeTerms
from leadflow.guarantees.selectors import guarantee_terms_for
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_list

KIND = "appointment"

#: How many calls a client contact's page lists as still disputable at most.
DISPUTABLE_LIMIT = 100

#: The states of a call that may be disputed once due (core.appointments).
DISPUTABLE_STATES = (AppointmentState.BOOKED, AppointmentState.HELD, AppointmentState.NO_SHOW)


def calls_first_delivered(
    *, program: Program, before: datetime | None = None
) -> dict[str, datetime]:
    """When each call (an invitation, its UID: a moved call is the same call) of ``program``
    was first delivered to the client, for the deliveries before ``before`` if given; in the
    order of those first deliveries. Two queries."""
    deliveries = Delivery.objects.filter(program=program, deliverable_kind=KIND)
    if before is not None:
        deliveries = deliveries.filter(created_at__lt=before)
    delivered = list(
        deliveries.order_by("created_at", "pk").values_list("deliverable_id", "created_at")
    )
    uid_of = dict(
        Appointment.objects.filter(program=program)
        .filter(pk__in=[i for i, _ in delivered if i is not None])
        .values_list("pk", "uid")
    )
    first: dict[str, datetime] = {}
    for appointment_id, at in delivered:
        uid = uid_of.get(appointment_id) if appointment_id is not None else None
        if uid is not None:
            first.setdefault(uid, at)
    return first


def appointment_terms_for(*, program: Program) -> AppointmentTerms:
    """The program's saved appointment terms, or the default (unsaved: none promised)."""
    return AppointmentTerms.objects.filter(program=program).first() or AppointmentTerms(
        program=program
    )


def appointment_dispute_scope(*, user: User) -> QuerySet[AppointmentDispute]:
    """Every appointment dispute the user may see, with what the pages show of it."""
    disputes = AppointmentDispute.objects.select_related(
        "program__client",
        "appointment__lead",
        "appointment__attendee",
        "raised_by",
        "decided_by",
        "replacement__lead",
    )
    if user.sees_everything:
        return disputes
    if not user_can(user, Capability.DISPUTES_VIEW):
        return disputes.none()
    return disputes.filter(program__in=program_list(user=user))


def appointment_dispute_list(
    *, user: User, status: AppointmentDisputeStatus | None = None
) -> QuerySet[AppointmentDispute]:
    disputes = appointment_dispute_scope(user=user).order_by("-raised_at", "-id")
    return disputes.filter(status=status) if status else disputes


def appointment_dispute_get(*, user: User, dispute_id: int) -> AppointmentDispute:
    """One dispute, or AppointmentDispute.DoesNotExist out of the user's scope (404)."""
    return appointment_dispute_scope(user=user).get(pk=dispute_id)


def appointment_dispute_queue(*, user: User) -> QuerySet[AppointmentDispute]:
    """Open appointment disputes a QA reviewer (or admin) may decide, oldest first."""
    if not user_can(user, Capability.DISPUTES_DECIDE):
        return AppointmentDispute.objects.none()
    return (
        appointment_dispute_scope(user=user)
        .filter(status=AppointmentDisputeStatus.OPEN)
        .order_by("raised_at", "id")
    )


def _delivered() -> QuerySet[Delivery]:
    """The deliveries of any version of the outer query's call (its invitation's UID)."""
    versions = Appointment.objects.filter(uid=OuterRef(OuterRef("uid"))).values("pk")
    return Delivery.objects.filter(deliverable_kind=KIND, deliverable_id__in=versions)


def delivered_appointment_scope(*, user: User) -> QuerySet[Appointment]:
    """The calls delivered to the client contact's client (any version of the invitation was
    delivered), annotated with ``delivered_at``, their latest delivery. Other roles: none."""
    if not user_can(user, Capability.DISPUTES_RAISE):
        return Appointment.objects.none()
    delivered = _delivered()
    return (
        Appointment.objects.filter(program__in=program_list(user=user))
        .filter(Exists(delivered))
        .annotate(delivered_at=Subquery(delivered.order_by("-created_at").values("created_at")[:1]))
        .select_related("lead", "program__client", "attendee")
    )


def delivered_appointment_get(*, user: User, appointment_id: int) -> Appointment:
    """A call delivered to the client contact's client (for the dispute form), or
    Appointment.DoesNotExist (404) for anything else and every other role."""
    return delivered_appointment_scope(user=user).get(pk=appointment_id)


@dataclass(frozen=True)
class DisputeWindow:
    """Whether a delivered call may be disputed: its terms, when it was delivered and when the
    window closes."""

    terms: GuaranteeTerms
    delivered_at: datetime
    closes_at: datetime

    @property
    def days(self) -> int:
        return self.terms.dispute_window_days


def appointment_dispute_window(*, appointment: Appointment) -> DisputeWindow:
    """The window of a call from ``delivered_appointment_scope`` (``delivered_at`` annotated)."""
    terms = guarantee_terms_for(program=appointment.program)
    delivered_at: datetime = appointment.delivered_at  # type: ignore[attr-defined]
    closes = appointment_dispute_closes(
        delivered_at=delivered_at,
        starts_at=appointment.starts_at,
        days=terms.dispute_window_days,
        timezone=appointment.program.client.timezone,
    )
    return DisputeWindow(terms, delivered_at, closes)


@dataclass(frozen=True)
class DisputableAppointment:
    appointment: Appointment
    window: DisputeWindow


def disputable_appointments(
    *, user: User, now: datetime, limit: int = DISPUTABLE_LIMIT
) -> list[DisputableAppointment]:
    """The calls a client contact may dispute now: delivered, due, not moved or cancelled, not
    yet disputed, inside the window of a program whose guarantee is on; latest call first."""
    calls = (
        delivered_appointment_scope(user=user)
        .filter(state__in=DISPUTABLE_STATES, starts_at__lte=now)
        .exclude(uid__in=AppointmentDispute.objects.values("uid"))
        .order_by("-starts_at", "-id")
    )
    found = []
    for appointment in calls[: limit * 2]:
        window = appointment_dispute_window(appointment=appointment)
        if window.terms.is_active and now <= window.closes_at:
            found.append(DisputableAppointment(appointment, window))
        if len(found) == limit:
            break
    return found


def appointment_dispute_of(*, appointment: Appointment) -> AppointmentDispute | None:
    """The dispute of this call's invitation, if any."""
    return AppointmentDispute.objects.filter(uid=appointment.uid).first()
