"""Reading the lists people import: CSV and XLSX files as they come out of CRMs, spreadsheets
and event scanners (issue 4, "Lead intake", bulk import).

The kind is told by the content, never by the name alone, because files get renamed: an XLSX
workbook is a ZIP with an ``xl/`` folder; anything else binary (PDF, images, old XLS, programs) is
refused; text is CSV (a stray NUL byte does not make a file binary; NULs in at least 1 of 100
bytes of its first 8 KB do, as in UTF-16 text). The delimiter is sniffed among comma, semicolon,
tab and bar.

The encoding rule (issue 12, item 9), decided over the whole file in one streamed pass:

- a BOM, or a file that is valid UTF-8 throughout, is UTF-8;
- otherwise the file has bytes that are not valid UTF-8. It is still UTF-8, with the rows that
  hold those bytes rejected, when it has at least as many valid multi-byte UTF-8 characters as
  invalid bytes: it was written as UTF-8 and some rows were pasted from elsewhere. A tie goes to
  UTF-8 because a rejected row is seen and fixed, a wrongly decoded file is garbled silently;
- else it is a legacy file: Windows-1252 (what Excel writes on Windows) when every byte is
  defined there, else Latin-1, which decodes any byte. The few sequences that looked like UTF-8
  were legacy characters by accident ("É®"), and are read as such.

A row that holds bytes not valid in the chosen encoding, or a NUL character (no database stores
one; DECISIONS.md, "Intake"), gets a ``problem`` naming the columns and the bytes, so the import
rejects that row with its reason and imports the others; its values keep U+FFFD in place of the
bad bytes so they can be stored and shown in the errors file. Nothing is stripped silently.

CSV rows are streamed (a file of hundreds of thousands of rows is never held in memory); a first
pass counts them so progress can be shown against a total. A malformed record (a stray quote, the
file cut inside a quoted value) becomes a row with a ``problem`` so the import rejects that row
with its reason instead of importing a mangled lead or giving up on the whole file. Blank rows are
skipped; row numbers are the ones a person sees in a spreadsheet (the header is row 1).

Before any parsing a workbook passes the checks of ``imports.checks`` (its ZIP directory, the
sheet's declared extent, its shared strings, its XML), every row is held to a column count and a
cell length, and the workbook is parsed in a child process with a memory and a CPU limit
(``imports.sandbox``): a hostile file fails its own import, with the reason, and nothing else.

Nothing here knows Django: the size limit and the other limits (``Limits``) are parameters.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Literal

from leadflow.imports.checks import (
    DEFAULT_LIMITS,
    ImportFileError,
    Limits,
    row_check,
    workbook_check,
)
from leadflow.imports.sandbox import records_in_child

NOT_CSV_OR_XLSX = "not a CSV or XLSX file"
DELIMITERS = ",;\t|"
_SAMPLE_BYTES = 64 * 1024
_CHUNK_BYTES = 1024 * 1024
#: Undecodable bytes as Python's "surrogateescape" error handler keeps them: byte b is U+DC00 + b.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_UNDEFINED_IN_CP1252 = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
_ENCODING_NAMES = {"utf-8-sig": "UTF-8", "cp1252": "Windows-1252", "latin-1": "Latin-1"}
_BINARY_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\xd0\xcf\x11\xe0": "an old Office (XLS/DOC) file",
    b"MZ": "a Windows program",
    b"\x7fELF": "a program",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}


__all__ = ["ImportFileError", "Limits", "Row", "Table", "open_table"]


@dataclass(frozen=True)
class Row:
    """One data row: its number as a spreadsheet shows it, its cells, and a reading problem."""

    number: int
    values: list[str]
    problem: str = ""


@dataclass
class Table:
    """An opened file: its header, how it was read, and its data rows as a stream."""

    kind: Literal["csv", "xlsx"]
    header: list[str]
    total_rows: int
    encoding: str = ""
    delimiter: str = ""
    _path: Path = field(default=Path(), repr=False)
    limits: Limits = field(default=DEFAULT_LIMITS, repr=False)

    def rows(self, *, skip: int = 0) -> Iterator[Row]:
        """The data rows in file order, after the first ``skip`` of them (a resumed import)."""
        records = self.records()
        next(records, None)
        yield from itertools.islice(records, skip, None)

    def records(self) -> Iterator[Row]:
        """Every non-blank record, the header (row 1) included."""
        if self.kind == "xlsx":
            return (
                Row(number, values, problem)
                for number, values, problem in records_in_child(self._path, self.limits)
            )
        return _checked(_csv_records(self._path, self.encoding, self.delimiter), self.limits)


def open_table(
    path: Path, *, max_bytes: int, name: str = "", limits: Limits = DEFAULT_LIMITS
) -> Table:
    """Open an import file, or raise ImportFileError saying why it cannot be imported."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8192)
    except FileNotFoundError as exc:
        raise ImportFileError(f"no such file: {name or path}") from exc
    except OSError as exc:
        raise ImportFileError(f"cannot read {name or path}: {exc.strerror}") from exc
    if size > max_bytes:
        raise ImportFileError(
            f"the file is {_megabytes(size)}, over the import limit of {_megabytes(max_bytes)}"
        )
    if not head.strip():
        raise ImportFileError("the file is empty")
    if head.startswith(b"PK\x03\x04"):
        _check_workbook(path, limits)
        return _finish(Table(kind="xlsx", header=[], total_rows=0, _path=path, limits=limits))
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise ImportFileError(f"{NOT_CSV_OR_XLSX}: it is {what}")
    if _looks_binary(head):
        raise ImportFileError(f"{NOT_CSV_OR_XLSX}: it is binary data")
    if (name or path.name).lower().endswith((".xlsx", ".xlsm")):
        raise ImportFileError(f"{NOT_CSV_OR_XLSX}: it is named .xlsx but is not a workbook")
    encoding = detect_encoding(path)
    delimiter = detect_delimiter(_sample(path, encoding))
    return _finish(
        Table(
            kind="csv",
            header=[],
            total_rows=0,
            encoding=encoding,
            delimiter=delimiter,
            _path=path,
            limits=limits,
        )
    )


def _finish(table: Table) -> Table:
    """Read the header and count the data rows, refusing a file with no header or no rows."""
    header: list[str] | None = None
    count = 0
    for row in table.records():
        if header is None:
            header = [cell.strip() for cell in row.values]
        else:
            count += 1
    if header is None or not any(header):
        raise ImportFileError("the file is empty")
    if count == 0:
        raise ImportFileError("the file has a header row but no data rows")
    table.header = header
    table.total_rows = count
    return table


def _looks_binary(head: bytes) -> bool:
    """Binary data and UTF-16 text are full of NULs; a text file may hold a stray one, which
    rejects its row rather than the file."""
    nuls = head.count(0)
    return nuls > 1 and nuls * 100 >= len(head)


def _megabytes(size: int) -> str:
    """A size as people read it: "100 MB", "2.5 MB", "1.6 KB", "900 bytes"."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}".replace(f".0 {unit}", f" {unit}")
    return f"{size} bytes"


# --- CSV ----------------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """The file's encoding by the rule in this module's docstring: "utf-8-sig" (a BOM is
    dropped), "cp1252" or "latin-1". One pass in streamed chunks: a 100 MB file is not held in
    memory."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    valid = invalid = 0
    undefined_in_cp1252 = False
    with path.open("rb") as handle:
        if handle.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8:
            return "utf-8-sig"
        handle.seek(0)
        while chunk := handle.read(_CHUNK_BYTES):
            if chunk.isascii() and not decoder.getstate()[0]:
                continue
            text = decoder.decode(chunk)
            bad = len(_ESCAPED_BYTE.findall(text))
            valid += len(text) - len(text.encode("ascii", "ignore")) - bad
            invalid += bad
            undefined_in_cp1252 = undefined_in_cp1252 or any(
                byte in chunk for byte in _UNDEFINED_IN_CP1252
            )
        tail = decoder.decode(b"", final=True)
        invalid += len(_ESCAPED_BYTE.findall(tail))
    if valid >= invalid:
        return "utf-8-sig"
    return "latin-1" if undefined_in_cp1252 else "cp1252"


def _sample(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, newline="", errors="replace") as handle:
        text = handle.read(_SAMPLE_BYTES)
        more = bool(handle.read(1))
    if more and "\n" in text:
        text = text[: text.rindex("\n")]
    return text


def detect_delimiter(sample: str) -> str:
    """The delimiter csv.Sniffer finds, if the header line contains it; else the candidate the
    header line contains most often (headers rarely contain a delimiter, values often do);
    a comma for a file of one column."""
    header_line = sample.splitlines()[0] if sample else ""
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and sniffed in header_line:
        return sniffed
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _csv_records(path: Path, encoding: str, delimiter: str) -> Iterator[Row]:
    """Every non-blank record, the header included, numbered as a spreadsheet numbers them.
    Strict parsing, so a damaged record is reported instead of silently merged with the next.
    Bytes the encoding cannot decode are kept as escapes (surrogates) while parsing, so that the
    record's shape and the row numbers stay right, and are turned into the record's problem."""
    with path.open(encoding=encoding, newline="", errors="surrogateescape") as handle:
        reader = csv.reader(handle, delimiter=delimiter, strict=True)
        header: list[str] | None = None
        number = 0
        while True:
            number += 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                header = [] if header is None else header
                yield Row(number, [], problem=_csv_problem(str(exc)))
                continue
            if not any(value.strip() for value in values):
                continue
            problem = _value_problem(values, header or [], encoding)
            if problem:
                values = [_storable(value) for value in values]
            if header is None:
                header = values
                problem = ""  # a garbled header cell is shown as such; the rows still import
            yield Row(number, values, problem=problem)


def _value_problem(values: list[str], header: list[str], encoding: str) -> str:
    """Which columns hold bytes the encoding does not define, or NUL characters, in words;
    "" for the usual row (checked first on the whole row at once: imports are large)."""
    joined = "".join(values)
    if "\x00" not in joined and (joined.isascii() or not _ESCAPED_BYTE.search(joined)):
        return ""
    undecodable: list[str] = []
    nul: list[str] = []
    for index, value in enumerate(values):
        if "\x00" in value:
            nul.append(_column(index, header))
        escaped = _ESCAPED_BYTE.findall(value)
        if escaped:
            shown = " ".join(f"0x{ord(char) - 0xDC00:02X}" for char in escaped[:4])
            more = " …" if len(escaped) > 4 else ""
            undecodable.append(f"{shown}{more} in {_column(index, header)}")
    problems = []
    if undecodable:
        problems.append(
            f"bytes that are not valid {_ENCODING_NAMES.get(encoding, encoding)} "
            f"({'; '.join(undecodable)}): this row is in another encoding than the rest of the file"
        )
    if nul:
        problems.append(f"a NUL character (byte 0x00) in {', '.join(nul)}: it cannot be stored")
    return "; ".join(problems)


def _column(index: int, header: list[str]) -> str:
    name = header[index].strip() if index < len(header) else ""
    return f"column {index + 1}, {name}" if name else f"column {index + 1}"


def _storable(value: str) -> str:
    """The value with U+FFFD for each undecodable byte and each NUL."""
    return _ESCAPED_BYTE.sub("\ufffd", value).replace("\x00", "\ufffd")


def _csv_problem(message: str) -> str:
    if message == "unexpected end of data":
        return "the file ends inside a quoted value: the row is cut short"
    return f"malformed CSV row ({message}): a quote inside a value that is not quoted?"


# --- XLSX ---------------------------------------------------------------------------------------


def _check_workbook(path: Path, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile as exc:
        raise ImportFileError(f"{NOT_CSV_OR_XLSX}: a damaged ZIP archive") from exc
    if not any(name.startswith("xl/") for name in names):
        raise ImportFileError(f"{NOT_CSV_OR_XLSX}: a ZIP archive that is not a workbook")
    workbook_check(path, limits)


def _checked(records: Iterator[Row], limits: Limits) -> Iterator[Row]:
    for row in records:
        row_check(row.number, row.values, limits)
        yield row


def xlsx_records(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[Row]:
    """The first sheet's non-blank rows, cells as the text a person sees (whole numbers without
    ".0", so phone numbers and ids survive; dates in ISO form). Run by ``imports.sandbox`` in
    its child process, never in the worker."""
    return _checked(_xlsx_rows(path), limits)


def _xlsx_rows(path: Path) -> Iterator[Row]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        first_row = sheet.start[0] if sheet.start else 0
        rows = sheet.iter_rows()
    except Exception as exc:  # calamine raises its own error types for damaged workbooks
        raise ImportFileError(f"cannot read the workbook: {exc}") from exc
    for index, cells in enumerate(rows):
        values = [_cell_text(cell) for cell in cells]
        if any(value.strip() for value in values):
            yield Row(first_row + index + 1, values)


def _cell_text(cell: object) -> str:
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, datetime):
        return cell.isoformat() if cell.time() != time(0) else cell.date().isoformat()
    if isinstance(cell, date | time):
        return cell.isoformat()
    return "" if cell is None else str(cell)
