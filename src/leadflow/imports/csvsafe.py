"""Cells safe to open in a spreadsheet (OWASP "CSV injection").

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets; a hostile lead could make the marketer who opens an export
run a command. Every CSV LeadFlow writes goes through ``safe_cell``, which makes such a cell text
by prefixing ``'`` (the spreadsheet convention for "this is text", hidden when displayed).
"""

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The value as CSV text that no spreadsheet evaluates; ``None`` is an empty cell."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def safe_row(values: Iterable[object]) -> list[str]:
    return [safe_cell(value) for value in values]
