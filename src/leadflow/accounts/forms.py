"""The two-step sign-in forms (a code, and what proves it is you when turning it off), and
the time zone of the account page."""

from typing import Any

from django import forms

from leadflow.accounts.selectors import timezone_names


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code your authenticator app shows, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "off"}
        ),
    )


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from the app",
        max_length=6,
        help_text="The 6 digits the app shows for LeadFlow now.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class TurnOffForm(forms.Form):
    code = forms.CharField(
        label="Code from the app",
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    password = forms.CharField(
        label="Or your password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TimezoneForm(forms.Form):
    """The zone a person reads times in; empty: the site's default."""

    timezone = forms.ChoiceField(
        label="Time zone",
        required=False,
        help_text="Every time LeadFlow shows you is in this zone.",
    )

    def __init__(self, *args: Any, default: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["timezone"]
        assert isinstance(field, forms.ChoiceField)
        names = [(name, name.replace("_", " ")) for name in timezone_names()]
        field.choices = [("", f"The site's default ({default})"), *names]
