"""The one rule for cells of every CSV LeadFlow writes (core.spreadsheet): a cell a spreadsheet
would run as a formula becomes text, a phone number or a signed number stays as it is."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.core.spreadsheet import csv_cell, csv_row, xlsx_text


@pytest.mark.parametrize(
    "value",
    ["+14155550100", "+1 (415) 555-0100", "+44 20 7946 0958", "-12.5", "-5", "+3", "-"],
)
def test_phone_numbers_and_signed_numbers_are_kept(value: str) -> None:
    assert csv_cell(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "=SUM(A1)",
        '=HYPERLINK("http://x")',
        "+cmd|' /C calc'!A0",
        "-1+1+cmd|' /C calc'!A0",
        "-1+A1",
        "@SUM(A1)",
        "\t=1+1",
        "\tleading tab",
        "\r=1+1",
        "\t+14155550100",
    ],
)
def test_formulas_are_made_text(value: str) -> None:
    assert csv_cell(value) == f"'{value}"


@pytest.mark.parametrize(
    ("value", "cell"),
    [(None, ""), (42, "42"), (-12.5, "-12.5"), ("Plain", "Plain"), ("1+1", "1+1"), ("", "")],
)
def test_other_values_are_their_text(value: object, cell: str) -> None:
    assert csv_cell(value) == cell


def test_a_row_is_its_cells() -> None:
    assert csv_row([1, "+14155550100", "=1+1", None]) == ["1", "+14155550100", "'=1+1", ""]


def test_xlsx_text_drops_what_xml_cannot_hold() -> None:
    assert xlsx_text("bell\x07 removed") == "bell removed"
    assert xlsx_text("tab\tand\nnew line") == "tab\tand\nnew line"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_no_cell_starts_a_formula_unless_it_is_a_plain_signed_number(value: str) -> None:
    cell = csv_cell(value)
    if cell.startswith(("=", "@", "\t", "\r")):
        pytest.fail(f"formula cell {cell!r}")
    if cell.startswith(("+", "-")):
        assert all(ch in "+-0123456789 .()" for ch in cell)
    assert cell in (value, f"'{value}")
