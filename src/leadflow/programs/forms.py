"""The criteria editor: one form per section of a program's QualifyingCriteria.

The forms only parse what a person typed into the shape of ``QualifyingCriteria``; every rule
about what makes criteria valid stays in the core, whose ``CriteriaError`` names field paths
(``rating_ladder.0.any_of.1.timeframe_max_months: ...``) that ``CriteriaEditor`` maps back to
the form and field that produced them, so each problem is shown where it was made.

Blank extra rows (one per list) are how a row is added without JavaScript; a row is removed
with its "Remove" box and moved with its "Position" number (Django formsets' ORDER and DELETE).
"""

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from django import forms
from django.forms.formsets import BaseFormSet, formset_factory

from leadflow.core.criteria import QualifyingCriteria, QuestionType, format_number
from leadflow.core.enums import Authority, BantFact, Budget, Need, Rating
from leadflow.core.errors import CriteriaError

_PROBLEM = re.compile(r"^(?P<path>[\w.]+): (?P<message>.*)$", re.DOTALL)


class _Form(forms.Form):
    """Django ties a field's help and error list to its input (``aria-describedby`` with the
    ``<id>_helptext`` and ``<id>_error`` ids); ``_field.html`` renders the lists with those ids."""


def _choices(values: type[StrEnum]) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ")) for member in values]


def _number(**kwargs: Any) -> forms.FloatField:
    return forms.FloatField(
        required=False, widget=forms.NumberInput(attrs={"step": "any"}), **kwargs
    )


def _shown(value: float | None) -> str | None:
    """3 rather than 3.0 in a number box."""
    return None if value is None else format_number(value)


def _checkboxes(values: type[StrEnum], label: str, **kwargs: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=_choices(values), widget=forms.CheckboxSelectMultiple, **kwargs
    )


EMPTY = ("", "—")


class CriteriaGeneralForm(_Form):
    name = forms.CharField(max_length=200)
    horizon_months = _number(
        label="Horizon (months)",
        min_value=0,
        help_text="The timeframe criterion is met only within this many months; "
        "empty means any known time frame.",
    )
    engagement_half_life_days = _number(
        label="Engagement half-life (days)",
        help_text="Engagement points halve every this many days of an event's age; "
        "empty means they never fade.",
    )
    budget_met = _checkboxes(Budget, "Budget criterion met by")
    authority_met = _checkboxes(Authority, "Authority criterion met by")
    need_met = _checkboxes(Need, "Need criterion met by")
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
            "horizon_months": _shown(criteria.horizon_months),
            "engagement_half_life_days": _shown(criteria.engagement_half_life_days),
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


class QuestionForm(_Form):
    key = forms.CharField(
        max_length=60, help_text="Lower case letters, digits and _; answers are stored under it."
    )
    label = forms.CharField(max_length=200)
    help_text = forms.CharField(required=False, max_length=500, label="Help text")
    type = forms.ChoiceField(choices=[EMPTY, *_choices(QuestionType)])
    bant = forms.ChoiceField(
        required=False,
        label="BANT fact",
        choices=[("", "none"), *_choices(BantFact)],
        help_text="Budget, authority and need are choice questions; timeframe is a number.",
    )
    required = forms.BooleanField(required=False)
    min_value = _number(label="Minimum")
    max_value = _number(label="Maximum")
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
                "help_text": question.help_text,
                "type": question.type.value,
                "bant": question.bant.value if question.bant else "",
                "required": question.required,
                "min_value": _shown(question.min_value),
                "max_value": _shown(question.max_value),
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


class PointRuleForm(_Form):
    label = forms.CharField(max_length=200)
    source = forms.ChoiceField(
        choices=[
            EMPTY,
            ("answer", "answer"),
            ("profile", "profile attribute"),
            ("engagement", "engagement event"),
        ]
    )
    key = forms.CharField(
        max_length=100, help_text="Question key, profile attribute, or event kind (email_click)."
    )
    equals = forms.CharField(required=False, max_length=200)
    one_of = forms.CharField(
        required=False, max_length=1000, label="One of", help_text="Values separated by commas."
    )
    min_value = _number(label="Minimum")
    max_value = _number(label="Maximum")
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
                "min_value": _shown(rule.min_value),
                "max_value": _shown(rule.max_value),
                "min_exclusive": rule.min_exclusive,
                "points": _shown(rule.points),
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


class RatingRuleForm(_Form):
    rating = forms.ChoiceField(choices=[EMPTY, *[(r.value, r.label) for r in Rating]])
    description = forms.CharField(
        required=False,
        max_length=300,
        help_text="Optional; otherwise the rule is described from its conditions.",
    )


class ConditionForm(_Form):
    """One way a rating rule matches: every field set must hold (a rule with no condition
    matches every lead)."""

    timeframe_known = forms.ChoiceField(
        required=False,
        label="Time frame",
        choices=[("", "known or not"), ("known", "known"), ("unknown", "unknown")],
    )
    timeframe_max_months = _number(label="Time frame at most (months)")
    budget_in = _checkboxes(Budget, "Budget is", required=False)
    authority_in = _checkboxes(Authority, "Authority is", required=False)
    need_in = _checkboxes(Need, "Need is", required=False)

    @staticmethod
    def initial_from(conditions: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        rows = []
        for condition in conditions:
            known = condition.get("timeframe_known")
            rows.append(
                {
                    "timeframe_known": "" if known is None else ("known" if known else "unknown"),
                    "timeframe_max_months": _shown(condition.get("timeframe_max_months")),
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


class CriteriaEditor:
    """The structured editor: the general form and the formsets of questions, rating rules
    (each with its conditions) and point rules. ``is_valid`` parses them, builds the spec and
    has the core validate it; ``criteria`` is then the result."""

    def __init__(
        self,
        data: Mapping[str, Any] | None,
        *,
        criteria: QualifyingCriteria,
        note: str = "",
    ) -> None:
        spec = criteria.model_dump(mode="json")
        self.general = CriteriaGeneralForm(
            data, prefix="general", initial=CriteriaGeneralForm.initial_from(criteria, note)
        )
        self.questions = QuestionFormSet(
            data, prefix="questions", initial=QuestionForm.initial_from(criteria)
        )
        self.ladder = RatingRuleFormSet(
            data,
            prefix="ladder",
            initial=[
                {"rating": rule["rating"], "description": rule.get("description", "")}
                for rule in spec["rating_ladder"]
            ],
        )
        rules = spec["rating_ladder"]
        self.conditions = [
            ConditionFormSet(
                data,
                prefix=f"ladder-{index}-conditions",
                initial=ConditionForm.initial_from(rules[index]["any_of"])
                if index < len(rules)
                else [],
            )
            for index in range(self.ladder.total_form_count())
        ]
        self.point_rules = PointRuleFormSet(
            data, prefix="points", initial=PointRuleForm.initial_from(criteria)
        )
        self.top_errors: list[str] = []
        self.criteria: QualifyingCriteria | None = None
        self._places: dict[str, forms.Form] = {}

    @property
    def rules(self) -> list[tuple[forms.Form, BaseFormSet[ConditionForm]]]:
        """Each rating rule's form with its conditions' formset, for the template."""
        return list(zip(self.ladder.forms, self.conditions, strict=True))

    @property
    def note(self) -> str:
        return str(self.general.cleaned_data.get("note", ""))

    def is_valid(self) -> bool:
        formsets: list[BaseFormSet[Any]] = [
            self.questions,
            self.ladder,
            self.point_rules,
            *self.conditions,
        ]
        parsed = self.general.is_valid()
        for formset in formsets:
            parsed = formset.is_valid() and parsed
        if not parsed:
            self.top_errors.append("Some fields need attention: they are marked below.")
            return False
        spec = self.general.spec()
        spec["questions"] = self._rows("questions", self.questions.ordered_forms)
        spec["point_rules"] = self._rows("point_rules", self.point_rules.ordered_forms)
        spec["rating_ladder"] = self._ladder()
        try:
            self.criteria = QualifyingCriteria.from_dict(spec)
        except CriteriaError as exc:
            self.top_errors.append("The criteria do not hold together: see the marked fields.")
            self._show(str(exc))
            return False
        return True

    def _rows(self, path: str, forms_in_order: Iterable[forms.Form]) -> list[dict[str, Any]]:
        """The specs of a formset's kept rows in their chosen order (``ordered_forms`` leaves out
        removed rows and untouched blank ones), remembering which form made each index."""
        rows = []
        for index, form in enumerate(forms_in_order):
            self._places[f"{path}.{index}"] = form
            rows.append(form.spec())  # type: ignore[attr-defined]
        return rows

    def _ladder(self) -> list[dict[str, Any]]:
        rules = []
        for index, form in enumerate(self.ladder.ordered_forms):
            conditions = self.conditions[self.ladder.forms.index(form)]
            self._places[f"rating_ladder.{index}"] = form
            any_of = []
            kept = [
                item
                for position, item in enumerate(conditions.forms)
                if (position < conditions.initial_form_count() or item.has_changed())
                and item not in conditions.deleted_forms
            ]
            for number, condition in enumerate(kept):
                self._places[f"rating_ladder.{index}.any_of.{number}"] = condition
                any_of.append(condition.spec())
            rule: dict[str, Any] = {"rating": form.cleaned_data["rating"], "any_of": any_of or [{}]}
            if form.cleaned_data["description"]:
                rule["description"] = form.cleaned_data["description"]
            rules.append(rule)
        return rules

    def _show(self, message: str) -> None:
        """Puts each of the core's problems on the field its path names, else at the top."""
        for problem in re.split(r"; (?=[\w.]+: )", message):
            match = _PROBLEM.match(problem)
            if match is None:
                self.top_errors.append(problem)
                continue
            path, text = match["path"], match["message"]
            if not self._place(path, text):
                self.top_errors.append(problem)

    def _place(self, path: str, text: str) -> bool:
        parts = path.split(".")
        if parts[0] in self.general.fields:
            self.general.add_error(parts[0], text)
            return True
        for length in range(len(parts), 0, -1):
            place = self._places.get(".".join(parts[:length]))
            if place is None:
                continue
            form = place
            rest = parts[length:]
            if rest and rest[0] in form.fields:
                if rest[0] == "choices" and len(rest) > 1 and rest[1].isdigit():
                    text = f"line {int(rest[1]) + 1}: {text}"
                form.add_error(rest[0], text)
            else:
                form.add_error(None, f"{'.'.join(rest)}: {text}" if rest else text)
            return True
        return False


class CriteriaYamlForm(_Form):
    """The advanced editor: the whole criteria as YAML, for bulk changes and copy-paste."""

    text = forms.CharField(
        label="Criteria as YAML", widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"})
    )
    note = forms.CharField(required=False, max_length=2000, label="Note")

    def clean_text(self) -> QualifyingCriteria:
        try:
            return QualifyingCriteria.from_yaml(self.cleaned_data["text"])
        except CriteriaError as exc:
            raise forms.ValidationError(str(exc), code="criteria") from None


class PublishForm(_Form):
    confirm = forms.BooleanField(
        label="I have previewed this draft and want to publish it",
        error_messages={"required": "Tick the box to confirm publishing."},
    )
