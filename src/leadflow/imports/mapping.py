"""Which column of an import file becomes which field of a lead, decided by the header alone.

Lists come from CRM exports (Salesforce, HubSpot, Marketo, Pardot, Zoho, SuiteCRM, Dynamics
365, Odoo), trade-show scanners and spreadsheets people typed; the headers and lead-source values
they use are the core's one alias table (``leadflow.core.aliases``), which the web form reads
too. A column named after a question of the program's published criteria is an answer. Nothing
is dropped: a column LeadFlow does not know is kept in the lead's profile under its own header,
as is a second column for a field a first one already filled in that row, and the lead source as
sent is kept as ``source_detail``.

The mapping step (issue 12, part 6) lets a person override what the header decided: a column's
target is a field's name, ``answer:<question>``, ``profile`` or ``ignore`` (``mapping_targets``
lists them with their plain-word labels; ``HeaderMap(overrides=…)`` applies them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from leadflow.core.aliases import (
    FIELDS,
    SOURCE_DETAIL,
    alias_key,
    header_field,
    inquiry_type_of,
    source_channel,
)
from leadflow.core.consent import consent_flag
from leadflow.core.criteria import QualifyingCriteria, QuestionType
from leadflow.core.enums import Channel, InquiryType
from leadflow.core.normalise import RawLead
from leadflow.intake.services import IntakeRejected, Submission

RAW_FIELDS = frozenset(RawLead.__dataclass_fields__)
CONSENT_FIELDS = frozenset({"email_opt_out", "do_not_call"})
PROFILE = "profile"
IGNORE = "ignore"
ANSWER_PREFIX = "answer:"
#: Plain words for the fields a column can fill; a field without one is shown capitalised.
FIELD_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "full_name": "Full name (first and last)",
    "email": "E-mail",
    "phone": "Phone",
    "title": "Job title",
    "company": "Company",
    "website": "Website",
    "country": "Country",
    "state": "State or region",
    "postal_code": "Postal code",
    "street": "Street",
    "city": "City",
    "email_opt_out": "Do not e-mail (opted out)",
    "do_not_call": "Do not call",
    "lead_source": "Lead source (channel)",
    "campaign": "Campaign",
    "industry": "Industry",
    "company_size": "Company size",
    "description": "Description",
    "external_id": "External id",
    "external_source": "External id's source system",
    "inquiry_type": "Inquiry type",
}
PROFILE_LABEL = "Keep in the profile"
IGNORE_LABEL = "Ignore"


@dataclass(frozen=True)
class Target:
    """What a column can become, as the mapping step offers it: ``key`` is what the CLI's
    ``--map`` and a saved mapping name, ``label`` what a person reads."""

    key: str
    label: str


class UnknownTarget(ValueError):
    """A mapping names a target that is neither a field, an answer, the profile nor ignore."""

    def __init__(self, target: str, targets: Sequence[Target]) -> None:
        self.target = target
        self.targets = list(targets)
        valid = ", ".join(t.key for t in self.targets)
        super().__init__(f"unknown target {target!r}; valid targets: {valid}")


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


def mapping_targets(criteria: QualifyingCriteria) -> list[Target]:
    """Every target a column of this program's files can have, in the order the mapping step
    lists them: the fields, the answers to the program's questions, the profile, ignore."""
    targets = [Target(name, field_label(name)) for name in FIELDS]
    targets += [
        Target(f"{ANSWER_PREFIX}{question.key}", f"Answer: {question.label or question.key}")
        for question in criteria.questions
    ]
    return [*targets, Target(PROFILE, PROFILE_LABEL), Target(IGNORE, IGNORE_LABEL)]


@dataclass(frozen=True)
class ColumnMapping:
    """What one column became: a lead field, an answer, a profile attribute, or ignored."""

    index: int
    header: str
    kind: str
    name: str
    label: str = ""
    overridden: bool = False

    @property
    def target(self) -> str:
        """The column's target as ``--map`` and a saved mapping name it."""
        if self.kind == "answer":
            return f"{ANSWER_PREFIX}{self.name}"
        if self.kind in (PROFILE, IGNORE):
            return self.kind
        return self.name

    @property
    def becomes(self) -> str:
        if self.kind == IGNORE:
            return "ignored"
        if self.kind == "answer":
            return f"answer {self.name!r}"
        if self.kind == "profile":
            return f"profile {self.name!r}"
        if self.name == "lead_source":
            return "channel (other when it names none), the value as source_detail"
        return self.name


def _opts_out_over(name: str, found: Mapping[str, str], value: str) -> bool:
    """Whether a later opt-out column wins over the first one of the row: of two consent
    columns (``HasOptedOutOfEmail`` false, ``Unsubscribed`` true), the opt-out counts, so a
    person's wish is never lost to the column order."""
    return name in CONSENT_FIELDS and consent_flag(value) is True and not consent_flag(found[name])


class HeaderMap:
    """The mapping of one file's header, built once and applied to every row."""

    def __init__(
        self,
        header: Sequence[str],
        criteria: QualifyingCriteria,
        overrides: Mapping[str, str] | None = None,
    ) -> None:
        """``overrides`` maps a column's header to its target (see ``mapping_targets``); a
        header the file does not have is left out (a saved mapping reused on another file) and
        listed in ``unknown_columns``. An unknown target raises UnknownTarget."""
        self.width = len(header)
        self.columns: list[ColumnMapping] = []
        self.targets = mapping_targets(criteria)
        labels = {target.key: target.label for target in self.targets}
        overrides = dict(overrides or {})
        for target in overrides.values():
            if target not in labels:
                raise UnknownTarget(target, self.targets)
        questions = {alias_key(question.key): question for question in criteria.questions}
        self._numbers: set[str] = set()
        self._choices: dict[str, dict[str, str]] = {}
        for question in criteria.questions:
            if question.type is QuestionType.NUMBER:
                self._numbers.add(question.key)
            elif question.type is QuestionType.CHOICE:
                self._choices[question.key] = {
                    alias_key(text): choice.value
                    for choice in question.choices
                    for text in (choice.label, choice.value)
                }
        seen: set[str] = set()
        for index, raw_header in enumerate(header):
            text = raw_header.strip() or f"Column {index + 1}"
            key = alias_key(text)
            field = header_field(text)
            chosen = overrides.get(text)
            if chosen is not None:
                seen.add(text)
                mapping = self._chosen(index, text, chosen)
            elif key in questions:
                mapping = ColumnMapping(index, text, "answer", questions[key].key)
            elif field is not None:
                mapping = ColumnMapping(index, text, "field", field)
            else:
                mapping = ColumnMapping(index, text, PROFILE, text)
            self.columns.append(
                ColumnMapping(
                    mapping.index,
                    mapping.header,
                    mapping.kind,
                    mapping.name,
                    label=labels[mapping.target] if mapping.kind != PROFILE else PROFILE_LABEL,
                    overridden=mapping.overridden,
                )
            )
        self.unknown_columns = [name for name in overrides if name not in seen]

    @staticmethod
    def _chosen(index: int, header: str, target: str) -> ColumnMapping:
        if target == IGNORE:
            return ColumnMapping(index, header, IGNORE, "", overridden=True)
        if target == PROFILE:
            return ColumnMapping(index, header, PROFILE, header, overridden=True)
        if target.startswith(ANSWER_PREFIX):
            return ColumnMapping(
                index, header, "answer", target.removeprefix(ANSWER_PREFIX), overridden=True
            )
        return ColumnMapping(index, header, "field", target, overridden=True)

    def overrides(self) -> dict[str, str]:
        """The columns a person changed, header → target: what a saved mapping keeps."""
        return {column.header: column.target for column in self.columns if column.overridden}

    def report(self) -> list[dict[str, str]]:
        """Column by column, what it became: for the dry run and the job page."""
        return [{"column": column.header, "becomes": column.becomes} for column in self.columns]

    def summary(self) -> list[dict[str, str]]:
        """``report`` with each column's ``label`` in plain words and its ``target`` as
        ``--map`` names it: what the job keeps."""
        return [
            {**line, "label": column.label, "target": column.target}
            for line, column in zip(self.report(), self.columns, strict=True)
        ]

    def submission(
        self,
        values: Sequence[str],
        *,
        channel: Channel | None = None,
        campaign: str | None = None,
        default_channel: Channel = Channel.PURCHASED_LIST,
        source_rules: Mapping[str, str] | None = None,
    ) -> Submission:
        """The row as a Submission. Where several columns name one field, the first non-empty
        one wins and the others are kept in the profile under their header. ``channel`` and
        ``campaign`` (the import's options) win over the file's: the file's lead source is then
        the ``source_detail``, its campaign kept under its header. A lead source that names no
        channel is ``other``; an empty one is ``default_channel``. Raises IntakeRejected for a
        row with more values than the header has columns (a delimiter inside an unquoted value
        shifts every value after it, so the row cannot be trusted)."""
        if len(values) > self.width and any(value.strip() for value in values[self.width :]):
            raise IntakeRejected(
                {"row": f"{len(values)} values but the header has {self.width} columns"}
            )
        raw: dict[str, str] = {}
        extra: dict[str, str] = {}
        headers: dict[str, str] = {}
        answers: dict[str, Any] = {}
        profile: dict[str, Any] = {}
        for column, value in zip(self.columns, values, strict=False):
            if not value or value.isspace() or column.kind == IGNORE:
                continue
            if column.kind == "field":
                found = raw if column.name in RAW_FIELDS else extra
                if column.name in found and not _opts_out_over(column.name, found, value):
                    profile.setdefault(column.header, value)
                    continue
                if column.name in found:
                    profile.setdefault(headers[column.name], found[column.name])
                found[column.name] = value
                headers[column.name] = column.header
                if column.name == "campaign" and campaign:
                    profile.setdefault(column.header, value)
            elif column.kind == "answer":
                answers[column.name] = self._answer(column.name, value.strip())
            else:
                profile[column.header] = value
        source = source_channel(
            extra.get("lead_source", ""),
            default=default_channel,
            chosen=channel,
            rules=source_rules,  # the program's own value → channel rules
        )
        if source.detail:
            profile[SOURCE_DETAIL] = source.detail
        inquiry_type = inquiry_type_of(extra.get("inquiry_type", ""))
        if "inquiry_type" in extra and inquiry_type is None:
            profile.setdefault(headers["inquiry_type"], extra["inquiry_type"])
        if "description" in extra:
            profile["description"] = extra["description"]
        return Submission(
            raw=RawLead(**raw),
            channel=source.channel,
            campaign=campaign if campaign is not None else extra.get("campaign", ""),
            inquiry_type=inquiry_type or InquiryType.INFORMATION_REQUEST,
            external_id=extra.get("external_id"),
            external_source=extra.get("external_source", ""),
            company_size=extra.get("company_size", ""),
            industry=extra.get("industry", ""),
            profile=profile,
            answers=answers,
            consent_sources={
                name: f"column {headers[name]}" for name in CONSENT_FIELDS if name in raw
            },
        )

    def external_id(self, values: Sequence[str]) -> str | None:
        """The row's external id exactly as ``submission(values).external_id`` has it (the
        first non-empty column that maps to it), without building the submission; None for a
        row ``submission`` rejects."""
        if len(values) > self.width and any(value.strip() for value in values[self.width :]):
            return None
        for column, value in zip(self.columns, values, strict=False):
            is_id = column.kind == "field" and column.name == "external_id"
            if is_id and value and not value.isspace():
                return value
        return ""

    def _answer(self, key: str, value: str) -> object:
        """Spreadsheet text as the question expects it: "6" is 6 for a number question,
        "Decision Maker" is decision_maker for a choice; anything else is left for the criteria
        to reject with its own reason."""
        if key in self._numbers:
            try:
                number = float(value)
            except ValueError:
                return value
            return int(number) if number.is_integer() else number
        choices = self._choices.get(key)
        if choices is not None:
            return choices.get(alias_key(value), value)
        return value
