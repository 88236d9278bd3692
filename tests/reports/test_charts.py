"""What a table's chart draws (``reports.views.tables.chart_of``): drawn from the columns alone."""

from datetime import date

from leadflow.core.reports import Period
from leadflow.reports.selectors.common import Column, Report
from leadflow.reports.views.tables import chart_of

MONTHS = Period(date(2026, 9, 1), date(2026, 11, 1))
COLUMNS = [
    Column("program_label", "Program", "text"),
    Column("period_label", "Guarantee period", "text"),
    Column("promised", "Valid leads promised"),
    Column("delivered", "Delivered"),
]


def table(rows: list[dict[str, object]]) -> Report:
    return Report("deliverables", [], MONTHS, "", COLUMNS, rows, {})


def test_one_programs_periods_show_every_figure_per_period() -> None:
    chart = chart_of(
        "Deliverables",
        table(
            [
                {
                    "program_label": "Contoso",
                    "period_label": "September",
                    "promised": 50,
                    "delivered": 41,
                },
                {
                    "program_label": "Contoso",
                    "period_label": "October",
                    "promised": 50,
                    "delivered": 55,
                },
            ]
        ),
        {},
        [COLUMNS[0], COLUMNS[1]],
    )
    assert chart is not None
    assert chart["categories"] == ["September", "October"]
    assert [(s["name"], s["data"]) for s in chart["series"]] == [
        ("Valid leads promised", [50, 50]),
        ("Delivered", [41, 55]),
    ]


def test_several_programs_are_the_series_of_the_first_figure() -> None:
    chart = chart_of(
        "Deliverables",
        table(
            [
                {
                    "program_label": "Contoso",
                    "period_label": "October",
                    "promised": 50,
                    "delivered": 55,
                },
                {
                    "program_label": "Fabrikam",
                    "period_label": "October",
                    "promised": 20,
                    "delivered": 9,
                },
            ]
        ),
        {},
        [COLUMNS[0], COLUMNS[1]],
    )
    assert chart is not None
    assert chart["categories"] == ["October"]
    assert [(s["name"], s["data"]) for s in chart["series"]] == [
        ("Contoso", [50]),
        ("Fabrikam", [20]),
    ]
