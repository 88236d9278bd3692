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


# --- Needs assessments and demo outcomes ---------------------------------------------------------

DOCUMENT_HELP = "A PDF, Office, OpenDocument, PNG, JPEG or plain-text file, at most 10 MB."


class AssessmentSendForm(forms.Form):
    completion_date = forms.DateField(
        required=False,
        label="The prospect means to complete it by",
        help_text="The follow-up call is due on this date (the next working day if it is not one).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class AssessmentUpdateForm(forms.Form):
    state = forms.ChoiceField(
        required=False,
        label="Where the prospect is",
        choices=(
            ("", "No change"),
            ("in_progress", "The prospect is working on it"),
            ("not_completed", "The prospect will not complete it"),
        ),
    )
    completion_date = forms.DateField(
        required=False,
        label="New completion date",
        help_text="The follow-up call moves with it.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    notes = forms.CharField(
        required=False, max_length=10_000, label="Notes", widget=forms.Textarea(attrs={"rows": 3})
    )


class AssessmentReturnForm(forms.Form):
    document = forms.FileField(
        required=False, label="The returned assessment", help_text=DOCUMENT_HELP
    )


class AssessmentOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What the assessment showed",
        choices=(
            ("remote_demo", "Meets 2 of BANT: offer a remote demo"),
            ("field_sales", "Meets 3 or 4 of BANT: hand to field sales or a partner"),
            ("dead_file", "No interest: move the lead to the dead file"),
        ),
        widget=forms.RadioSelect,
    )
    confirm_dead_file = forms.BooleanField(
        required=False,
        label="Yes, move the lead to the dead file and cancel its open tasks",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == "dead_file" and not data.get("confirm_dead_file"):
            self.add_error(
                "confirm_dead_file", "Tick the box to confirm the lead goes to the dead file."
            )
        return data


class QuestionnaireForm(forms.Form):
    questionnaire = forms.FileField(label="Completed questionnaire", help_text=DOCUMENT_HELP)


class DemoScheduleForm(DemoForm):
    """A demo with its optional completed questionnaire."""

    questionnaire = forms.FileField(
        required=False,
        label="Completed questionnaire (optional)",
        help_text="Sent with the invitation to your colleagues and the partner's people, not "
        "to the prospect. " + DOCUMENT_HELP,
    )


class DemoOutcomeForm(forms.Form):
    outcome = forms.CharField(
        required=False,
        max_length=4000,
        label="How the demo went",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    next_step = forms.ChoiceField(
        label="Next step",
        choices=(
            ("proposal", "Write a proposal"),
            ("hands_on_demo", "A hands-on demo"),
            ("references", "Give references"),
            ("lost", "Lost"),
        ),
        widget=forms.RadioSelect,
    )


# --- The sales setup page (kits and settings) -------------------------------------------------

_KIND_CHOICES = [
    ("prequalify_call", "Pre-qualify call"),
    ("send_sales_kit", "Send the sales kit"),
    ("follow_up_call", "Follow-up call"),
    ("assessment_follow_up", "Assessment follow-up"),
    ("demo_preparation", "Demo preparation"),
    ("proposal_follow_up", "Proposal follow-up"),
    ("other", "Other"),
]


class KitForm(forms.Form):
    name = forms.CharField(max_length=200, label="Name", help_text="Shown to your team only.")
    subject = forms.CharField(
        max_length=200,
        label="Subject",
        help_text="May use {{ first_name }}, {{ last_name }}, {{ company }} and {{ program }}.",
    )
    body = forms.CharField(
        max_length=50_000,
        label="Text of the e-mail",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text='The same fields, for example {{ first_name|default:"there" }}.',
    )
    is_marketing = forms.BooleanField(
        required=False,
        initial=True,
        label="Marketing e-mail (not sent to addresses that unsubscribed; carries an "
        "unsubscribe link)",
    )
    is_assessment = forms.BooleanField(
        required=False, label="The needs-assessment kit (sent for a needs-assessment request)"
    )


class KitDocumentForm(forms.Form):
    file = forms.FileField(
        label="Document",
        help_text="PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG or plain text; at most "
        "10 MB each and 20 MB per kit.",
    )


class FlowStepForm(forms.Form):
    """One step of an inquiry type's flow; a row without a kind is left out."""

    kind = forms.ChoiceField(
        required=False, label="Task", choices=[("", "— no step —"), *_KIND_CHOICES]
    )
    after_working_days = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=365,
        label="Working days after the previous step",
        widget=forms.NumberInput(attrs={"class": "narrow"}),
    )
    title = forms.CharField(required=False, max_length=200, label="Title (optional)")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") and data.get("after_working_days") is None:
            data["after_working_days"] = 0
        return data


FlowStepFormSet = forms.formset_factory(
    FlowStepForm, extra=2, max_num=12, validate_max=True, absolute_max=12
)


class ApprovalStepForm(forms.Form):
    """One approval step of a proposal; a row without a name is left out."""

    name = forms.CharField(required=False, max_length=100, label="Step")
    role = forms.ChoiceField(required=False, label="Anyone with the role")
    users = forms.MultipleChoiceField(
        required=False, label="Or these people", widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args: Any,
        roles: list[tuple[str, str]] | None = None,
        people: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        users = self.fields["users"]
        assert isinstance(role, forms.ChoiceField)
        assert isinstance(users, forms.ChoiceField)
        role.choices = [("", "— nobody by role —"), *(roles or [])]
        users.choices = people or []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("name") and not data.get("role") and not data.get("users"):
            self.add_error("role", "Say who may give this step: a role, named people or both.")
        return data


ApprovalStepFormSet = forms.formset_factory(
    ApprovalStepForm, extra=1, max_num=10, validate_max=True, absolute_max=10
)


class SalesSettingsForm(forms.Form):
    demo_min_lead_days = forms.IntegerField(
        min_value=0,
        max_value=365,
        label="Days an on-site demo must be booked ahead",
    )
    reference_uses_per_quarter = forms.IntegerField(
        min_value=1,
        max_value=100,
        label="Uses of one reference customer per quarter",
        help_text="More uses in a quarter flag the reference as asked too often.",
    )
    remind_minutes_before = forms.IntegerField(
        min_value=0,
        max_value=7 * 24 * 60,
        label="Remind a task's owner this many minutes before it is due",
    )
    task_hour = forms.IntegerField(
        min_value=0,
        max_value=23,
        label="Hour a task after a wait is due",
        help_text="In the client's timezone, 0 to 23.",
    )
    subdivision = forms.CharField(
        required=False,
        max_length=60,
        label="State or province",
        help_text="Its public holidays are skipped as well as the country's. Its code or its "
        "name, for example CA or California; leave empty for the country's holidays only.",
    )


class ProposalDocumentForm(forms.Form):
    """A proposal's document (checked by its content by the proposal service)."""

    file = forms.FileField(
        required=False,
        label="Document",
        help_text="PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG or text; at most 10 MB "
        "(20 MB for all of a proposal's documents).",
    )


class ReferenceUseForm(forms.Form):
    reference = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    confirm = forms.BooleanField(required=False)


class ReferenceForm(forms.Form):
    """A reference customer as field sales keep it; the references service checks the e-mail
    and phone (the intake's normalisers) and says which field is wrong."""

    client: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label="Client", empty_label=None
    )
    customer = forms.CharField(max_length=200, label="Customer")
    contact_name = forms.CharField(required=False, max_length=200, label="Contact's name")
    contact_email = forms.CharField(required=False, max_length=254, label="Contact's e-mail")
    contact_phone = forms.CharField(
        required=False,
        max_length=32,
        label="Contact's phone",
        help_text="With +country code, or a number of the client's country.",
    )
    products = forms.CharField(
        required=False, max_length=500, label="Products", help_text="Separated by commas."
    )
    industry = forms.CharField(required=False, max_length=100, label="Industry")
    region = forms.CharField(required=False, max_length=100, label="Region")
    notes = forms.CharField(required=False, label="Notes", widget=forms.Textarea(attrs={"rows": 3}))
    willing_until = forms.DateField(
        required=False,
        label="Willing to be a reference until",
        help_text="Leave empty when the customer set no end.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, clients: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["client"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = clients
        if len(clients) == 1:  # nothing to choose: the one client the user keeps
            field.initial = clients[0]
            field.disabled = True
            field.widget = forms.HiddenInput()
