"""The nurture pages' forms: a sequence's settings, one touch, the lead list's "Enrol in
sequence" step and the preview's choice of lead. They parse input only; the nurture services
decide and write."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from leadflow.nurture.models import OnEnd, TouchKind
from leadflow.nurture.services import MERGE_FIELDS
from leadflow.programs.models import Program

KINDS = (
    (TouchKind.EMAIL.value, "E-mail"),
    (TouchKind.CALL.value, "Telesales call task (shown in the qualifiers' queue)"),
    (TouchKind.DIRECT_MAIL.value, "Direct mail (the lead goes on the mailing list to export)"),
)
MERGE_HELP = (
    "Merge fields: "
    + ", ".join(
        "{{ answers.<question> }}" if name == "answers" else "{{ " + name + " }}"
        for name in MERGE_FIELDS
    )
    + '. Give each a fallback for leads without it: {{ first_name|default:"there" }}.'
)


class ProgramField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Program) -> str:
        return f"{obj.name} ({obj.client.name})"


class SequenceForm(forms.Form):
    """A sequence's settings: program (when created), name, whether new nurturing leads of the
    program enter it, and what happens at its end."""

    program = ProgramField(queryset=Program.objects.none(), label="Program")
    name = forms.CharField(max_length=120, label="Name")
    is_default = forms.BooleanField(
        required=False,
        label="Leads of this program that go to nurture enter this sequence by themselves",
    )
    on_end = forms.ChoiceField(choices=OnEnd.choices, label="After the last touch")
    long_term_sequence = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Long-term sequence",
        help_text="Only when leads move to a long-term sequence after the last touch.",
    )

    def __init__(
        self,
        *args: Any,
        programs: QuerySet[Program],
        long_term: list[tuple[int, str]],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        program_field = self.fields["program"]
        assert isinstance(program_field, forms.ModelChoiceField)
        program_field.queryset = programs
        program_field.empty_label = "Choose a program…"
        only = list(programs[:2])
        if len(only) == 1:
            program_field.initial = only[0].pk
        if editing:
            del self.fields["program"]
        long_term_field = self.fields["long_term_sequence"]
        assert isinstance(long_term_field, forms.TypedChoiceField)
        long_term_field.choices = [("", "None"), *long_term]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("on_end") == OnEnd.LONG_TERM and not cleaned.get("long_term_sequence"):
            self.add_error("long_term_sequence", "Choose the long-term sequence.")
        if cleaned.get("on_end") != OnEnd.LONG_TERM:
            cleaned["long_term_sequence"] = None
        return cleaned


class TouchForm(forms.Form):
    """One touch: what it is, how many working days after the previous one, and its content."""

    kind = forms.ChoiceField(choices=KINDS, label="Kind of touch")
    wait_days = forms.IntegerField(
        min_value=0,
        max_value=365,
        initial=0,
        label="Wait before it (working days)",
        help_text="Counted from the previous touch (for the first touch: from entering the "
        "sequence), on the program's calendar. 0 means the same day.",
    )
    subject = forms.CharField(required=False, max_length=200, label="E-mail subject")
    body_text = forms.CharField(
        required=False,
        label="E-mail text, or what the mail piece is",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Plain text: a blank line starts a new paragraph, links are tracked, and the "
        "unsubscribe link is added at the end.",
    )
    call_script = forms.CharField(
        required=False,
        label="Call script",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the caller says and asks; shown with the call task in the queue.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        if kind == TouchKind.EMAIL:
            if not cleaned.get("subject", "").strip():
                self.add_error("subject", "An e-mail needs a subject.")
            if not cleaned.get("body_text", "").strip():
                self.add_error("body_text", "An e-mail needs a text.")
        elif kind == TouchKind.CALL and not cleaned.get("call_script", "").strip():
            self.add_error("call_script", "A call task needs a script for the caller.")
        return cleaned


class EnrolForm(forms.Form):
    """The lead list's "Enrol in sequence": the leads picked on the list, the sequence, and
    ``confirm`` set by the confirmation page."""

    lead = forms.TypedMultipleChoiceField(coerce=int)
    sequence = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    query = forms.CharField(required=False, max_length=1000)
    confirm = forms.BooleanField(required=False)

    def __init__(self, data: Any, *, sequences: list[tuple[int, str]]) -> None:
        super().__init__(data)
        lead_field = self.fields["lead"]
        assert isinstance(lead_field, forms.TypedMultipleChoiceField)
        # Any id may be posted; the scoped selector keeps only leads the user may see.
        lead_field.choices = [(value, value) for value in data.getlist("lead")]
        sequence_field = self.fields["sequence"]
        assert isinstance(sequence_field, forms.TypedChoiceField)
        sequence_field.choices = [("", "Choose…"), *sequences]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("confirm") and not cleaned.get("sequence"):
            self.add_error("sequence", "Choose the sequence to enrol the leads in.")
        return cleaned


class SendingForm(forms.Form):
    """A program's sending settings: the e-mail throttle and the holidays its waits skip."""

    per_minute = forms.IntegerField(
        min_value=1,
        max_value=10_000,
        label="Marketing e-mails per minute, at most",
        help_text="The program's sequences never send faster; e-mails over the limit wait for "
        "the next minute.",
    )
    subdivision = forms.CharField(
        required=False,
        max_length=8,
        label="State or province for public holidays",
        help_text="The code of the state or province (e.g. CA, ENG, BY) whose public holidays "
        "the waits skip, besides the country's; leave empty for the country's only.",
    )
