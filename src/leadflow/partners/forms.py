"""The partners app's forms: the portal's (decline, first contact, outcome), the managers'
(re-enable, the routing queue's decisions, reassignment, the lead list's "Give to a partner")
and partner setup's (a partner, a client's levels, a program's SLA policy).

They parse what a person typed; the rules (which reason needs a note, when a contact may be
dated, which outcome fits the lead's status) are the services' and come back as
``PartnerInputError`` on the field they name."""

import zoneinfo
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from leadflow.accounts.models import User
from leadflow.core.routing import DEFAULT_CAPACITY, TerritoryError, TerritoryRule
from leadflow.core.routing import territories_parse as parse_territories
from leadflow.core.sla import QUEUE_LIMIT_MAX_HOT_HOURS, QUEUE_LIMIT_MAX_WORKING_DAYS
from leadflow.partners.models import (
    CONTACT_CHANNELS,
    DECLINE_REASONS,
    LOST_REASONS,
    NotifyFormat,
    Partner,
    PartnerType,
)
from leadflow.programs.forms.fields import EditorForm
from leadflow.programs.models import Client, Program

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


class GiveForm(forms.Form):
    """The lead list's "Give to a partner": the partner among ``partners`` and why."""

    partner = forms.TypedChoiceField(label="Partner", coerce=int)
    reason = forms.CharField(
        label="Why these leads go to this partner",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why these leads go to this partner."},
    )
    confirm = forms.BooleanField(required=False)

    def __init__(self, data: Any, *, partners: QuerySet[Partner]) -> None:
        super().__init__(data)
        field = self.fields["partner"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "Choose…")] + [
            (partner.pk, f"{partner.name} ({partner.client.name})") for partner in partners
        ]


# --- partner setup ------------------------------------------------------------------------------


class PartnerSetupForm(EditorForm):
    """A partner's details and territories (a new one names its client). The view passes what
    the user may choose: ``clients`` and ``managers`` from the selectors, and the client's
    ``levels`` (program levels, certification levels), best first."""

    client = forms.ModelChoiceField(label="Client", queryset=Client.objects.none())
    name = forms.CharField(label="Name", max_length=200)
    type = forms.ChoiceField(label="Kind of partner", choices=PartnerType.choices)
    country = forms.CharField(
        label="Country", max_length=2, help_text="Two letters, such as US or DE: for holidays."
    )
    subdivision = forms.CharField(
        label="State or province",
        max_length=8,
        required=False,
        help_text="Its code, such as CA or BY: for regional holidays. May be empty.",
    )
    timezone = forms.CharField(
        label="Timezone", max_length=64, initial="UTC", help_text="Such as America/New_York."
    )
    program_level = forms.ChoiceField(label="Program level", required=False)
    certification_level = forms.ChoiceField(label="Certification level", required=False)
    capacity = forms.IntegerField(
        label="Capacity",
        min_value=1,
        max_value=1000,
        initial=DEFAULT_CAPACITY,
        help_text="Most open leads (assigned, no outcome yet) it may hold at a time.",
    )
    manager = forms.ModelChoiceField(
        label="Partner manager",
        queryset=User.objects.none(),
        required=False,
        help_text="Warned of its missed deadlines.",
        empty_label="Nobody",
    )
    notify_format = forms.ChoiceField(label="New leads are sent as", choices=NotifyFormat.choices)
    email = forms.EmailField(
        label="Shared inbox", required=False, help_text="Copied on its notifications."
    )
    is_active = forms.BooleanField(label="Active (receives leads)", required=False, initial=True)
    territories = forms.CharField(
        label="Territories",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Where it sells, one a line: a country (US), a state or province (US-CA), "
        "optionally a postal-code start after a space (US-CA 94).",
    )

    #: The fields shown as the partner has them.
    PARTNER_FIELDS = (
        "name",
        "type",
        "country",
        "subdivision",
        "timezone",
        "program_level",
        "certification_level",
        "capacity",
        "notify_format",
        "email",
        "is_active",
    )

    def __init__(
        self,
        *args: Any,
        clients: QuerySet[Client],
        managers: QuerySet[User],
        levels: tuple[Sequence[str], Sequence[str]],
        partner: Partner | None = None,
        territories: str = "",
        **kwargs: Any,
    ) -> None:
        if partner is not None:
            initial = {name: getattr(partner, name) for name in self.PARTNER_FIELDS}
            kwargs.setdefault(
                "initial",
                {
                    **initial,
                    "client": partner.client_id,
                    "manager": partner.manager_id,
                    "territories": territories,
                },
            )
        super().__init__(*args, **kwargs)
        client_field = self.fields["client"]
        assert isinstance(client_field, forms.ModelChoiceField)
        client_field.queryset = clients
        if partner is not None:
            del self.fields["client"]
        manager = self.fields["manager"]
        assert isinstance(manager, forms.ModelChoiceField)
        manager.queryset = managers
        for name, values in zip(("program_level", "certification_level"), levels, strict=True):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", "—"), *((v, v.replace("_", " ")) for v in values)]

    def clean_timezone(self) -> str:
        value = self.cleaned_data["timezone"].strip()
        if value not in zoneinfo.available_timezones():
            raise forms.ValidationError(
                f"“{value}” is not a timezone; write one such as Europe/Berlin."
            )
        return value

    def clean_territories(self) -> tuple[TerritoryRule, ...]:
        try:
            return parse_territories(self.cleaned_data["territories"])
        except TerritoryError as exc:
            raise forms.ValidationError(list(exc.problems)) from None


class LevelsForm(EditorForm):
    program_levels = forms.CharField(
        label="Program levels, best first",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One a line. Routing prefers partners higher in this list.",
    )
    certification_levels = forms.CharField(
        label="Certification levels, best first",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One a line; after the program level, routing prefers these in order.",
    )

    def _levels(self, name: str) -> list[str]:
        values = [line.strip() for line in self.cleaned_data[name].splitlines() if line.strip()]
        if len({v.lower() for v in values}) != len(values):
            raise forms.ValidationError("Each level once only.")
        return values

    def clean_program_levels(self) -> list[str]:
        return self._levels("program_levels")

    def clean_certification_levels(self) -> list[str]:
        return self._levels("certification_levels")


#: The SLA policy's fields as the page asks for them: label, least and most value.
SLA_FIELDS: dict[str, tuple[str, int, int]] = {
    "claim_days": ("Working days to claim a new lead", 0, 365),
    "contact_days_hot": ("Working days to first contact, Hot", 0, 365),
    "contact_days_a": ("Working days to first contact, A", 0, 365),
    "contact_days_b": ("Working days to first contact, B", 0, 365),
    "followup_days": ("Working days from first contact to the outcome", 0, 365),
    "violation_threshold": ("Missed deadlines that stop a partner's lead flow", 1, 365),
    "violation_window_days": ("…counted over this many days", 1, 365),
    "queue_limit_hot_hours": (
        "Hours a Hot lead may wait for a partner before managers are alerted",
        1,
        QUEUE_LIMIT_MAX_HOT_HOURS,
    ),
    "queue_limit_working_days": (
        "Working days other leads may wait for a partner before managers are alerted",
        1,
        QUEUE_LIMIT_MAX_WORKING_DAYS,
    ),
}
SLA_HELP = {
    "queue_limit_hot_hours": "Counted from when the lead began waiting in the routing queue.",
    "queue_limit_working_days": "1 means until the end of the next working day (Monday to "
    "Friday, not a closure day).",
}


class SlaForm(EditorForm):
    """A program's SLA policy: the partners' clocks, the violation threshold, and how long a
    lead may wait in the routing queue."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (label, least, most) in SLA_FIELDS.items():
            self.fields[name] = forms.IntegerField(
                label=label, min_value=least, max_value=most, help_text=SLA_HELP.get(name, "")
            )

    @property
    def clock_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in SLA_FIELDS if not name.startswith("queue_")]

    @property
    def queue_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in SLA_FIELDS if name.startswith("queue_")]


class RegistrationForm(PartnerForm):
    """A prospect the partner found itself (``deal_register``)."""

    program: forms.ModelChoiceField[Program] = forms.ModelChoiceField(
        label="Program", queryset=Program.objects.none(), empty_label=None
    )
    first_name = forms.CharField(label="First name", max_length=40, required=False)
    last_name = forms.CharField(label="Last name", max_length=80, required=False)
    title = forms.CharField(label="Job title", max_length=128, required=False)
    company = forms.CharField(label="Company", max_length=200, required=False)
    email = forms.CharField(label="E-mail", max_length=254, required=False)
    phone = forms.CharField(label="Phone", max_length=40, required=False)
    website = forms.CharField(label="Website", max_length=200, required=False)
    city = forms.CharField(label="City", max_length=100, required=False)
    state = forms.CharField(label="State or region", max_length=80, required=False)
    postal_code = forms.CharField(label="Postal code", max_length=16, required=False)
    country = forms.CharField(label="Country", max_length=80, required=False)
    note = _note("About the opportunity", "What they need, and when: it helps the qualifiers.")

    def __init__(self, *args: Any, programs: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["program"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = programs
        if programs.count() == 1:
            field.initial = programs.first()


class RegistrationDecisionForm(PartnerForm):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    reason = _note("Reason", "Required to reject: the partner reads it.")
