"""The backtest form: a history file and how to read its outcome."""

from django import forms


class BacktestForm(forms.Form):
    file = forms.FileField(
        label="History file (CSV or XLSX)",
        help_text="An export of past leads with a column saying whether each converted. "
        "Rows need no contact data.",
    )
    outcome = forms.CharField(
        label="Outcome column",
        max_length=200,
        help_text="The column that says whether the lead converted, e.g. Converted.",
    )
    positive = forms.CharField(
        label="Value that means converted",
        max_length=200,
        required=False,
        help_text="Leave empty for 1/0, yes/no, true/false, won/lost, converted/not converted.",
    )
    exclude = forms.CharField(
        label="Columns never to use",
        max_length=2000,
        required=False,
        help_text="Separated by commas: columns recorded after the outcome, such as a last "
        "activity or a lost reason.",
    )

    def excluded(self) -> tuple[str, ...]:
        text = self.cleaned_data.get("exclude") or ""
        return tuple(name.strip() for name in text.split(",") if name.strip())
