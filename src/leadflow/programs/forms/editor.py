"""The two criteria editors of a draft: the structured editor (``CriteriaEditor``, the sections'
forms together) and the advanced one (the whole criteria as YAML).

The core's ``CriteriaError`` names field paths (``rating_ladder.0.any_of.1.timeframe_max_months:
...``) that ``CriteriaEditor`` maps back to the form and field that produced them, so each
problem is shown where it was made.

The questions, the rating ladder and the point rules are drawn only when their section is
first opened (``LAZY_SECTIONS``; issue 17, item 10: most of the editor's time was drawing about
370 fields nobody had opened). A section the browser never loaded sends no fields; the editor
then takes it as drawn from the criteria it started from (``sections_completed``), so saving
never loses or blanks it.
"""

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from django import forms
from django.forms.formsets import BaseFormSet
from django.http import QueryDict

from leadflow.core.criteria import QualifyingCriteria, join_or, months, ordered
from leadflow.core.errors import CriteriaError
from leadflow.programs.forms.fields import EditorForm
from leadflow.programs.forms.sections import (
    ConditionForm,
    ConditionFormSet,
    CriteriaGeneralForm,
    PointRuleForm,
    PointRuleFormSet,
    QuestionForm,
    QuestionFormSet,
    RatingRuleFormSet,
)

_PROBLEM = re.compile(r"^(?P<path>[\w.]+): (?P<message>.*)$", re.DOTALL)

#: The sections drawn when first opened, each with the formset prefix whose management form
#: says that the browser sent the section.
LAZY_SECTIONS = {"questions": "questions", "ladder": "ladder", "points": "points"}


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
        if data is not None:
            data = sections_completed(data, criteria=criteria, note=note)
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

    def section_forms(self, section: str) -> list[forms.Form]:
        """Every form a section draws, management forms included, in the order drawn."""
        if section == "questions":
            return [self.questions.management_form, *self.questions.forms]
        if section == "points":
            return [self.point_rules.management_form, *self.point_rules.forms]
        if section == "ladder":
            every = [self.ladder.management_form, *self.ladder.forms]
            for conditions in self.conditions:
                every += [conditions.management_form, *conditions.forms]
            return every
        raise KeyError(section)

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


def browser_data(drawn: Iterable[forms.Form]) -> dict[str, list[str]]:
    """What a browser posts for unbound forms as they are drawn: each field's value as text,
    a ticked box as "on", an unticked one not at all."""
    data: dict[str, list[str]] = {}
    for form in drawn:
        for bound in form:
            value = bound.value()
            if isinstance(bound.field, forms.BooleanField):
                if value:
                    data[bound.html_name] = ["on"]
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(item) for item in value]
            elif value is not None:
                data[bound.html_name] = [str(value)]
    return data


def sections_completed(
    data: Mapping[str, Any], *, criteria: QualifyingCriteria, note: str = ""
) -> Mapping[str, Any]:
    """The posted data with every section the browser did not load filled in as it would
    have been drawn from ``criteria``: a section never opened is kept, not blanked."""
    missing = [
        name for name, prefix in LAZY_SECTIONS.items() if f"{prefix}-TOTAL_FORMS" not in data
    ]
    if not missing:
        return data
    drawn = CriteriaEditor(None, criteria=criteria, note=note)
    if isinstance(data, QueryDict):
        completed = data.copy()
    else:
        completed = QueryDict(mutable=True)
        for key, value in data.items():
            completed.setlist(key, list(value) if isinstance(value, list | tuple) else [value])
    for section in missing:
        for key, values in browser_data(drawn.section_forms(section)).items():
            completed.setlist(key, values)
    return completed


class CriteriaYamlForm(EditorForm):
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


def editor_sections(
    *,
    editor: CriteriaEditor,
    criteria: QualifyingCriteria,
    opened: Collection[str] = (),
) -> dict[str, dict[str, Any]]:
    """Each collapsible section of the editor (issue 17: forms that fit on a screen): the
    one-line summary its closed header shows, read from ``criteria`` (what the editor started
    from); whether it opens by itself, which a section does when it holds a problem of the
    submitted form, so nobody has to hunt for what to fix, or when the address asks for it
    (``opened``); and whether its fields are drawn with the page (``drawn``): the general
    section always, the others when open or when the form comes back with what was typed."""

    def plain(values: Iterable[Any]) -> str:
        return join_or([value.replace("_", " ") for value in ordered(values)]) or "nothing"

    def count(number: int, noun: str) -> str:
        return f"{number} {noun}{'' if number == 1 else 's'}"

    horizon = (
        "no horizon"
        if criteria.horizon_months is None
        else f"horizon {months(criteria.horizon_months)}"
    )
    sources: Counter[str] = Counter(rule.source for rule in criteria.point_rules)
    by_source = ", ".join(
        f"{sources[source]} on {word}"
        for source, word in (
            ("answer", "answers"),
            ("profile", "the profile"),
            ("engagement", "engagement"),
            ("prediction", "the predicted chance"),
        )
        if sources[source]
    )
    bound = editor.general.is_bound
    conditions_bad = (
        any(not formset.is_valid() for formset in editor.conditions) if bound else False
    )
    sections: dict[str, dict[str, Any]] = {
        "general": {
            "summary": (
                f"Budget: {plain(criteria.budget_met)}; "
                f"authority: {plain(criteria.authority_met)}; "
                f"need: {plain(criteria.need_met)}; {horizon}"
            ),
            "open": bound and bool(editor.general.errors),
        },
        "questions": {
            "summary": count(len(criteria.questions), "question"),
            "open": bound and not editor.questions.is_valid(),
        },
        "ladder": {
            "summary": (
                f"{count(len(criteria.rating_ladder), 'rule')}: "
                + ", ".join(rule.rating.label for rule in criteria.rating_ladder)
                + "; other leads FYI"
            ),
            "open": bound and (not editor.ladder.is_valid() or conditions_bad),
        },
        "points": {
            "summary": count(len(criteria.point_rules), "point rule")
            + (f" ({by_source})" if by_source else ""),
            "open": bound and not editor.point_rules.is_valid(),
        },
    }
    for name, section in sections.items():
        section["name"] = name
        section["open"] = section["open"] or name in opened
        section["drawn"] = name not in LAZY_SECTIONS or bound or section["open"]
    return sections
