"""Which column of an import file becomes which field of a lead, decided by the header alone.

Lists come from CRM exports (Salesforce, HubSpot, Marketo, Pardot, Zoho, SuiteCRM, Dynamics
365, Odoo), trade-show scanners and spreadsheets people typed; the headers and lead-source values
they use are the core's one alias table (``leadflow.core.aliases``), which the web form reads
too. A column named after a question of the program's published criteria is an answer. Nothing
is dropped: a column LeadFlow does not know is kept in the lead's profile under its own header,
as is a second column for a field a first one already filled in that row, and the lead source as
sent is kept as ``source_detail``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from leadflow.core.aliases import (
    SOURCE_DETAIL,
    alias_key,
    header_field,
    inquiry_type_of,
    source_channel,
)
from leadflow.core.criteria import QualifyingCriteria, QuestionType
from leadflow.core.enums import Channel, InquiryType
from leadflow.core.normalise import RawLead
from leadflow.intake.services import IntakeRejected, Submission

RAW_FIELDS = frozenset(RawLead.__dataclass_fields__)


@dataclass(frozen=True)
class ColumnMapping:
    """What one column became: a lead field, an answer, or a profile attribute."""

    index: int
    header: str
    kind: str
    name: str

    @property
    def becomes(self) -> str:
        if self.kind == "answer":
            return f"answer {self.name!r}"
        if self.kind == "profile":
            return f"profile {self.name!r}"
        if self.name == "lead_source":
            return "channel (other when it names none), the value as source_detail"
        return self.name


class HeaderMap:
    """The mapping of one file's header, built once and applied to every row."""

    def __init__(self, header: Sequence[str], criteria: QualifyingCriteria) -> None:
        self.width = len(header)
        self.columns: list[ColumnMapping] = []
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
        for index, raw_header in enumerate(header):
            text = raw_header.strip() or f"Column {index + 1}"
            key = alias_key(text)
            field = header_field(text)
            if key in questions:
                mapping = ColumnMapping(index, text, "answer", questions[key].key)
            elif field is not None:
                mapping = ColumnMapping(index, text, "field", field)
            else:
                mapping = ColumnMapping(index, text, "profile", text)
            self.columns.append(mapping)

    def report(self) -> list[dict[str, str]]:
        """Column by column, what it became: for the dry run and the job page."""
        return [{"column": column.header, "becomes": column.becomes} for column in self.columns]

    def submission(
        self,
        values: Sequence[str],
        *,
        channel: Channel | None = None,
        campaign: str | None = None,
        default_channel: Channel = Channel.PURCHASED_LIST,
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
            if not value or value.isspace():
                continue
            if column.kind == "field":
                found = raw if column.name in RAW_FIELDS else extra
                if column.name in found:
                    profile.setdefault(column.header, value)
                    continue
                found[column.name] = value
                headers[column.name] = column.header
                if column.name == "campaign" and campaign:
                    profile.setdefault(column.header, value)
            elif column.kind == "answer":
                answers[column.name] = self._answer(column.name, value.strip())
            else:
                profile[column.header] = value
        source = source_channel(
            extra.get("lead_source", ""), default=default_channel, chosen=channel
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
            company_size=extra.get("company_size", ""),
            industry=extra.get("industry", ""),
            profile=profile,
            answers=answers,
        )

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
