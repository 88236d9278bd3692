"""The appointments' forms: booking a call (a slot of the attendee's), moving it, an
attendee's availability and free/busy feed; disputing a delivered call, deciding it, and the
appointments a program promises."""

from datetime import datetime

from django import forms

from leadflow.appointments.services.disputes import NOTE_MAX_LENGTH
from leadflow.core.appointments import AppointmentDisputeReason, AppointmentKind, Slot


def slot_value(slot: Slot) -> str:
    return slot.start.isoformat()


def slot_label(slot: Slot) -> str:
    """ "Tue 3 Nov, 10:00-10:30 PST for the attendee · 19:00 CET for you"."""
    there, here = slot.attendee_start, slot.prospect_start
    return (
        f"{there:%a} {there.day} {there:%b}, {there:%H:%M}-{slot.attendee_end:%H:%M} "
        f"{there.tzname()} for the attendee · {here:%a %H:%M} {here.tzname()} for you"
    )


class SlotForm(forms.Form):
    """A slot among those offered (its start as an ISO instant)."""

    starts_at = forms.ChoiceField(label="Slot")

    def __init__(self, *args: object, slots: list[Slot], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["starts_at"].choices = [(slot_value(s), slot_label(s)) for s in slots]  # type: ignore[attr-defined]

    def clean_starts_at(self) -> datetime:
        return datetime.fromisoformat(self.cleaned_data["starts_at"])


class BookForm(SlotForm):
    kind = forms.ChoiceField(
        label="Kind of call", choices=[(k.value, k.label) for k in AppointmentKind]
    )
    agenda = forms.CharField(
        label="Agenda", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    location = forms.CharField(
        label="Where (a dial-in, a meeting link or an address)", required=False, max_length=300
    )
    prospect_confirmed = forms.BooleanField(label="The prospect confirmed the time", required=False)
    confirmation = forms.CharField(
        label="Confirmation (how and when)", required=False, max_length=1000
    )


class CalendarForm(forms.Form):
    timezone = forms.CharField(label="Timezone", max_length=64, help_text="e.g. Europe/Berlin")
    country = forms.CharField(label="Country for holidays", max_length=2, help_text="ISO code")
    subdivision = forms.CharField(label="State or province", max_length=8, required=False)
    working_hours = forms.CharField(
        label="Working hours",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text='One line per day or range of days: "Mon-Fri 09:00-12:00, 13:00-17:00".',
    )


class FeedForm(forms.Form):
    feed_url = forms.URLField(
        label="Free/busy feed (iCalendar URL)", max_length=500, assume_scheme="https"
    )


class AppointmentDisputeForm(forms.Form):
    """A client contact's dispute of a delivered call: one of the three reasons, and a note."""

    reason = forms.ChoiceField(
        label="Reason",
        choices=[(r.value, r.label) for r in AppointmentDisputeReason],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="What went wrong?",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text="Optional, but it helps QA decide: who came, what they said.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AppointmentDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[
            ("uphold", "Uphold: the call does not count and is replaced"),
            ("reject", "Reject: the call stands"),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note for the client",
        max_length=NOTE_MAX_LENGTH,
        help_text="Required: say why (what the attendee or the recording says).",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @property
    def uphold(self) -> bool:
        return bool(self.cleaned_data["decision"] == "uphold")


class AppointmentTermsForm(forms.Form):
    appointments_per_period = forms.IntegerField(
        label="Valid appointments owed per period",
        min_value=0,
        max_value=100000,
        help_text="0 promises no number; disputes and replacements still apply. The period, the "
        "dispute window and whether the guarantee is on are the program's guarantee terms.",
    )
