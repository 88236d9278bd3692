"""Any report's table as a CSV or XLSX file (docs/REPORTS.md, "Pages and exports").

A table is a ``Report`` (the report itself or one of its sections): one file row per report
row, the report's columns in order, headed by their labels. A text column shows its value in
plain words where the row carries them (``channel_label`` beside ``channel``, the funnel's
``label`` beside ``step``); numbers stay numbers (fractions 0 to 1, hours); an amount per
currency is written ``USD 12000.00``. Cells are made formula-safe by the one rule of
``core.spreadsheet``, through the delivery files' writers.
"""

from typing import Any

from leadflow.core import delivery_files
from leadflow.reports.selectors.common import Column, Report


def report_table(report: Report, section: str = "") -> Report:
    """The report's own table, or its section titled ``section`` (KeyError when none)."""
    return report.sections[section] if section else report


def plain_label(row: dict[str, Any], column: Column) -> Any:
    """A text cell in plain words: the row's ``<key>_label``, or for the first column of a
    step table its ``label``; else the value itself."""
    if f"{column.key}_label" in row:
        return row[f"{column.key}_label"]
    if column.key == "step" and "label" in row:
        return row["label"]
    return row.get(column.key)


def cell(row: dict[str, Any], column: Column) -> Any:
    """One cell's value for a file (none: an empty cell)."""
    value = plain_label(row, column) if column.kind == "text" else row.get(column.key)
    if column.kind == "money":
        return money_text(value)
    return "" if value is None else value


def money_text(value: Any) -> str:
    """``{"USD": "12000.00", "EUR": "10.00"}`` as ``EUR 10.00, USD 12000.00``."""
    if not value:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{currency} {value[currency]}" for currency in sorted(value))
    return str(value)


def table_rows(table: Report) -> list[list[Any]]:
    return [[cell(row, column) for column in table.columns] for row in table.rows]


def _layout(table: Report) -> list[delivery_files.Column]:
    return [delivery_files.Column(column.label, column.key) for column in table.columns]


def report_csv(table: Report) -> bytes:
    return delivery_files.csv_bytes(_layout(table), table_rows(table))


def report_xlsx(table: Report, *, sheet: str) -> bytes:
    return delivery_files.xlsx_bytes(_layout(table), table_rows(table), sheet=sheet)
