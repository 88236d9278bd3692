"""The checks a file passes before any parser sees it (issue 13, item 4, "hostile files
contained").

A workbook is a ZIP of XML parts, and a reader trusts what they declare: a 1.5 KB workbook that
declares a sheet of ``A1:XFD1048576`` makes the spreadsheet reader reserve 549,755,813,888
bytes and abort. So before a workbook is parsed, its ZIP directory and the first bytes of its
XML parts are read (bounded: nothing is decompressed past ``XML_HEAD_BYTES`` per part) and the
file is refused, with the reason in words, when it has too many entries, decompresses to too
much, decompresses a part at a ratio only a ZIP bomb reaches, declares a sheet of too many
columns or cells, carries shared strings too large for a list of leads, declares a DTD (entity
expansion) or nests its XML deeper than any spreadsheet does. The rows themselves are held to a
column count and a cell length while they are read (``row_check``), whatever the kind of file.

What these checks cannot see (cells placed at far corners without a declared dimension, a
parser's own bug) is contained by the child process the parsing runs in
(``imports.sandbox``): it has a memory and a CPU limit, and when it dies only that import fails.

Nothing here knows Django: the limits are a value (``Limits``), built from settings by
``imports.services.jobs.import_reader_limits``.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

#: The prefix of every message of a file refused by these checks or by its parser.
UNREADABLE = "the file could not be read"
XML_HEAD_BYTES = 1024 * 1024
#: Excel's own limit on the characters of one cell.
EXCEL_CELL_CHARS = 32_767
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*\bref\s*=\s*[\"']([^\"']+)[\"']")
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")
_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
_SHARED_STRINGS = "xl/sharedstrings.xml"


class ImportFileError(Exception):
    """The file cannot be read at all; the message says why in words for the person importing.
    (Re-exported by ``imports.reading``, where callers take it from.)"""


@dataclass(frozen=True)
class Limits:
    """What an import file may hold, and what its parser may use."""

    max_entries: int = 10_000
    max_uncompressed_bytes: int = 1024 * 1024 * 1024
    max_ratio: int = 200
    #: The ratio is only held against entries at least this large: tiny parts compress oddly.
    ratio_floor_bytes: int = 1024 * 1024
    max_shared_strings_bytes: int = 256 * 1024 * 1024
    max_columns: int = 1_000
    max_cells: int = 30_000_000
    max_cell_chars: int = EXCEL_CELL_CHARS
    max_xml_depth: int = 64
    memory_bytes: int = 2 * 1024 * 1024 * 1024
    cpu_seconds: int = 300


DEFAULT_LIMITS = Limits()


def refused(reason: str) -> ImportFileError:
    return ImportFileError(f"{UNREADABLE}: {reason}")


def workbook_check(path: Path, limits: Limits) -> None:
    """Refuse a workbook whose ZIP directory or XML heads exceed ``limits`` (ImportFileError)."""
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
        if len(entries) > limits.max_entries:
            raise refused(
                f"the workbook holds {len(entries):,} parts, over the limit of "
                f"{limits.max_entries:,}"
            )
        total = sum(entry.file_size for entry in entries)
        if total > limits.max_uncompressed_bytes:
            raise refused(
                f"the workbook unpacks to {_size(total)}, over the limit of "
                f"{_size(limits.max_uncompressed_bytes)}"
            )
        for entry in entries:
            _entry_check(entry, limits)
        for entry in entries:
            name = entry.filename.lower()
            if name.endswith((".xml", ".rels")):
                head = _head(archive, entry)
                _xml_check(head, entry.filename, limits)
                if _WORKSHEET.fullmatch(name):
                    _dimension_check(head, entry.filename, limits)


def _entry_check(entry: zipfile.ZipInfo, limits: Limits) -> None:
    if entry.filename.lower() == _SHARED_STRINGS and (
        entry.file_size > limits.max_shared_strings_bytes
    ):
        raise refused(
            f"its shared strings unpack to {_size(entry.file_size)}, over the limit of "
            f"{_size(limits.max_shared_strings_bytes)}"
        )
    if entry.file_size < limits.ratio_floor_bytes:
        return
    ratio = entry.file_size / max(entry.compress_size, 1)
    if ratio > limits.max_ratio:
        raise refused(
            f"the part {entry.filename} unpacks {ratio:,.0f} times larger than it is stored "
            f"({_size(entry.compress_size)} to {_size(entry.file_size)}), as only a ZIP bomb "
            f"does (the limit is {limits.max_ratio})"
        )


def _head(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    """The first ``XML_HEAD_BYTES`` of a part, decompressed no further (a part whose declared
    size lies is cut at that length too)."""
    with archive.open(entry) as handle:
        return handle.read(XML_HEAD_BYTES)


def _xml_check(head: bytes, name: str, limits: Limits) -> None:
    """A DTD (its entities can expand without bound) or nesting deeper than any spreadsheet
    nests (a worksheet's cells are six levels deep) in the part's head."""
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise refused(f"the part {name} declares a DTD, which no spreadsheet needs")
    depth = 0
    deepest = 0

    def start(_name: str, _attributes: object) -> None:
        nonlocal depth, deepest
        depth += 1
        if depth > limits.max_xml_depth:
            raise refused(
                f"the part {name} nests its XML more than {limits.max_xml_depth} levels deep"
            )
        deepest = max(deepest, depth)

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(head, False)
    except expat.ExpatError as exc:
        raise refused(f"the part {name} is not well-formed XML ({exc})") from exc


def _dimension_check(head: bytes, name: str, limits: Limits) -> None:
    """The sheet's declared extent (``<dimension ref="A1:XFD1048576"/>``): the reader reserves
    memory for every cell it declares."""
    found = _DIMENSION.search(head)
    if found is None:
        return
    ref = found.group(1).decode("ascii", "replace")
    corners = [_CELL_REF.fullmatch(part) for part in ref.split(":")]
    if not all(corners) or len(corners) > 2:
        raise refused(f"the sheet {name} declares an extent that is not a range: {ref[:40]!r}")
    points = [(_column_number(c.group(1)), int(c.group(2))) for c in corners if c]
    columns = abs(points[-1][0] - points[0][0]) + 1
    rows = abs(points[-1][1] - points[0][1]) + 1
    if columns > limits.max_columns:
        raise refused(
            f"its sheet declares {columns:,} columns ({ref}), over the limit of "
            f"{limits.max_columns:,}"
        )
    if columns * rows > limits.max_cells:
        raise refused(
            f"its sheet declares {columns * rows:,} cells ({ref}), over the limit of "
            f"{limits.max_cells:,}"
        )


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def row_check(number: int, values: list[str], limits: Limits) -> None:
    """Refuse a row wider than ``max_columns`` or holding a cell longer than
    ``max_cell_chars`` (ImportFileError): checked on every row as it is read."""
    if len(values) > limits.max_columns:
        raise refused(
            f"row {number} has {len(values):,} columns, over the limit of {limits.max_columns:,}"
        )
    if not values or max(map(len, values)) <= limits.max_cell_chars:
        return
    for index, value in enumerate(values):
        if len(value) > limits.max_cell_chars:
            raise refused(
                f"row {number}, column {index + 1} holds {len(value):,} characters, over the "
                f"limit of {limits.max_cell_chars:,} (the most a spreadsheet cell holds)"
            )


def _size(size: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}".replace(f".0 {unit}", f" {unit}")
    return f"{size} bytes"
