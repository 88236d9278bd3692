"""Features for predictive scoring from plain records (issue 19, items 1 and 4; docs/SCORING.md).

A record is one lead as a dict of column → value, as a history file or the product gives it.
Which columns become features, and how, is decided here once (``features_plan``) and then
applied the same way to training rows, backtest folds and new leads (``FeaturePlan.encode``):

- a column is numeric or categorical as the caller's schema declares, or, for a column the
  schema does not name, by its content (numeric when at least 95 % of its present values read
  as numbers);
- ``Select``, empty, ``N/A``, ``None`` and the like are missing (``MISSING_VALUES``);
- a categorical value seen in fewer rows than the frequency floor is folded into "other", so a
  rare value neither overfits nor identifies a person;
- contact data (names, e-mail, phone, address, free text), identifiers, dates, protected
  attributes (``PROTECTED_WORDS``) and every column the caller marks excluded or post-outcome
  are never features. A post-outcome column named as a feature in the schema is refused
  (``LeakageError``): a column recorded after the outcome would predict it perfectly in the
  backtest and not at all on a new lead.

Framework-free: numpy only (the array the models read); no Django, no scikit-learn.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from leadflow.core.scoring.errors import LeakageError, ScoringError

#: Values that mean "nobody answered", compared trimmed and case-insensitively. "Select" is what
#: a web form's untouched drop-down exports.
MISSING_VALUES = frozenset(
    {"", "select", "n/a", "na", "#n/a", "none", "null", "nan", "-", "--", "?", "not provided"}
)

#: Contact data and free text, by the whole column name (letters and digits only, lower case) or
#: its ending ("Company Name", "Work Phone", "Contact Email"): never features as such.
CONTACT_NAMES = frozenset(
    {
        "name",
        "firstname",
        "lastname",
        "fullname",
        "surname",
        "email",
        "emailaddress",
        "phone",
        "phonenumber",
        "telephone",
        "mobile",
        "mobilephone",
        "fax",
        "address",
        "streetaddress",
        "street",
        "postalcode",
        "zip",
        "zipcode",
        "postcode",
        "comment",
        "comments",
        "note",
        "notes",
        "description",
        "message",
        "remarks",
        "freetext",
        "linkedin",
        "ipaddress",
        "url",
    }
)
CONTACT_ENDINGS = ("name", "email", "emailaddress", "phone", "phonenumber", "address", "notes")
#: Consent flags end like contact columns but hold no contact data ("Do Not Email").
CONSENT_STARTS = ("donot", "optout", "optin", "consent", "unsubscribed")

#: Column-name words of identifiers: unique per row, they say which lead, not what kind.
IDENTIFIER_WORDS = frozenset({"id", "uuid", "guid", "identifier"})

#: Protected attributes, refused by name (docs/SCORING.md, "What is never used"): a column whose
#: name holds one of these words is never a feature, whatever the caller declares.
PROTECTED_WORDS = frozenset(
    {
        "gender",
        "sex",
        "age",
        "birth",
        "birthday",
        "dob",
        "race",
        "ethnicity",
        "ethnic",
        "religion",
        "religious",
        "nationality",
        "citizenship",
        "marital",
        "pregnancy",
        "pregnant",
        "disability",
        "disabled",
        "health",
        "orientation",
        "political",
        "union",
        "veteran",
    }
)

NUMERIC_SHARE = 0.95
OTHER = "other"
MISSING = "missing"
_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?.*)?$|^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}$"
)
_WORD = re.compile(r"[a-z0-9]+")
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


class Kind(StrEnum):
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"


@dataclass(frozen=True)
class Column:
    """A column the caller declares: its kind, and its name in plain words for explanations."""

    name: str
    kind: Kind
    label: str = ""


@dataclass(frozen=True)
class Schema:
    """What the caller knows about its columns. ``columns`` declares kinds (others are decided
    by content); ``excluded`` and ``post_outcome`` are never features; ``only_declared`` drops
    every column not declared (the product's own leads, where every feature is known)."""

    columns: tuple[Column, ...] = ()
    excluded: frozenset[str] = frozenset()
    post_outcome: frozenset[str] = frozenset()
    only_declared: bool = False

    def declared(self, name: str) -> Column | None:
        return next((column for column in self.columns if column.name == name), None)


@dataclass(frozen=True)
class Feature:
    """One column as the models read it. A categorical feature's ``levels`` are the values
    above the frequency floor, then "other" and "missing"; a numeric one keeps the training
    median (for the linear model's imputation) and the 1st and 99th percentiles (its clip)."""

    name: str
    label: str
    kind: Kind
    levels: tuple[str, ...] = ()
    median: float = 0.0
    low: float = 0.0
    high: float = 0.0

    def level_index(self) -> dict[str, int]:
        return {level: index for index, level in enumerate(self.levels)}


@dataclass(frozen=True)
class Refusal:
    """A column that is not a feature, and why, in plain words."""

    column: str
    reason: str


@dataclass(frozen=True)
class FeaturePlan:
    """The features of one training, in order, and the columns left out with their reasons."""

    features: tuple[Feature, ...]
    refused: tuple[Refusal, ...] = field(default=())
    floor: int = 1

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(feature.name for feature in self.features)

    def encode(self, records: Sequence[Mapping[str, object]]) -> np.ndarray:
        """The records as a float matrix, one column per feature: a numeric feature's value or
        NaN when missing; a categorical feature's level index ("other" for a value not among
        the levels, "missing" for a missing one), as a float."""
        matrix = np.empty((len(records), len(self.features)), dtype=np.float64)
        for j, feature in enumerate(self.features):
            name = feature.name
            if feature.kind is Kind.NUMERIC:
                matrix[:, j] = [_number(record.get(name)) for record in records]
                continue
            index = feature.level_index()
            other, missing = index[OTHER], index[MISSING]
            cache: dict[object, int] = {}
            codes = []
            for record in records:
                raw = record.get(name)
                code = cache.get(raw) if isinstance(raw, str | int | float | bool | None) else None
                if code is None:
                    value = _category(raw)
                    code = missing if value is None else index.get(value, other)
                    if isinstance(raw, str | int | float | bool | None):
                        cache[raw] = code
                codes.append(code)
            matrix[:, j] = codes
        return matrix


def is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in MISSING_VALUES


def _category(value: object) -> str | None:
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: object) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        number = float(value)
        return number if math.isfinite(number) else math.nan
    if not isinstance(value, str) or is_missing(value):
        return math.nan
    text = value.strip().removesuffix("%").strip()
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        number = float(text)
    except ValueError:
        return math.nan
    return number if math.isfinite(number) else math.nan


def _refusal_by_name(name: str) -> str | None:
    lowered = name.lower().replace("e-mail", "email")
    words = set(_WORD.findall(lowered))
    whole = "".join(_WORD.findall(lowered))
    if words & PROTECTED_WORDS:
        return "a protected attribute: never used"
    if whole in CONTACT_NAMES or (
        whole.endswith(CONTACT_ENDINGS) and not whole.startswith(CONSENT_STARTS)
    ):
        return "contact data or free text: never used as such"
    if words & IDENTIFIER_WORDS:
        return "an identifier: it says which lead, not what kind"
    return None


def _label(name: str) -> str:
    text = re.sub(r"[_]+", " ", name).strip()
    return text[:1].upper() + text[1:] if text else name


def features_plan(
    records: Sequence[Mapping[str, object]],
    *,
    schema: Schema = Schema(),
    columns: Iterable[str] | None = None,
    outcome: str = "",
    min_count: int = 10,
    min_share: float = 0.005,
    max_levels: int = 60,
) -> FeaturePlan:
    """Decide the features of a training from its records (module docstring). ``columns`` are
    the columns to consider (by default every key of the records, in first-seen order);
    ``outcome`` is never a feature. The frequency floor is the larger of ``min_count`` rows and
    ``min_share`` of the rows; at most ``max_levels`` values per column are kept (the most
    frequent), the rest are "other"."""
    for column in schema.columns:
        if column.name in schema.post_outcome:
            raise LeakageError(
                f"{column.name!r} is recorded after the outcome: it cannot be a feature"
            )
        if column.name == outcome:
            raise LeakageError(f"{column.name!r} is the outcome: it cannot be a feature")
    if columns is None:
        seen: dict[str, None] = {}
        for record in records:
            for key in record:
                seen.setdefault(key, None)
        columns = list(seen)
    floor = max(min_count, math.ceil(min_share * len(records)))
    features: list[Feature] = []
    refused: list[Refusal] = []
    for name in columns:
        if name == outcome:
            continue
        declared = schema.declared(name)
        reason: str | None
        if name in schema.post_outcome:
            reason = "recorded after the outcome: never used"
        elif name in schema.excluded:
            reason = "excluded"
        elif declared is None and schema.only_declared:
            reason = "not a feature of the product's leads"
        else:
            reason = _refusal_by_name(name)
        if reason is not None:
            refused.append(Refusal(name, reason))
            continue
        values = [record.get(name) for record in records]
        present = [value for value in values if not is_missing(value)]
        if not present:
            refused.append(Refusal(name, "always missing"))
            continue
        label = declared.label if declared and declared.label else _label(name)
        kind = declared.kind if declared else _kind_by_content(present)
        if kind is Kind.NUMERIC:
            numbers = np.array([_number(value) for value in values], dtype=np.float64)
            finite = numbers[~np.isnan(numbers)]
            if declared is None and _looks_like_identifier(finite, len(records)):
                refused.append(Refusal(name, "an identifier: it says which lead, not what kind"))
                continue
            if finite.size == 0 or (declared is None and np.unique(finite).size < 2):
                refused.append(Refusal(name, "the same value in every row"))
                continue
            low, median, high = (float(v) for v in np.percentile(finite, [1, 50, 99]))
            features.append(Feature(name, label, Kind.NUMERIC, median=median, low=low, high=high))
            continue
        categories = Counter(category for value in present if (category := _category(value)))
        if declared is None:
            why = _categorical_refusal(categories, present)
            if why is not None:
                refused.append(Refusal(name, why))
                continue
        kept = [
            value
            for value, count in sorted(categories.items(), key=lambda item: (-item[1], item[0]))
            if count >= floor and value not in (OTHER, MISSING)
        ][:max_levels]
        features.append(Feature(name, label, Kind.CATEGORICAL, levels=(*kept, OTHER, MISSING)))
    if not features:
        raise ScoringError("no column can be used as a feature")
    return FeaturePlan(features=tuple(features), refused=tuple(refused), floor=floor)


def _kind_by_content(present: Sequence[object]) -> Kind:
    numeric = sum(1 for value in present if not math.isnan(_number(value)))
    if all(isinstance(value, bool) for value in present):
        return Kind.CATEGORICAL
    return Kind.NUMERIC if numeric >= NUMERIC_SHARE * len(present) else Kind.CATEGORICAL


def _looks_like_identifier(finite: np.ndarray, rows: int) -> bool:
    """A whole number different in every row of a large enough file: a lead number."""
    return (
        rows >= 50
        and finite.size >= 0.9 * rows
        and bool(np.all(finite == np.floor(finite)))
        and np.unique(finite).size == finite.size
    )


def _categorical_refusal(categories: Counter[str], present: Sequence[object]) -> str | None:
    sample = [str(value) for value in present[:200]]
    if sum(1 for value in sample if "@" in value) > len(sample) / 2:
        return "contact data or free text: never used as such"
    if sum(1 for value in sample if _DATE.match(value.strip())) > len(sample) / 2:
        return "a date: when, not what kind of lead"
    if len(present) >= 50 and len(categories) > 0.5 * len(present):
        return "nearly a different value in every row: free text or an identifier"
    return None
