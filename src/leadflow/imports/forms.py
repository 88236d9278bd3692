"""The upload form of an import, and the mapping step's forms."""

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet

from leadflow.accounts.models import User
from leadflow.core.enums import Channel
from leadflow.imports.mapping import Target
from leadflow.imports.models import SavedMapping
from leadflow.imports.services.jobs import import_max_bytes
from leadflow.imports.services.preview import ColumnPreview
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


class MappingForm(forms.Form):
    """The mapping step: one select per column (its target in plain words), and a name to save
    the mapping under. ``overrides`` are the columns whose choice differs from what the header
    alone decided."""

    name = forms.CharField(
        required=False,
        max_length=100,
        label="Save this mapping as",
        help_text="Reuse it for the program's next files of the same shape",
    )

    def __init__(
        self,
        data: Any = None,
        *,
        columns: Sequence[ColumnPreview],
        targets: Sequence[Target],
        automatic: Mapping[str, str],
    ) -> None:
        super().__init__(data)
        self.columns = list(columns)
        self.automatic = dict(automatic)
        choices = [(target.key, target.label) for target in targets]
        for column in self.columns:
            self.fields[self.field_name(column)] = forms.ChoiceField(
                label=column.header, choices=choices, initial=column.target
            )

    @staticmethod
    def field_name(column: ColumnPreview) -> str:
        return f"column_{column.index}"

    def rows(self) -> list[tuple[ColumnPreview, forms.BoundField]]:
        return [(column, self[self.field_name(column)]) for column in self.columns]

    def overrides(self) -> dict[str, str]:
        chosen = {
            column.header: self.cleaned_data[self.field_name(column)] for column in self.columns
        }
        return {
            header: target
            for header, target in chosen.items()
            if target != self.automatic.get(header)
        }


class SavedMappingChoiceForm(forms.Form):
    saved = forms.ModelChoiceField(
        queryset=SavedMapping.objects.none(), label="Use a saved mapping", empty_label=None
    )

    def __init__(self, data: Any = None, *, saved: QuerySet[SavedMapping]) -> None:
        super().__init__(data)
        field = self.fields["saved"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = saved
