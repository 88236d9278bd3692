"""The partner portal's forms (decline, first contact, outcome) and the managers' re-enable form.

They parse what a person typed; the rules (which reason needs a note, when a contact may be
dated, which outcome fits the lead's status) are the services' and come back as
``PartnerInputError`` on the field they name."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from leadflow.partners.models import CONTACT_CHANNELS, DECLINE_REASONS, LOST_REASONS

NOTE_MAX_LENGTH = 2000
#: What a ``datetime-local`` input sends, to the minute (seconds only when the browser adds them).
LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def _note(label: str, help_text: str = "", *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=NOTE_MAX_LENGTH,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PartnerForm(forms.Form):
    """Error messages of the services are shown beside the field they name."""

    def add_service_error(self, field: str, message: str) -> None:
        self.add_error(field if field in self.fields else None, message)


class DeclineForm(PartnerForm):
    prefix = "decline"
    reason = forms.ChoiceField(label="Reason", choices=[("", "Choose a reason"), *DECLINE_REASONS])
    note = _note("Note", "Required when the reason is “Other”.")


class ContactForm(PartnerForm):
    """The first contact. The time is typed in the partner's timezone, to the minute."""

    prefix = "contact"
    channel = forms.ChoiceField(label="Channel", choices=[("", "Choose"), *CONTACT_CHANNELS])
    at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT_FORMAT),
    )
    note = _note("Note", "Who you spoke to and what comes next.")

    def __init__(
        self, *args: Any, zone: ZoneInfo, assigned_at: datetime, now: datetime, **kwargs: Any
    ) -> None:
        kwargs.setdefault(
            "initial", {"at": timezone.localtime(now, zone).strftime(LOCAL_INPUT_FORMAT)}
        )
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.assigned_at = assigned_at
        help_text = f"In your timezone, {zone.key}."
        self.fields["at"].help_text = help_text

    def full_clean(self) -> None:
        """Read the typed time in the partner's timezone, whatever the server's is."""
        with timezone.override(self.zone):
            super().full_clean()

    def clean_at(self) -> datetime:
        """A time typed to the minute means any moment of that minute: a contact in the minute
        the lead arrived is not "before the assignment"."""
        at: datetime = self.cleaned_data["at"]
        minute = self.assigned_at.replace(second=0, microsecond=0)
        if at < self.assigned_at and at >= minute and at < minute + timedelta(minutes=1):
            return self.assigned_at
        return at


class OutcomeForm(PartnerForm):
    """The follow-up's outcome; only the outcomes the lead's status allows are offered."""

    prefix = "outcome"
    outcome = forms.ChoiceField(label="Outcome", widget=forms.RadioSelect)
    reason = forms.ChoiceField(
        label="Why was it lost?",
        required=False,
        choices=[("", "Choose a reason (for Lost)"), *LOST_REASONS],
    )
    note = _note("Note", "Required when the lost reason is “Other”.")

    def __init__(self, *args: Any, outcomes: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer(outcomes)

    def offer(self, outcomes: Sequence[tuple[str, str]]) -> None:
        """Show these outcomes (a form shown again after an error offers what the lead's
        status allows, even if it parsed the full list)."""
        field = self.fields["outcome"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = list(outcomes)


class FlowEnableForm(PartnerForm):
    note = _note(
        "Note",
        "Required: why the partner may receive leads again (what was agreed with it).",
        required=True,
    )


class QueueDecisionForm(PartnerForm):
    """A manager's decision on a lead waiting in the routing queue: assign it to a chosen
    partner, send it back to review, or move it to nurture; always with a reason."""

    DECISIONS = (
        ("assign", "Assign to the chosen partner"),
        ("review", "Send back to review"),
        ("nurture", "Move to nurture"),
    )
    decision = forms.ChoiceField(choices=DECISIONS)
    partner = forms.TypedChoiceField(
        label="Partner", coerce=int, required=False, empty_value=None, choices=()
    )
    reason = _note("Reason", "Required: it is kept in the lead's history.", required=True)

    def __init__(self, *args: Any, partners: Sequence[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["partner"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "Choose a partner"), *partners]
        self.fields["reason"].error_messages["required"] = "Say why: the reason is required."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "assign" and data.get("partner") is None:
            self.add_error("partner", "Choose the partner to assign the lead to.")
        return data


class ReassignForm(PartnerForm):
    """A manager takes a lead from its partner: to another chosen partner, or back to the
    routing queue (the empty choice)."""

    partner = forms.TypedChoiceField(
        label="Give it to", coerce=int, required=False, empty_value=None, choices=()
    )
    reason = _note("Reason", "Required: it is kept in the lead's history.", required=True)

    def __init__(self, *args: Any, partners: Sequence[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["partner"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "Back to the routing queue"), *partners]
        self.fields["reason"].error_messages["required"] = "Say why: the reason is required."
