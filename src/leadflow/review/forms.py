"""Forms of QA review: the push-back (a reason from the program's list and a note), the
confirmation of "approve all that pass", and the upload of a call recording."""

from typing import Any

from django import forms

from leadflow.review.services import BATCH_APPROVE_LIMIT, NOTE_MAX_LENGTH


class PushBackForm(forms.Form):
    reason = forms.ChoiceField(label="Reason")
    note = forms.CharField(
        label="Note for the qualifier",
        max_length=NOTE_MAX_LENGTH,
        help_text="What to fix before submitting it again.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, reasons: list[str], lead_id: int, **kwargs: Any) -> None:
        # One form per lead card: the prefix keeps the labels' ids unique on the batch page.
        kwargs["prefix"] = f"push-{lead_id}"
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Choose a reason…"), *((reason, reason) for reason in reasons)]


class ApprovePassingForm(forms.Form):
    """The confirmed ids, as one comma-separated field (a batch may hold a thousand leads,
    more than Django's limit on the number of posted fields)."""

    leads = forms.CharField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(widget=forms.HiddenInput)

    def clean_leads(self) -> list[int]:
        raw: str = self.cleaned_data["leads"]
        try:
            ids = [int(part) for part in raw.split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError("The list of leads is not readable.") from None
        if not ids:
            raise forms.ValidationError("No lead to approve.")
        if len(ids) > BATCH_APPROVE_LIMIT:
            raise forms.ValidationError(f"At most {BATCH_APPROVE_LIMIT} leads at once.")
        return ids


class RecordingForm(forms.Form):
    file = forms.FileField(
        label="Recording",
        help_text="An audio file (MP3, WAV, OGG, FLAC, M4A, WebM, AMR or AAC), at most 50 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "audio/*"}),
    )
