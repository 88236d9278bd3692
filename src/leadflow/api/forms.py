"""Forms of the API tokens page."""

from typing import Any

from django import forms

from leadflow.accounts.models import User
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_list


class TokenCreateForm(forms.Form):
    """A new API token: a name to recognise it by, and optionally the programs it is limited
    to (only the user's own programs are offered)."""

    name = forms.CharField(max_length=100, strip=True)
    programs = forms.ModelMultipleChoiceField(
        queryset=Program.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked for every program you can see.",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["programs"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = program_list(user=user)
