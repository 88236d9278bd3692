"""Writes of the appointments app, by concept: ``booking`` (calendars, booking, moving,
cancelling, outcomes, invitations), ``delivery`` (a booked call delivered to an agency's
client) and ``disputes`` (the call in the guarantee: terms, disputes, decisions,
replacements)."""

from leadflow.appointments.services.booking import (
    MAX_TEXT,
    PRODID,
    NotBookable,
    SlotTaken,
    appointment_book,
    appointment_cancel,
    appointment_ics,
    appointment_invitation,
    appointment_note,
    appointment_outcome_record,
    appointment_reschedule,
    attendee_calendar_save,
    attendee_feed_import,
    user_name,
    when_words,
)
from leadflow.appointments.services.delivery import appointment_deliver, appointment_deliverable
from leadflow.appointments.services.disputes import (
    NOTE_MAX_LENGTH,
    AppointmentDecisionRefused,
    appointment_dispute_decide,
    appointment_dispute_raise,
    appointment_replacement_fill,
    appointment_terms_save,
)

__all__ = [
    "MAX_TEXT",
    "NOTE_MAX_LENGTH",
    "PRODID",
    "AppointmentDecisionRefused",
    "NotBookable",
    "SlotTaken",
    "appointment_book",
    "appointment_cancel",
    "appointment_deliver",
    "appointment_deliverable",
    "appointment_dispute_decide",
    "appointment_dispute_raise",
    "appointment_ics",
    "appointment_invitation",
    "appointment_note",
    "appointment_outcome_record",
    "appointment_replacement_fill",
    "appointment_reschedule",
    "appointment_terms_save",
    "attendee_calendar_save",
    "attendee_feed_import",
    "user_name",
    "when_words",
]
