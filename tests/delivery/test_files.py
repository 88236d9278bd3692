"""Delivery files (core.delivery_files): the Salesforce default layout, per-program column maps
and their validation, and CSV and XLSX that a CRM imports and no spreadsheet runs as formulas."""

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from leadflow.core.delivery_files import (
    SALESFORCE_LAYOUT,
    Column,
    ColumnMapError,
    column_map_check,
    column_map_from_json,
    column_map_from_text,
    column_map_to_json,
    column_map_to_text,
    csv_bytes,
    description,
    employees,
    layout,
    table,
    xlsx_bytes,
)
from leadflow.core.spreadsheet import csv_cell

RECORD = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "phone": "+442071234567",
    "employees": 51,
    "rating": "A",
    "answers": {"budget": "approved", "timeframe_months": 5},
    "profile": {"current_environment": "Spreadsheets"},
}


def test_no_column_map_means_salesforce_s_standard_lead_fields() -> None:
    assert [column.header for column in layout(())] == [
        "FirstName",
        "LastName",
        "Title",
        "Company",
        "Email",
        "Phone",
        "Website",
        "Industry",
        "NumberOfEmployees",
        "Street",
        "City",
        "Country",
        "State",
        "PostalCode",
        "LeadSource",
        "Rating",
        "Description",
    ]
    assert layout(()) == SALESFORCE_LAYOUT


def test_a_column_map_renames_reorders_drops_and_adds_answers_and_profile() -> None:
    columns = column_map_from_text(
        """
        # HubSpot names
        email = email
        firstname = first_name
        Budget = answers.budget
        Environment = profile.current_environment
        Not answered = answers.authority
        """
    )
    assert table(columns, [RECORD]) == [["ada@example.com", "Ada", "approved", "Spreadsheets", ""]]
    assert column_map_from_text(column_map_to_text(columns)) == columns
    assert column_map_from_json(column_map_to_json(columns)) == columns


def test_a_bad_column_map_names_every_problem() -> None:
    with pytest.raises(ColumnMapError) as refused:
        column_map_from_text("Email = email\nno equals sign\nEMAIL = phone\nX = salary\n=F = email")
    assert str(refused.value).splitlines() == [
        "line 2: write it as “Header = source field”",
        "line 3: the header 'EMAIL' repeats line 1",
        "line 4: unknown source field 'salary'",
        "line 5: the header '=F' would be a spreadsheet formula",
    ]
    with pytest.raises(ColumnMapError) as refused:
        column_map_check(
            [
                Column("Email", "email"),
                Column("EMAIL", "phone"),
                Column("X", "salary"),
                Column("=cmd", "email"),
                Column(" ", "email"),
                Column("Tab\there", "answers."),
            ]
        )
    assert str(refused.value).splitlines() == [
        "column 2: the header 'EMAIL' repeats column 1",
        "column 3: unknown source field 'salary'",
        "column 4: the header '=cmd' would be a spreadsheet formula",
        "column 5: the header is empty",
        "column 6: the header 'Tab\\there' holds a control character",
        "column 6: unknown source field 'answers.'",
    ]


def test_a_stored_map_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ColumnMapError, match="list of"):
        column_map_from_json([{"header": "X"}])


@pytest.mark.parametrize(
    ("size", "number"),
    [("250", 250), ("51-200", 51), ("5000+", 5000), ("1,000-5,000", 1000), ("10 to 50", 10),
     ("about fifty", None), ("", None)],
)  # fmt: skip
def test_company_size_becomes_a_whole_number_of_employees(size: str, number: int | None) -> None:
    assert employees(size) == number


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("\tleading tab", "'\tleading tab"),
        ("+14155550100", "+14155550100"),
        ("+1 (415) 555-0100", "+1 (415) 555-0100"),
        ("-5", "-5"),
        ("Plain", "Plain"),
        (None, ""),
    ],
)
def test_csv_cells_are_never_formulas_but_phone_numbers_stay_intact(
    value: object, cell: str
) -> None:
    assert csv_cell(value) == cell


def test_csv_is_rfc_4180_utf_8_without_a_byte_order_mark() -> None:
    data = csv_bytes([Column("Name", "n"), Column("Note", "x")], [["Zoë", 'says "hi", twice']])
    assert data == 'Name,Note\r\nZoë,"says ""hi"", twice"\r\n'.encode()


def test_xlsx_keeps_text_as_text_and_numbers_as_numbers() -> None:
    data = xlsx_bytes(
        [Column("Company", "company"), Column("Employees", "employees"), Column("Ok", "x")],
        [["=1+1", 51, "bell\x07 removed"]],
    )
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Company", "Employees", "Ok"],
        ["=1+1", 51, "bell removed"],
    ]
    assert sheet["A2"].data_type == "s"
    assert sheet.title == "Leads"


def test_the_description_explains_the_qualification() -> None:
    text = description(
        {
            "rating": "Hot",
            "stage": "Qualified opportunity",
            "score": 85.0,
            "bant": ["budget", "authority", "need", "timeframe"],
            "answers": {
                "budget": "approved",
                "authority": "decision_maker",
                "timeframe_months": 2,
            },
            "inquiry_type": "Demo request",
            "campaign": "EVT-1",
        }
    )
    assert text == (
        "Rating Hot, stage Qualified opportunity, score 85. "
        "BANT met: budget, authority, need, timeframe. "
        "Answers: Budget: approved; Authority: decision maker; "
        "Decision time frame (months): 2. "
        "Inquiry: Demo request. Campaign: EVT-1."
    )


text_values = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@given(st.lists(st.lists(text_values, min_size=2, max_size=2), max_size=5))
def test_no_csv_cell_starts_a_formula_unless_it_is_a_plain_signed_number(
    rows: list[list[str]],
) -> None:
    import csv as csv_module

    data = csv_bytes([Column("A", "a"), Column("B", "b")], rows).decode()
    parsed = list(csv_module.reader(io.StringIO(data, newline="")))
    for row in parsed[1:]:
        for cell in row:
            if cell.startswith(("=", "@", "\t", "\r")):
                pytest.fail(f"formula cell {cell!r}")
            if cell.startswith(("+", "-")):
                assert all(ch in "+-0123456789 .()" for ch in cell)
