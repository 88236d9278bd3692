"""The criteria editor's sections: one form per part of a program's QualifyingCriteria (the
general settings, a question, a point rule, a rating rule and one of its conditions), each
reading its initial values from the criteria and giving back its part of the spec.

The forms only parse what a person typed into the shape of ``QualifyingCriteria``; every rule
about what makes criteria valid stays in the core. Blank extra rows (one per list) are how a row
is added without JavaScript; a row is removed with its "Remove" box and moved with its
"Position" number (Django formsets' ORDER and DELETE).
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.forms.formsets import formset_factory

from leadflow.core.criteria import QualifyingCriteria, QuestionType
from leadflow.core.enums import Authority, BantFact, Budget, Need, Rating
from leadflow.programs.forms.fields import (
    EMPTY,
    EditorForm,
    checkboxes,
    choices_of,
    number_field,
    shown,
)


class CriteriaGeneralForm(EditorForm):
    name = forms.CharField(max_length=200)
    horizon_months = number_field(
        label="Horizon (months)",
        min_value=0,
        help_text="The timeframe criterion is met only within this many months; "
        "empty means any known time frame.",
    )
    engagement_half_life_days = number_field(
        label="Engagement half-life (days)",
        help_text="Engagement points halve every this many days of an event's age; "
        "empty means they never fade.",
    )
    budget_met = checkboxes(Budget, "Budget criterion met by")
    authority_met = checkboxes(Authority, "Authority criterion met by")
    need_met = checkboxes(Need, "Need criterion met by")
    note = forms.CharField(
        required=False,
        max_length=2000,
        label="Note",
        help_text="Why this change: shown in the version history.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @staticmethod
    def initial_from(criteria: QualifyingCriteria, note: str) -> dict[str, Any]:
        data = criteria.model_dump(mode="json")
        return {
            "name": criteria.name,
            "horizon_months": shown(criteria.horizon_months),
            "engagement_half_life_days": shown(criteria.engagement_half_life_days),
            "budget_met": data["budget_met"],
            "authority_met": data["authority_met"],
            "need_met": data["need_met"],
            "note": note,
        }

    def spec(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "horizon_months": data["horizon_months"],
            "engagement_half_life_days": data["engagement_half_life_days"],
            "budget_met": data["budget_met"],
            "authority_met": data["authority_met"],
            "need_met": data["need_met"],
        }


class QuestionForm(EditorForm):
    key = forms.CharField(
        max_length=60, help_text="Lower case letters, digits and _; answers are stored under it."
    )
    label = forms.CharField(max_length=200)
    public_label = forms.CharField(
        required=False,
        max_length=200,
        label="Public wording",
        help_text="How the public web form asks it; empty: a plain question for a BANT fact, "
        "else the label.",
    )
    help_text = forms.CharField(required=False, max_length=500, label="Help text")
    type = forms.ChoiceField(choices=[EMPTY, *choices_of(QuestionType)])
    bant = forms.ChoiceField(
        required=False,
        label="BANT fact",
        choices=[("", "none"), *choices_of(BantFact)],
        help_text="Budget, authority and need are choice questions; timeframe is a number.",
    )
    required = forms.BooleanField(required=False)
    min_value = number_field(label="Minimum")
    max_value = number_field(label="Maximum")
    choices = forms.CharField(
        required=False,
        label="Choices",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line: value | label | BANT value (label and BANT value optional).",
    )

    @staticmethod
    def initial_from(criteria: QualifyingCriteria) -> list[dict[str, Any]]:
        return [
            {
                "key": question.key,
                "label": question.label,
                "public_label": question.public_label,
                "help_text": question.help_text,
                "type": question.type.value,
                "bant": question.bant.value if question.bant else "",
                "required": question.required,
                "min_value": shown(question.min_value),
                "max_value": shown(question.max_value),
                "choices": "\n".join(
                    " | ".join(
                        [choice.value, choice.label]
                        + ([choice.bant_value] if choice.bant_value else [])
                    )
                    for choice in question.choices
                ),
            }
            for question in criteria.questions
        ]

    def clean_choices(self) -> list[dict[str, Any]]:
        parsed: list[dict[str, Any]] = []
        for number, line in enumerate(self.cleaned_data["choices"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) > 3 or not parts[0]:
                raise forms.ValidationError(
                    f"Line {number}: write value | label | BANT value.", code="choice"
                )
            choice: dict[str, Any] = {
                "value": parts[0],
                "label": parts[1] if len(parts) > 1 and parts[1] else parts[0],
            }
            if len(parts) == 3 and parts[2]:
                choice["bant_value"] = parts[2]
            parsed.append(choice)
        return parsed

    def spec(self) -> dict[str, Any]:
        data = self.cleaned_data
        spec: dict[str, Any] = {
            "key": data["key"],
            "label": data["label"],
            "public_label": data["public_label"],
            "help_text": data["help_text"],
            "type": data["type"],
            "required": data["required"],
            "choices": data["choices"],
        }
        if data["bant"]:
            spec["bant"] = data["bant"]
        for bound in ("min_value", "max_value"):
            if data[bound] is not None:
                spec[bound] = data[bound]
        return spec


class PointRuleForm(EditorForm):
    label = forms.CharField(max_length=200)
    source = forms.ChoiceField(
        choices=[
            EMPTY,
            ("answer", "answer"),
            ("profile", "profile attribute"),
            ("engagement", "engagement event"),
            ("prediction", "predicted chance of converting (%)"),
        ]
    )
    key = forms.CharField(
        max_length=100,
        help_text="Question key, profile attribute, event kind (email_click), or "
        "probability for a predicted chance (its minimum and maximum in percent).",
    )
    equals = forms.CharField(required=False, max_length=200)
    one_of = forms.CharField(
        required=False, max_length=1000, label="One of", help_text="Values separated by commas."
    )
    min_value = number_field(label="Minimum")
    max_value = number_field(label="Maximum")
    min_exclusive = forms.BooleanField(required=False, label="Minimum excluded")
    points = forms.FloatField(widget=forms.NumberInput(attrs={"step": "any"}))

    @staticmethod
    def initial_from(criteria: QualifyingCriteria) -> list[dict[str, Any]]:
        return [
            {
                "label": rule.label,
                "source": rule.source,
                "key": rule.key,
                "equals": rule.equals or "",
                "one_of": ", ".join(rule.one_of or ()),
                "min_value": shown(rule.min_value),
                "max_value": shown(rule.max_value),
                "min_exclusive": rule.min_exclusive,
                "points": shown(rule.points),
            }
            for rule in criteria.point_rules
        ]

    def spec(self) -> dict[str, Any]:
        data = self.cleaned_data
        spec: dict[str, Any] = {
            "label": data["label"],
            "source": data["source"],
            "key": data["key"],
            "points": data["points"],
            "min_exclusive": data["min_exclusive"],
        }
        if data["equals"]:
            spec["equals"] = data["equals"]
        values = [value.strip() for value in data["one_of"].split(",") if value.strip()]
        if values:
            spec["one_of"] = values
        for bound in ("min_value", "max_value"):
            if data[bound] is not None:
                spec[bound] = data[bound]
        return spec


class RatingRuleForm(EditorForm):
    rating = forms.ChoiceField(choices=[EMPTY, *[(r.value, r.label) for r in Rating]])
    description = forms.CharField(
        required=False,
        max_length=300,
        help_text="Optional; otherwise the rule is described from its conditions.",
    )


class ConditionForm(EditorForm):
    """One way a rating rule matches: every field set must hold (a rule with no condition
    matches every lead)."""

    timeframe_known = forms.ChoiceField(
        required=False,
        label="Time frame",
        choices=[("", "known or not"), ("known", "known"), ("unknown", "unknown")],
    )
    timeframe_max_months = number_field(label="Time frame at most (months)")
    budget_in = checkboxes(Budget, "Budget is", required=False)
    authority_in = checkboxes(Authority, "Authority is", required=False)
    need_in = checkboxes(Need, "Need is", required=False)

    @staticmethod
    def initial_from(conditions: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        rows = []
        for condition in conditions:
            known = condition.get("timeframe_known")
            rows.append(
                {
                    "timeframe_known": "" if known is None else ("known" if known else "unknown"),
                    "timeframe_max_months": shown(condition.get("timeframe_max_months")),
                    "budget_in": condition.get("budget_in", []),
                    "authority_in": condition.get("authority_in", []),
                    "need_in": condition.get("need_in", []),
                }
            )
        return rows

    def spec(self) -> dict[str, Any]:
        data = self.cleaned_data
        spec: dict[str, Any] = {}
        if data["timeframe_known"]:
            spec["timeframe_known"] = data["timeframe_known"] == "known"
        if data["timeframe_max_months"] is not None:
            spec["timeframe_max_months"] = data["timeframe_max_months"]
        for fact in ("budget_in", "authority_in", "need_in"):
            if data[fact]:
                spec[fact] = data[fact]
        return spec


QuestionFormSet = formset_factory(QuestionForm, extra=1, can_order=True, can_delete=True)
PointRuleFormSet = formset_factory(PointRuleForm, extra=1, can_order=True, can_delete=True)
RatingRuleFormSet = formset_factory(RatingRuleForm, extra=1, can_order=True, can_delete=True)
ConditionFormSet = formset_factory(ConditionForm, extra=1, can_delete=True)
