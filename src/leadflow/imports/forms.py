"""The upload form of an import."""

from typing import Any

from django import forms

from leadflow.accounts.models import User
from leadflow.core.enums import Channel
from leadflow.imports.services import import_max_bytes
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_list


class ImportUploadForm(forms.Form):
    file = forms.FileField(help_text="A CSV or XLSX file with a header row")
    program = forms.ModelChoiceField(queryset=Program.objects.none())
    channel = forms.ChoiceField(
        required=False,
        choices=[("", "From the file (else purchased list)")]
        + [(channel.value, channel.value.replace("_", " ").capitalize()) for channel in Channel],
        help_text="Overrides the file's lead source",
    )
    campaign = forms.CharField(
        required=False, max_length=100, help_text="Overrides the file's campaign column"
    )
    dry_run = forms.BooleanField(
        required=False, help_text="Check and count everything, but write no lead"
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programs = self.fields["program"]
        assert isinstance(programs, forms.ModelChoiceField)
        programs.queryset = program_list(user=user).filter(is_active=True)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = import_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is larger than the import limit of {limit // (1024 * 1024)} MB."
            )
        return upload
