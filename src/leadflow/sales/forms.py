"""The sales pages' forms: a demo (remote or on-site, its times in the participants' timezone,
the participants), a reschedule, a proposal, an approval step's decision, won and lost, a
task's outcome. They parse input only; the sales services decide and write (the on-site
minimum lead time is the demo service's refusal, shown on the form)."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

#: The timezones offered first; every IANA name is accepted.
COMMON_TIMEZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "UTC",
)
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def timezone_choices(current: str = "") -> list[tuple[str, str]]:
    names = list(COMMON_TIMEZONES)
    if current and current not in names:
        names.insert(0, current)
    others = sorted(available_timezones() - set(names))
    return [(name, name.replace("_", " ")) for name in [*names, *others]]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class _TimesForm(forms.Form):
    """Start and end as the participants read them, in the timezone chosen beside them."""

    timezone = forms.ChoiceField(label="Timezone of the participants")
    starts_at = forms.DateTimeField(
        label="Starts", input_formats=DATETIME_FORMATS, widget=LocalDateTimeInput()
    )
    ends_at = forms.DateTimeField(
        label="Ends", input_formats=DATETIME_FORMATS, widget=LocalDateTimeInput()
    )

    def __init__(self, *args: Any, default_timezone: str = "UTC", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["timezone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = timezone_choices(default_timezone)
        field.initial = self.initial.get("timezone", default_timezone)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        zone, starts, ends = data.get("timezone"), data.get("starts_at"), data.get("ends_at")
        if zone and isinstance(starts, datetime) and isinstance(ends, datetime):
            tz = ZoneInfo(zone)
            data["starts_at"] = starts.replace(tzinfo=None).replace(tzinfo=tz)
            data["ends_at"] = ends.replace(tzinfo=None).replace(tzinfo=tz)
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("ends_at", "The demo must end after it starts.")
        return data


class DemoForm(_TimesForm):
    kind = forms.ChoiceField(
        label="Kind of demo",
        choices=(("remote", "Remote (online meeting)"), ("on_site", "On-site (at the prospect)")),
        widget=forms.RadioSelect,
        initial="remote",
    )
    location = forms.CharField(
        required=False, max_length=300, label="Location", help_text="For an on-site demo."
    )
    meeting_url = forms.URLField(
        required=False,
        max_length=500,
        label="Meeting link",
        help_text="For a remote demo.",
        assume_scheme="https",
    )
    objectives = forms.CharField(
        required=False,
        max_length=4000,
        label="Objectives",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    participants = forms.CharField(
        label="Participants' e-mail addresses",
        help_text="One a line: your colleagues, the partner's people and the prospect's "
        "contacts. Each gets the invitation.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    field_order = [
        "kind",
        "timezone",
        "starts_at",
        "ends_at",
        "location",
        "meeting_url",
        "objectives",
        "participants",
    ]

    def clean_participants(self) -> list[str]:
        raw = self.cleaned_data.get("participants", "")
        emails: list[str] = []
        for part in raw.replace(",", "\n").replace(";", "\n").splitlines():
            email = part.strip()
            if not email:
                continue
            try:
                validate_email(email)
            except ValidationError:
                raise ValidationError(f"“{email}” is not an e-mail address.") from None
            if email.lower() not in {e.lower() for e in emails}:
                emails.append(email)
        if not emails:
            raise ValidationError("Name at least one participant.")
        return emails

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == "on_site" and not data.get("location"):
            self.add_error("location", "Say where the on-site demo takes place.")
        if data.get("kind") == "remote" and not data.get("meeting_url"):
            self.add_error("meeting_url", "Give the meeting link of the remote demo.")
        return data


class RescheduleForm(_TimesForm):
    pass


class OutcomeForm(forms.Form):
    outcome = forms.CharField(required=False, max_length=2000, label="Outcome")


class ProposalForm(forms.Form):
    amount = forms.DecimalField(label="Amount", min_value=0, max_digits=14, decimal_places=2)
    currency = forms.CharField(
        label="Currency", max_length=3, min_length=3, initial="USD", help_text="Three letters."
    )
    due_date = forms.DateField(
        required=False,
        label="Answer expected by",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_currency(self) -> str:
        currency: str = self.cleaned_data["currency"].strip().upper()
        if not currency.isalpha():
            raise ValidationError("Use the three letters of the currency, like USD or EUR.")
        return currency


class DecisionForm(forms.Form):
    step = forms.CharField(max_length=120)
    decision = forms.ChoiceField(choices=(("approved", "Approve"), ("rejected", "Reject")))
    note = forms.CharField(required=False, max_length=2000, label="Note")


class WonForm(forms.Form):
    won_amount = forms.DecimalField(
        label="Amount won", min_value=0, max_digits=14, decimal_places=2
    )


class LostForm(forms.Form):
    lost_reason = forms.CharField(max_length=500, label="Why it was lost")


class ReferenceSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    product = forms.CharField(required=False, max_length=100, label="Product")
    industry = forms.CharField(required=False, max_length=100, label="Industry")
