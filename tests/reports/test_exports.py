"""A dashboard's tables as files: the CSV and the XLSX hold the report's rows (the same
figures as ``report_run`` gives the API and the CLI), headed by the columns' labels, in plain
words; out of scope is 404, bad dates 400 (docs/REPORTS.md, "Pages and exports")."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from leadflow.programs.models import Program
from leadflow.reports.exports import money_text
from leadflow.reports.services.run import report_run
from tests.factories import Team
from tests.reports.test_pages import APRIL, april_history, browser_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_http")]

STEPS = [
    "Inquiry",
    "Lead",
    "Opportunity",
    "Qualified opportunity",
    "Approved by QA",
    "Handed off",
    "Won",
]


@pytest.fixture
def history(program: Program) -> None:
    april_history(program)


def blank(value: object) -> object:
    """An empty cell, however the file holds it."""
    return None if value in (None, "") else value


def expected_rows(team: Team, by: str = "") -> list[list[object]]:
    """The report's own rows, as the API gives them, in the columns' order."""
    ran = report_run(
        user=team.manager,
        name="funnel",
        program_slug=None,
        start="2026-04-01",
        end="2026-05-01",
        by=by,
        today=date(2026, 5, 2),
    )
    return [
        [row.get(f"{by}_label", row["label"])] * bool(by)
        + [row["label"], row["count"], row["conversion"], money_text(row["won_revenue"])]
        for row in ran.report.rows
    ]


def test_the_csv_holds_the_funnel_rows_under_the_column_labels(history: None, team: Team):
    response = browser_for(team.manager).get(f"/reports/funnel/export.csv?{APRIL}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="funnel-2026-04-01-2026-04-30.csv"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == ["Step", "Leads", "From the previous step", "Won revenue"]
    assert [row[0] for row in rows] == STEPS
    assert [int(row[1]) for row in rows] == [2, 1, 1, 1, 1, 1, 0]
    assert rows == [
        [str(value) if value is not None else "" for value in row] for row in expected_rows(team)
    ]


def test_the_xlsx_holds_the_same_rows_with_numbers_as_numbers(history: None, team: Team):
    response = browser_for(team.manager).get(f"/reports/funnel/export.xlsx?{APRIL}")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = book.active
    assert sheet is not None
    assert sheet.title == "Funnel"
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header == ["Step", "Leads", "From the previous step", "Won revenue"]
    assert [[blank(value) for value in row] for row in rows] == [
        [blank(value) for value in row] for row in expected_rows(team)
    ]
    assert rows[1][1] == 1
    assert rows[1][2] == 0.5


def test_a_breakdown_exports_its_groups_in_plain_words(history: None, team: Team):
    response = browser_for(team.manager).get(f"/reports/funnel/export.csv?{APRIL}&by=channel")
    header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert header[:2] == ["Channel", "Step"]
    assert {row[0] for row in rows} == {"Web", "Event"}
    assert len(rows) == 14
    assert rows == [
        [str(value) if value is not None else "" for value in row]
        for row in expected_rows(team, "channel")
    ]


def test_exports_outside_the_scope_or_with_bad_dates_are_refused(
    history: None, team: Team, other_program: Program
):
    http = browser_for(team.manager)
    assert http.get(f"/reports/funnel/export.csv?program={other_program.slug}").status_code == 404
    assert http.get("/reports/funnel/export.pdf").status_code == 404
    assert http.get(f"/reports/funnel/export.csv?{APRIL}&section=Nothing").status_code == 404
    assert http.get("/reports/funnel/export.csv?from=yesterday").status_code == 400
    assert browser_for(team.qualifier).get("/reports/funnel/export.csv").status_code == 404
