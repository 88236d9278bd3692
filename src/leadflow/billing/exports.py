"""A statement as a CSV, an XLSX workbook or a PDF (issue 20, item 3).

Every file lists the statement's lines (date, deliverable, what the line is, amount), then its
summary per kind of line and its totals. Cells are made formula-safe by ``core.spreadsheet``
through the delivery files' writers. The PDF embeds DejaVu Sans (``fonts/``, its licence
beside it), so any name prints and every reader shows the same letters.
"""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from leadflow.core import delivery_files
from leadflow.core.billing import Statement, StatementLine
from leadflow.programs.models import Program

FONTS = Path(__file__).parent / "fonts"

COLUMNS = (
    delivery_files.Column("Date", "date"),
    delivery_files.Column("Deliverable", "deliverable"),
    delivery_files.Column("Number", "number"),
    delivery_files.Column("Line", "line"),
    delivery_files.Column("Description", "description"),
    delivery_files.Column("Amount", "amount"),
    delivery_files.Column("Currency", "currency"),
)


def line_date(line: StatementLine, timezone: str) -> str:
    return line.at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d")


def totals(statement: Statement) -> list[tuple[str, Decimal]]:
    """The totals in the order they are printed."""
    return [
        ("Charges", statement.charges),
        ("Credits for upheld disputes", -statement.credits),
        ("Credit carried in from the last statement", -statement.carried_in),
        ("Total due", statement.total),
        ("Credit carried forward to the next statement", statement.carried_forward),
    ]


def _rows(statement: Statement, timezone: str, *, number: type) -> list[list[Any]]:
    currency = statement.currency
    rows: list[list[Any]] = [
        [
            line_date(line, timezone),
            line.kind.label,
            str(line.deliverable_id),
            line.line.label,
            line.description,
            number(line.amount),
            currency,
        ]
        for line in statement.lines
    ]
    for subtotal in statement.subtotals:
        rows.append(["", "", "", "Summary", f"{subtotal.label} ({subtotal.count})",
                     number(subtotal.amount), currency])  # fmt: skip
    for label, amount in totals(statement):
        rows.append(["", "", "", "Total", label, number(amount), currency])
    return rows


def statement_csv(statement: Statement, timezone: str) -> bytes:
    return delivery_files.csv_bytes(COLUMNS, _rows(statement, timezone, number=str))


def statement_xlsx(statement: Statement, timezone: str) -> bytes:
    # Amounts are numbers in the workbook (a spreadsheet's own arithmetic is binary anyway).
    rows = _rows(statement, timezone, number=float)
    return delivery_files.xlsx_bytes(COLUMNS, rows, sheet=f"Statement {statement.period.label}")


def statement_filename(program: Program, statement: Statement, extension: str) -> str:
    return f"{program.slug}-statement-{statement.period.label}.{extension}"


def statement_pdf(
    program: Program, statement: Statement, *, closed_at: datetime | None, timezone: str
) -> bytes:
    """The statement on A4 pages: the program and period, every line, the summary and totals."""
    from fpdf import FPDF  # imported on use: a third of a fresh process's first request

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(f"Statement {statement.period.label}: {program.name}")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.cell(0, 9, f"Statement {statement.period.label}: {program.name}", new_x="LMARGIN",
             new_y="NEXT")  # fmt: skip
    pdf.set_font("DejaVu", "", 10)
    state = (
        f"Closed {closed_at.astimezone(ZoneInfo(timezone)):%Y-%m-%d}"
        if closed_at is not None
        else "Not closed yet: lines may still change"
    )
    for text in (
        f"Client: {program.client.name}",
        f"Period: {statement.period.span} ({timezone})",
        f"Currency: {statement.currency}. {state}.",
    ):
        pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    widths = (24, 110, 0)
    _row(pdf, widths, ("Date", "Line", "Amount"), bold=True)
    for line in statement.lines:
        _row(pdf, widths, (line_date(line, timezone),
                           f"#{line.deliverable_id} {line.description}",
                           _money(line.amount, statement.currency)))  # fmt: skip
    if not statement.lines:
        pdf.cell(0, 6, "Nothing was delivered or credited in this period.", new_x="LMARGIN",
                 new_y="NEXT")  # fmt: skip
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, "Summary", new_x="LMARGIN", new_y="NEXT")
    for subtotal in statement.subtotals:
        _row(pdf, widths, ("", f"{subtotal.label} ({subtotal.count})",
                           _money(subtotal.amount, statement.currency)))  # fmt: skip
    pdf.ln(2)
    for label, amount in totals(statement):
        _row(pdf, widths, ("", label, _money(amount, statement.currency)),
             bold=label == "Total due")  # fmt: skip
    return bytes(pdf.output())


def _row(pdf: Any, widths: Sequence[int], cells: Sequence[str], *, bold: bool = False) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", 9)
    for width, text in zip(widths[:-1], cells[:-1], strict=True):
        pdf.cell(width, 6, text)
    pdf.cell(widths[-1], 6, cells[-1], align="R", new_x="LMARGIN", new_y="NEXT")


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,} {currency}"
