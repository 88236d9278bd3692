"""Cells safe to open in a spreadsheet (OWASP "CSV injection"): the one rule for every CSV and
XLSX LeadFlow writes — the lead list's export, an import's rejected rows, client deliveries and
the partners' lead files.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets; a hostile lead could make the person who opens the file
run a command. Such a cell is made text by prefixing ``'`` (the spreadsheet convention for
"this is text", hidden when displayed). A signed number or phone number (``+14155550100``,
``-12.5``, ``+1 (415) 555-0100``) is left alone: a spreadsheet may read it as arithmetic, but
it can call no function, and prefixing it would corrupt every E.164 phone number a CRM imports.

XLSX cells are written with the text type, so a value never becomes a formula there; what an
XLSX cell cannot hold is XML 1.0's control characters, which ``xlsx_text`` drops.
"""

import re
from collections.abc import Iterable

#: Values starting with these are formulas to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A sign followed only by digits, spaces, dots, dashes and brackets.
_SIGNED_NUMBER = re.compile(r"^[+-][\d .()-]*$")
#: Characters an XLSX file cannot hold (XML 1.0 control characters).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def is_formula(text: str) -> bool:
    """Whether a spreadsheet opening this text would evaluate it as a formula that may call a
    function (a plain signed number does not count)."""
    return text.startswith(FORMULA_STARTS) and not _SIGNED_NUMBER.match(text)


def csv_cell(value: object) -> str:
    """The value as CSV text no spreadsheet evaluates as a formula; ``None`` is an empty cell."""
    text = "" if value is None else str(value)
    return f"'{text}" if is_formula(text) else text


def csv_row(values: Iterable[object]) -> list[str]:
    return [csv_cell(value) for value in values]


def xlsx_text(value: object) -> str:
    """The value as the text of an XLSX string cell."""
    return _XML_ILLEGAL.sub("", str(value))
