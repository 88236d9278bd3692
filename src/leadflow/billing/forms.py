"""The billing terms form: it parses what a manager typed; the rules are the service's
(``billing_terms_save``: currency, decimals, statement day, addresses)."""

from decimal import Decimal
from typing import Any

from django import forms

from leadflow.billing.models import MAX_STATEMENT_DAY, BillingTerms
from leadflow.billing.services import PRICE_FIELDS, TermsInput

PRICE_LABELS = {
    "price_hot": "Price per Hot lead",
    "price_a": "Price per A lead",
    "price_b": "Price per B lead",
    "price_c": "Price per C lead",
    "price_fyi": "Price per FYI lead",
    "price_appointment": "Price per appointment",
}


class TermsForm(forms.Form):
    currency = forms.CharField(
        label="Currency",
        max_length=3,
        help_text="Three letters (ISO 4217), e.g. USD, EUR, GBP, JPY",
    )
    statement_day = forms.IntegerField(
        label="Statement day",
        min_value=1,
        max_value=MAX_STATEMENT_DAY,
        help_text="On this day of each month last month's statement is closed and e-mailed",
    )
    billing_contacts = forms.CharField(
        label="Billing contacts",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One e-mail address a line. Empty: the client's contacts of this program",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in PRICE_FIELDS:
            self.fields[name] = forms.DecimalField(
                label=PRICE_LABELS[name],
                min_value=Decimal(0),
                max_digits=14,
                decimal_places=4,
                help_text="0: delivered and listed at no charge",
            )
        order = ["currency", *PRICE_FIELDS, "statement_day", "billing_contacts"]
        self.order_fields(order)

    @staticmethod
    def initial_from(terms: BillingTerms | None) -> dict[str, Any]:
        if terms is None:
            return {"currency": "USD", "statement_day": 1,
                    **dict.fromkeys(PRICE_FIELDS, Decimal(0))}  # fmt: skip
        return {
            "currency": terms.currency,
            "statement_day": terms.statement_day,
            "billing_contacts": "\n".join(terms.billing_contacts),
            **{name: Decimal(getattr(terms, name)).normalize() for name in PRICE_FIELDS},
        }

    @staticmethod
    def to_input(data: dict[str, Any]) -> TermsInput:
        return TermsInput(
            currency=data["currency"],
            prices={name: data[name] for name in PRICE_FIELDS},
            statement_day=data["statement_day"],
            billing_contacts=[
                line.strip()
                for chunk in data["billing_contacts"].splitlines()
                for line in chunk.split(",")
            ],
        )
