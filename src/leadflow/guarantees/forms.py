"""The dispute, decision and terms forms: they parse what a person typed; the rules are the
services' (``DisputeRefused``, ``DecisionRefused``, ``TermsInvalid``)."""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django import forms

from leadflow.guarantees.models import (
    MAX_DISPUTE_WINDOW_DAYS,
    GuaranteePeriod,
    GuaranteeTerms,
)
from leadflow.guarantees.services import NOTE_MAX_LENGTH, REASON_MAX_LENGTH

#: How far from today a guarantee's first day may be: enough for any contract, few enough
#: weekly periods for one page.
STARTS_ON_RANGE = timedelta(days=5 * 366)


class DisputeForm(forms.Form):
    reason = forms.ChoiceField(label="Reason")
    note = forms.CharField(
        label="What is wrong with this lead?",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text="Optional, but it helps QA decide: who you spoke to, what they said.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, reasons: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Choose a reason"), *((reason, reason) for reason in reasons)]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[
            ("uphold", "Uphold: the lead is invalid and is replaced"),
            ("reject", "Reject: the lead stands"),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note for the client",
        max_length=NOTE_MAX_LENGTH,
        help_text="Required: say why (what the call recording or the record shows).",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @property
    def uphold(self) -> bool:
        return bool(self.cleaned_data["decision"] == "uphold")


class TermsForm(forms.Form):
    leads_per_period = forms.IntegerField(
        label="Valid leads owed per period",
        min_value=0,
        help_text="0 promises no number; disputes and replacements still apply.",
    )
    period = forms.ChoiceField(choices=GuaranteePeriod.choices)
    starts_on = forms.DateField(
        label="Guarantee starts on",
        required=False,
        help_text="Earlier periods owe nothing. Empty: from the first delivery.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    dispute_window_days = forms.IntegerField(
        label="Dispute window (calendar days)",
        min_value=1,
        max_value=MAX_DISPUTE_WINDOW_DAYS,
        help_text="Days after the day of delivery, in the client's timezone; the window closes "
        "at the end of the last day.",
    )
    dispute_reasons = forms.CharField(
        label="Dispute reasons",
        help_text=f"One per line, at most {REASON_MAX_LENGTH} characters each.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    is_active = forms.BooleanField(
        label="Guarantee on (clients may dispute delivered leads)", required=False
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    @classmethod
    def initial_from(cls, terms: GuaranteeTerms) -> dict[str, Any]:
        return {
            "leads_per_period": terms.leads_per_period,
            "period": terms.period,
            "starts_on": terms.starts_on,
            "dispute_window_days": terms.dispute_window_days,
            "dispute_reasons": "\n".join(terms.dispute_reasons),
            "is_active": terms.is_active,
        }

    def clean_starts_on(self) -> date | None:
        value: date | None = self.cleaned_data["starts_on"]
        if value is not None and abs(value - self.today) > STARTS_ON_RANGE:
            raise forms.ValidationError("Choose a day within five years of today.")
        return value

    def clean_dispute_reasons(self) -> list[str]:
        text: str = self.cleaned_data["dispute_reasons"]
        return text.splitlines()
