"""The files of a client delivery (DESIGN.md, "Hand-off": a delivery is a file, CSV and XLSX).

A delivery file has one row per lead and the columns a CRM import accepts. The default layout
uses Salesforce's standard Lead field names (``FirstName``, ``LastName``, ``Company``…), which
Salesforce's import wizard and Data Loader map by themselves and most other CRMs recognise. A
program may replace it with its own column map: a list of (column header, source field) pairs,
which renames, reorders and drops columns, and can add questionnaire answers
(``answers.<question key>``) and profile attributes (``profile.<name>``).

Source values come in as a plain mapping per lead (the delivery app builds it); this module
picks, orders and writes them. It is pure: no database, no clock.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from leadflow.core.errors import DomainError
from leadflow.core.spreadsheet import csv_row, xlsx_text

#: Source fields a column can take, with what each holds (shown beside the column map editor).
SOURCE_FIELDS: dict[str, str] = {
    "lead_id": "LeadFlow's number for the lead",
    "first_name": "First name",
    "last_name": "Last name",
    "title": "Job title",
    "email": "E-mail address",
    "phone": "Phone (E.164, e.g. +14155550100)",
    "company": "Company name",
    "website": "Company website",
    "industry": "Industry",
    "company_size": "Company size as captured (e.g. 51-200)",
    "employees": "Number of employees as a whole number (the low end of a size range)",
    "country": "Country (ISO 3166-1 alpha-2, e.g. US)",
    "subdivision": "State or province (ISO 3166-2 code part, e.g. CA)",
    "postal_code": "Postal code",
    "street": "Street address",
    "city": "City",
    "channel": "Lead source channel (Web, Event, Referral…)",
    "campaign": "Campaign code",
    "inquiry_type": "Inquiry type",
    "rating": "Rating (Hot, A, B, C, FYI)",
    "stage": "Stage (Inquiry, Lead, Opportunity, Qualified opportunity)",
    "score": "Score",
    "bant": "BANT criteria met (e.g. budget, need)",
    "captured_at": "When the inquiry was captured (ISO 8601, UTC)",
    "delivered_at": "When the lead was delivered (ISO 8601, UTC)",
    "delivery_number": "The delivery's number within the program",
    "description": "Summary of the qualification: rating, stage, BANT, answers",
}
#: Prefixes of source fields read from a lead's questionnaire answers and profile attributes.
DYNAMIC_PREFIXES = ("answers.", "profile.")
MAX_COLUMNS = 100
MAX_HEADER_LENGTH = 80
_DYNAMIC_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ .-]{0,79}$")


class ColumnMapError(DomainError):
    """A column map that cannot be used; the message lists every problem, one per line."""


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    field: str


#: Salesforce's standard Lead fields (the default layout).
SALESFORCE_LAYOUT: tuple[Column, ...] = (
    Column("FirstName", "first_name"),
    Column("LastName", "last_name"),
    Column("Title", "title"),
    Column("Company", "company"),
    Column("Email", "email"),
    Column("Phone", "phone"),
    Column("Website", "website"),
    Column("Industry", "industry"),
    Column("NumberOfEmployees", "employees"),
    Column("Street", "street"),
    Column("City", "city"),
    Column("Country", "country"),
    Column("State", "subdivision"),
    Column("PostalCode", "postal_code"),
    Column("LeadSource", "channel"),
    Column("Rating", "rating"),
    Column("Description", "description"),
)


def known_field(name: str) -> bool:
    if name in SOURCE_FIELDS:
        return True
    prefix = next((p for p in DYNAMIC_PREFIXES if name.startswith(p)), None)
    return prefix is not None and bool(_DYNAMIC_KEY.match(name.removeprefix(prefix)))


def column_map_check(columns: Sequence[Column]) -> tuple[Column, ...]:
    """The column map as given, or `ColumnMapError` naming every problem (empty is allowed and
    means the default layout)."""
    labels = [f"column {number}" for number in range(1, len(columns) + 1)]
    problems = _problems(columns, labels)
    if problems:
        raise ColumnMapError("\n".join(problems))
    return tuple(columns)


def _problems(columns: Sequence[Column], labels: Sequence[str]) -> list[str]:
    problems: list[str] = []
    if len(columns) > MAX_COLUMNS:
        problems.append(f"at most {MAX_COLUMNS} columns, not {len(columns)}")
    seen: dict[str, str] = {}
    for where, column in zip(labels, columns, strict=True):
        header = column.header
        if not header.strip():
            problems.append(f"{where}: the header is empty")
        elif header != header.strip():
            problems.append(f"{where}: the header {header!r} starts or ends with a space")
        elif len(header) > MAX_HEADER_LENGTH:
            problems.append(f"{where}: the header is longer than {MAX_HEADER_LENGTH} characters")
        elif any(not ch.isprintable() for ch in header):
            problems.append(f"{where}: the header {header!r} holds a control character")
        elif header.startswith(("=", "+", "-", "@")):
            problems.append(f"{where}: the header {header!r} would be a spreadsheet formula")
        else:
            folded = header.casefold()
            if folded in seen:
                problems.append(f"{where}: the header {header!r} repeats {seen[folded]}")
            seen.setdefault(folded, where)
        if not known_field(column.field):
            problems.append(f"{where}: unknown source field {column.field!r}")
    return problems


def layout(columns: Sequence[Column]) -> tuple[Column, ...]:
    """The columns a delivery file has: the program's map, or Salesforce's when it has none."""
    return tuple(columns) if columns else SALESFORCE_LAYOUT


def column_map_from_text(text: str) -> tuple[Column, ...]:
    """Parse the editor's text, one ``Header = source field`` per line; blank lines and lines
    starting with ``#`` are skipped. Raises `ColumnMapError` naming every bad line."""
    columns: list[Column] = []
    labels: list[str] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header, sep, field = line.rpartition("=")
        if not sep or not header.strip() or not field.strip():
            problems.append(f"line {number}: write it as “Header = source field”")
            continue
        columns.append(Column(header.strip(), field.strip()))
        labels.append(f"line {number}")
    problems += _problems(columns, labels)
    if problems:
        raise ColumnMapError("\n".join(sorted(problems, key=_line_number)))
    return tuple(columns)


def _line_number(problem: str) -> int:
    match = re.match(r"line (\d+)", problem)
    return int(match.group(1)) if match else 0


def column_map_to_text(columns: Sequence[Column]) -> str:
    return "\n".join(f"{column.header} = {column.field}" for column in columns)


def column_map_from_json(data: object) -> tuple[Column, ...]:
    """A stored map (``[{"header": …, "field": …}, …]``), checked."""
    if not isinstance(data, list) or not all(
        isinstance(item, dict)
        and isinstance(item.get("header"), str)
        and isinstance(item.get("field"), str)
        for item in data
    ):
        raise ColumnMapError('a column map is a list of {"header": …, "field": …}')
    return column_map_check([Column(item["header"], item["field"]) for item in data])


def column_map_to_json(columns: Sequence[Column]) -> list[dict[str, str]]:
    return [{"header": column.header, "field": column.field} for column in columns]


def value_of(record: Mapping[str, Any], field: str) -> Any:
    """A source field's value in one lead's record; missing answers and attributes are empty."""
    for prefix in DYNAMIC_PREFIXES:
        if field.startswith(prefix):
            group = record.get(prefix.rstrip("."), {}) or {}
            return group.get(field.removeprefix(prefix), "")
    return record.get(field, "")


def table(columns: Sequence[Column], records: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    """One row of values per record, in the layout's order (values keep their types)."""
    return [[_plain(value_of(record, column.field)) for column in columns] for record in records]


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, list | tuple):
        return ", ".join(str(_plain(item)) for item in value)
    return str(value)


def employees(company_size: str) -> int | None:
    """A company size as a whole number for a CRM's numeric field: "250" is 250, a range
    "51-200" its low end 51, "5000+" 5000; anything else None."""
    match = re.match(r"^\s*(\d[\d,]*)\s*(?:[-\u2013+]|$|\s*to\b)", company_size)
    return int(match.group(1).replace(",", "")) if match else None


def csv_bytes(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> bytes:
    """RFC 4180 CSV (comma, double quotes, CRLF) in UTF-8 without a byte-order mark, which
    Salesforce, HubSpot and Dynamics import as they are; the header row comes first."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.header for column in columns])
    for row in rows:
        writer.writerow(csv_row(row))
    return out.getvalue().encode("utf-8")


def xlsx_bytes(
    columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, sheet: str = "Leads"
) -> bytes:
    """An XLSX workbook with one sheet: the header row, then one row per lead. Text stays text
    (a value starting with "=" is stored as a string, never a formula); numbers are numbers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    worksheet = book.create_sheet(sheet[:31])
    worksheet.append([column.header for column in columns])
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, bool) or not isinstance(value, int | float):
                cell = WriteOnlyCell(worksheet, value=xlsx_text(value))
                cell.data_type = "s"
            else:
                cell = WriteOnlyCell(worksheet, value=value)
            cells.append(cell)
        worksheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _answer(key: str, value: Any) -> str:
    """An answer as a salesperson reads it: "Decision time frame: 2", "Authority: decision
    maker" (the file's columns keep the keys; this paragraph is for people)."""
    name = "Decision time frame (months)" if key == "timeframe_months" else key.replace("_", " ")
    shown = _plain(value)
    if isinstance(shown, str) and " " not in shown:
        shown = shown.replace("_", " ")
    return f"{name[:1].upper()}{name[1:]}: {shown}"


def description(record: Mapping[str, Any]) -> str:
    """The Description column: the qualification in one paragraph, so a salesperson reading
    the CRM record sees why the lead was sent."""
    parts = [f"Rating {record.get('rating') or 'none'}"]
    if record.get("stage"):
        parts.append(f"stage {record['stage']}")
    if record.get("score") not in (None, ""):
        parts.append(f"score {record['score']:g}")
    text = ", ".join(parts) + "."
    met = record.get("bant") or []
    text += f" BANT met: {', '.join(met) if met else 'none'}."
    answers = record.get("answers") or {}
    if answers:
        text += " Answers: " + "; ".join(_answer(key, answers[key]) for key in answers) + "."
    for label, key in (("Inquiry", "inquiry_type"), ("Campaign", "campaign")):
        if record.get(key):
            text += f" {label}: {record[key]}."
    return text
