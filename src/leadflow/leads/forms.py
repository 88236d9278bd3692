"""Forms of the lead pages: the list's filter (a GET form), saved filters and bulk actions, and
the workspace's call log, disqualification and dead file."""

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict

from leadflow.accounts.models import User
from leadflow.config.leads import LEAD_LIST_VIEWS
from leadflow.core.enums import DisqualificationReason
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import CHANNEL_CHOICES, RATING_CHOICES, STAGE_CHOICES, CallOutcome
from leadflow.leads.selectors.lists import (
    DEFAULT_SORT,
    NO_OWNER,
    NO_RATING,
    SELECT_AT_LEAST_ONE,
    SORTS,
    LeadFilters,
    qualifier_list,
)
from leadflow.leads.selectors.preferences import LIST_COLUMNS, PAGE_SIZES
from leadflow.leads.services.bulk import (
    BULK_ACTIONS,
    CAMPAIGN_MAX,
    SAVED_KEYS,
    BulkAction,
    bulk_actions_for,
)
from leadflow.leads.workspace.text import label
from leadflow.programs.selectors import program_list

ANY = [("", "Any")]
#: Reasons a qualifier may give; "unspecified" exists for the CLI only.
DISQUALIFICATION_REASONS = tuple(
    reason for reason in DisqualificationReason if reason is not DisqualificationReason.UNSPECIFIED
)
SORT_CHOICES = [
    (f"{prefix}{key}", f"{key.capitalize()} {'descending' if prefix else 'ascending'}")
    for key in SORTS
    for prefix in ("-", "")
]


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class LeadFilterForm(forms.Form):
    """The list's filters. Invalid values are dropped (and shown), never a server error."""

    q = forms.CharField(label="Search", required=False, max_length=100)
    program = forms.TypedChoiceField(label="Program", required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=ANY + [(status.value, status.label) for status in LeadStatus],
    )
    stage = forms.ChoiceField(label="Stage", required=False, choices=ANY + STAGE_CHOICES)
    rating = forms.ChoiceField(
        label="Rating", required=False, choices=[*ANY, *RATING_CHOICES, (NO_RATING, "No rating")]
    )
    channel = forms.ChoiceField(label="Channel", required=False, choices=ANY + CHANNEL_CHOICES)
    campaign = forms.CharField(label="Campaign", required=False, max_length=100)
    owner = forms.ChoiceField(label="Owner", required=False)
    created_from = forms.DateField(
        label="Created from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label="Created to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    view = forms.ChoiceField(label="View", required=False)
    sort = forms.ChoiceField(label="Sort", required=False, choices=SORT_CHOICES)

    def __init__(self, data: QueryDict, *, user: User) -> None:
        super().__init__(data)
        _choice_field(self, "view").choices = ANY + [
            (view.slug, view.label) for view in LEAD_LIST_VIEWS
        ]
        _choice_field(self, "program").choices = ANY + [
            (program.pk, f"{program.client.name} · {program.name}")
            for program in program_list(user=user)
        ]
        self.qualifiers = list(qualifier_list(user=user))
        _choice_field(self, "owner").choices = [
            *ANY,
            (NO_OWNER, "Nobody"),
            *((str(person.pk), person.get_username()) for person in self.qualifiers),
        ]

    def filters(self) -> LeadFilters:
        """The valid part of the input as filters (``is_valid`` must have been called)."""
        data: dict[str, Any] = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.errors and value not in (None, "")
        }
        data.setdefault("sort", DEFAULT_SORT)
        return LeadFilters(**data)

    def query(self) -> str:
        """The valid, non-empty filters as a query string (what a saved filter stores)."""
        filters = self.filters()
        pairs = [
            (name, str(getattr(filters, name)))
            for name in SAVED_KEYS
            if getattr(filters, name) not in (None, "")
            and not (name == "sort" and filters.sort == DEFAULT_SORT)
        ]
        return urlencode(pairs)


class SavedFilterForm(forms.Form):
    name = forms.CharField(label="Name this filter", max_length=80)
    query = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)


class BulkForm(forms.Form):
    """The leads picked on the list and what to do with them. ``confirm`` is set by the
    confirmation page; without it the action is only shown, not run."""

    action = forms.ChoiceField(label="With the selected leads")
    lead = forms.TypedMultipleChoiceField(
        coerce=int, required=True, error_messages={"required": SELECT_AT_LEAST_ONE}
    )
    owner = forms.TypedChoiceField(label="Qualifier", required=False, coerce=int, empty_value=None)
    campaign = forms.CharField(label="Campaign", required=False, max_length=CAMPAIGN_MAX)
    query = forms.CharField(required=False, max_length=1000)
    confirm = forms.BooleanField(required=False)

    def __init__(self, data: QueryDict, *, user: User) -> None:
        super().__init__(data)
        _choice_field(self, "action").choices = [
            (action.name, action.label) for action in bulk_actions_for(user)
        ]
        # Any id may be posted; the selector keeps only leads in the user's scope.
        _choice_field(self, "lead").choices = [(value, value) for value in data.getlist("lead")]
        self.owners = {person.pk: person for person in qualifier_list(user=user)}
        _choice_field(self, "owner").choices = [
            *ANY,
            *((pk, person.get_username()) for pk, person in self.owners.items()),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "assign" and not cleaned.get("owner"):
            self.add_error("owner", "Choose the qualifier to assign the leads to.")
        if cleaned.get("action") == "campaign" and not cleaned.get("campaign", "").strip():
            self.add_error("campaign", "Type the campaign code to put the leads under.")
        return cleaned

    @property
    def bulk_action(self) -> BulkAction:
        return BULK_ACTIONS[self.cleaned_data["action"]]

    @property
    def owner_user(self) -> User | None:
        owner = self.cleaned_data.get("owner")
        return self.owners.get(owner) if owner else None


class ListSettingsForm(forms.Form):
    """The column chooser and the page size of the lead list."""

    columns = forms.MultipleChoiceField(
        label="Columns", required=False, choices=[(c.key, c.label) for c in LIST_COLUMNS]
    )
    per_page = forms.TypedChoiceField(
        label="Leads per page", coerce=int, choices=[(size, size) for size in PAGE_SIZES]
    )
    query = forms.CharField(required=False, max_length=1000)


class CallForm(forms.Form):
    outcome = forms.ChoiceField(choices=CallOutcome.choices)
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    for_sales = forms.BooleanField(
        required=False,
        label="For sales",
        help_text="The partner who gets the lead reads this note on its lead page.",
    )
    next_call_at = forms.DateTimeField(
        required=False,
        label="Next call",
        help_text="Leave empty unless the prospect asked to be called back; until then the "
        "lead stays out of the queue.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    prefix = "call"

    def __init__(self, *args: Any, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now

    def clean_next_call_at(self) -> datetime | None:
        value: datetime | None = self.cleaned_data["next_call_at"]
        if value is not None and value <= self.now:
            raise forms.ValidationError("The next call must be in the future.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("for_sales") and not str(data.get("note", "")).strip():
            self.add_error("note", "Write the note sales should read, or untick “For sales”.")
        return data


class DisqualifyForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[(reason.value, label(reason.value)) for reason in DISQUALIFICATION_REASONS]
    )
    note = forms.CharField(required=False, max_length=500)
    confirm = forms.BooleanField(label="Yes, disqualify this lead")
    prefix = "disqualify"


class DeadFileForm(forms.Form):
    confirm = forms.BooleanField(label="Yes, move this lead to the dead file")
    prefix = "dead_file"
