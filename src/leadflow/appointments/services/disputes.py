"""Writes of appointments in the guarantee (issue 20, item 2): what a program promises in
appointments, a client's dispute of a delivered call, QA's decision, and the replacement call.

They mirror the lead disputes of ``guarantees.services``: a client contact disputes within the
program's dispute window (the guarantee's terms), for a reason of
``core.appointments.AppointmentDisputeReason``; QA reviewers and admins decide with a note; an
upheld dispute owes a replacement, which the next new call delivered to the client fills.
Each function checks who may do it, locks the rows it changes and records a note in the lead's
history through the leads services, in one transaction: a refusal writes nothing.
"""

from datetime import datetime

from django.db import transaction

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.appointments.models import (
    Appointment,
    AppointmentDispute,
    AppointmentDisputeStatus,
    AppointmentTerms,
)
from leadflow.appointments.selectors.disputes import (
    KIND,
    appointment_dispute_scope,
    appointment_dispute_window,
    appointment_terms_for,
    delivered_appointment_scope,
)
from leadflow.appointments.services.booking import appointment_note, when_words
from leadflow.core.appointments import (
    AppointmentDisputeReason,
    AppointmentDisputeRefused,
    AppointmentState,
    appointment_dispute_check,
)
from leadflow.core.errors import DomainRefused, InputError
from leadflow.delivery.models import Delivery
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_list

NOTE_MAX_LENGTH = 2000


class AppointmentDecisionRefused(DomainRefused):
    """An appointment dispute cannot be decided: not QA, no note, or already decided."""


@transaction.atomic
def appointment_terms_save(
    *, program: Program, user: User, appointments_per_period: int, now: datetime
) -> AppointmentTerms:
    """Save how many valid appointments a program promises per guarantee period (the program's
    sales managers and admins; the period and the window are the guarantee's terms)."""
    if not user_can(user, Capability.GUARANTEES_EDIT_TERMS):
        raise AppointmentDecisionRefused("Only sales managers and admins change guarantee terms.")
    program = program_list(user=user).select_for_update(of=("self",)).get(pk=program.pk)
    if appointments_per_period < 0:
        raise InputError("appointments_per_period", "cannot be negative")
    terms = appointment_terms_for(program=program)
    terms.appointments_per_period = appointments_per_period
    terms.updated_at = now
    terms.updated_by = user
    terms.save()
    return terms


def _first_delivered_at(uid: str) -> datetime | None:
    versions = Appointment.objects.filter(uid=uid).values("pk")
    return (
        Delivery.objects.filter(deliverable_kind=KIND, deliverable_id__in=versions)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )


@transaction.atomic
def appointment_dispute_raise(
    *, appointment_id: int, user: User, reason: str, note: str, now: datetime
) -> AppointmentDispute:
    """A client contact disputes a call delivered to their client, once it is due and within the
    program's window (``core.appointments.appointment_dispute_check``).

    Raises ``Appointment.DoesNotExist`` for a call the user may not dispute (another client's,
    not delivered, or the user is no client contact) and ``AppointmentDisputeRefused`` for
    every rule that says no.
    """
    if not user_can(user, Capability.DISPUTES_RAISE):
        raise AppointmentDisputeRefused("Only client contacts dispute delivered appointments.")
    appointment = (
        delivered_appointment_scope(user=user)
        .select_for_update(of=("self",))
        .get(pk=appointment_id)
    )
    if AppointmentDispute.objects.filter(uid=appointment.uid).exists():
        raise AppointmentDisputeRefused("This call was already disputed; a call is disputed once.")
    window = appointment_dispute_window(appointment=appointment)
    if not window.terms.is_active:
        raise AppointmentDisputeRefused(
            f"The guarantee of {appointment.program} is off: no disputes are accepted."
        )
    try:
        why = AppointmentDisputeReason(reason)
    except ValueError:
        choices = "; ".join(r.label.lower() for r in AppointmentDisputeReason)
        raise AppointmentDisputeRefused(f"Choose one of the reasons: {choices}.") from None
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise AppointmentDisputeRefused(f"The note is longer than {NOTE_MAX_LENGTH} characters.")
    timezone = appointment.program.client.timezone
    appointment_dispute_check(
        state=AppointmentState(appointment.state),
        reason=why,
        delivered_at=window.delivered_at,
        starts_at=appointment.starts_at,
        days=window.days,
        timezone=timezone,
        now=now,
    )
    replaced = (
        AppointmentDispute.objects.filter(replacement__uid=appointment.uid)
        .values_list("ledger_at", flat=True)
        .first()
    )
    dispute = AppointmentDispute.objects.create(
        program=appointment.program,
        appointment=appointment,
        uid=appointment.uid,
        raised_by=user,
        raised_at=now,
        reason=why.value,
        note=note,
        ledger_at=replaced or _first_delivered_at(appointment.uid) or window.delivered_at,
    )
    appointment_note(
        appointment,
        "appointment_disputed",
        f"The client disputed the call of {when_words(appointment.starts_at, timezone)}: "
        f"{why.label.lower()}" + (f" ({note})" if note else "") + ".",
        user,
        now,
        extra={"dispute": dispute.pk, "dispute_status": dispute.status, "reason": why.value},
    )
    return dispute


@transaction.atomic
def appointment_dispute_decide(
    *, dispute_id: int, user: User, uphold: bool, note: str, now: datetime
) -> AppointmentDispute:
    """QA upholds or rejects an open appointment dispute, with a note saying why. Upheld, the
    program owes a replacement call, which the next new call delivered to the client fills.
    Raises ``AppointmentDispute.DoesNotExist`` out of the user's scope and
    ``AppointmentDecisionRefused`` otherwise."""
    if not user_can(user, Capability.DISPUTES_DECIDE):
        raise AppointmentDecisionRefused("Only QA reviewers and admins decide disputes.")
    dispute = (
        appointment_dispute_scope(user=user).select_for_update(of=("self",)).get(pk=dispute_id)
    )
    if dispute.status != AppointmentDisputeStatus.OPEN:
        raise AppointmentDecisionRefused(
            f"Dispute #{dispute.pk} was already {dispute.get_status_display().lower()}."
        )
    note = note.strip()
    if not note:
        raise AppointmentDecisionRefused("Say why: a decision needs a note.")
    if len(note) > NOTE_MAX_LENGTH:
        raise AppointmentDecisionRefused(f"The note is longer than {NOTE_MAX_LENGTH} characters.")
    dispute.status = (
        AppointmentDisputeStatus.UPHELD if uphold else AppointmentDisputeStatus.REJECTED
    )
    dispute.decided_by = user
    dispute.decided_at = now
    dispute.decision_note = note
    dispute.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    said = "upheld: a replacement call is owed" if uphold else "rejected: the call stands"
    appointment_note(
        dispute.appointment,
        "appointment_dispute_upheld" if uphold else "appointment_dispute_rejected",
        f"The dispute of the call ({dispute.reason_label.lower()}) was {said}. {note}",
        user,
        now,
        extra={"dispute": dispute.pk, "dispute_status": dispute.status},
    )
    return dispute


def appointment_replacement_fill(*, appointment: Appointment, now: datetime) -> bool:
    """Inside the delivery of a new call: make it the replacement of the program's oldest upheld
    appointment dispute still owed (decided first, first). A moved call is the invitation it
    was (never a replacement of its own), and a call already replacing or disputed fills
    nothing. The disputes are locked with SKIP LOCKED, so two deliveries at once never fill
    one twice. Returns whether one was filled."""
    if appointment.rescheduled_from_id is not None:
        return False
    taken = AppointmentDispute.objects.filter(replacement__uid=appointment.uid).exists()
    if taken or AppointmentDispute.objects.filter(uid=appointment.uid).exists():
        return False
    dispute = (
        AppointmentDispute.objects.filter(
            program_id=appointment.program_id,
            status=AppointmentDisputeStatus.UPHELD,
            replacement__isnull=True,
        )
        .exclude(uid=appointment.uid)
        .select_related("appointment")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("decided_at", "id")
        .first()
    )
    if dispute is None:
        return False
    dispute.replacement = appointment
    dispute.replaced_at = now
    dispute.save(update_fields=["replacement", "replaced_at"])
    replaced = dispute.appointment
    appointment_note(
        appointment,
        "appointment_replacement",
        f"This call replaces the disputed call of lead #{replaced.lead_id} of "
        f"{when_words(replaced.starts_at, replaced.timezone)} (dispute #{dispute.pk}: "
        f"{dispute.reason_label.lower()}), at no charge.",
        None,
        now,
        extra={"dispute": dispute.pk, "replaces_appointment": replaced.pk},
    )
    return True
