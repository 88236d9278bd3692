"""Publishing a draft: the person confirms they previewed it on past leads first."""

from django import forms

from leadflow.programs.forms.fields import EditorForm


class PublishForm(EditorForm):
    confirm = forms.BooleanField(
        label="I have previewed this draft and want to publish it",
        error_messages={"required": "Tick the box to confirm publishing."},
    )
