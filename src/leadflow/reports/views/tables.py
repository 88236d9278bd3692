"""A report's tables as a dashboard shows them: each figure beside the previous period's, and
one chart per table, drawn from the columns alone (so a new report needs no page code).

The chart of a table: its text columns name the bars, its numbers of the first number kind
are their heights (a column with ``chart`` off stays in the table only). One text column: one
bar per row, the previous period beside this one when there is one measure (the funnel's
steps), else one series per measure (median and 90th percentile). Two text columns (a
breakdown): one series per group of the first, bars by the second. Fractions are drawn as
percentages.
"""

from dataclasses import dataclass
from typing import Any

from leadflow.reports.exports import money_text, plain_label
from leadflow.reports.selectors.common import Column, Report

NUMBER_KINDS = ("count", "fraction", "hours")
#: Series a breakdown's chart draws at most (the largest groups come first).
MOST_GROUPS = 8
UNITS = {"count": "Count", "fraction": "Share (%)", "hours": "Hours"}


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    number: bool = False
    was: str = ""
    change: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    section: str
    headings: list[Column]
    rows: list[list[Cell]]
    chart: dict[str, Any] | None


def shown(value: Any, kind: str) -> str:
    if value is None or value == "":
        return "—"
    if kind == "money":
        return money_text(value) or "—"
    if kind == "count" and isinstance(value, int | float):
        return f"{value:,}"
    if kind == "fraction" and isinstance(value, int | float):
        return f"{value * 100:.1f} %"
    if kind == "hours" and isinstance(value, int | float):
        return f"{value:,.1f} h"
    return str(value)


def _change(now: Any, before: Any, kind: str) -> str:
    if not isinstance(now, int | float) or not isinstance(before, int | float):
        return ""
    difference = now - before
    if abs(difference) < 1e-9:
        return "no change"
    sign = "+" if difference > 0 else "-"
    if kind == "fraction":
        return f"{sign}{abs(difference) * 100:.1f} points"
    if kind == "hours":
        return f"{sign}{abs(difference):,.1f} h"
    if before:
        return f"{sign}{abs(difference):,} ({sign}{abs(difference) / before * 100:.0f} %)"
    return f"{sign}{abs(difference):,}"


def _texts(table: Report) -> list[Column]:
    return [column for column in table.columns if column.kind == "text"]


def _identity(row: dict[str, Any], texts: list[Column]) -> tuple[Any, ...]:
    return tuple(row.get(column.key) for column in texts)


def table_shown(title: str, section: str, now: Report, before: Report | None) -> Table:
    """A table with each number beside the previous period's (``before``) and the change."""
    texts = _texts(now)
    earlier = {_identity(row, texts): row for row in before.rows} if before else {}
    rows = []
    for row in now.rows:
        previous = earlier.get(_identity(row, texts))
        cells = []
        for column in now.columns:
            if column.kind == "text":
                cells.append(Cell(shown(plain_label(row, column), "text")))
                continue
            value = row.get(column.key)
            was = previous.get(column.key) if previous else None
            cells.append(
                Cell(
                    shown(value, column.kind),
                    number=True,
                    was=shown(was, column.kind) if before is not None else "",
                    change=_change(value, was, column.kind),
                )
            )
        rows.append(cells)
    return Table(title, section, now.columns, rows, chart_of(title, now, earlier, texts))


def _height(value: Any, kind: str) -> float | None:
    if not isinstance(value, int | float):
        return None
    return round(value * 100, 1) if kind == "fraction" else value


def chart_of(
    title: str,
    table: Report,
    earlier: dict[tuple[Any, ...], dict[str, Any]],
    texts: list[Column],
) -> dict[str, Any] | None:
    """What the chart script draws: categories, series of heights, the axes' labels."""
    numbers = [column for column in table.columns if column.kind in NUMBER_KINDS and column.chart]
    if not texts or not numbers or not table.rows:
        return None
    kind = numbers[0].kind
    measures = [column for column in numbers if column.kind == kind]
    series: list[dict[str, Any]]
    # One program's guarantee periods: a bar of every figure per period, not one program's.
    single = len({str(plain_label(row, texts[0])) for row in table.rows}) == 1 if texts else False
    if len(texts) > 1 and len(measures) > 1 and single:
        texts = texts[1:2]
    if len(texts) == 1:
        categories = [str(plain_label(row, texts[0])) for row in table.rows]
        if len(measures) == 1:
            measure = measures[0]
            series = [
                {
                    "name": "This period",
                    "data": [_height(row.get(measure.key), kind) for row in table.rows],
                }
            ]
            if earlier:
                series.append(
                    {
                        "name": "Previous period",
                        "data": [
                            _height(earlier.get(_identity(row, texts), {}).get(measure.key), kind)
                            for row in table.rows
                        ],
                    }
                )
        else:
            series = [
                {
                    "name": measure.label,
                    "data": [_height(row.get(measure.key), kind) for row in table.rows],
                }
                for measure in measures
            ]
    else:
        group, bar = texts[0], texts[1]
        categories = list(dict.fromkeys(str(plain_label(row, bar)) for row in table.rows))
        groups = list(dict.fromkeys(str(plain_label(row, group)) for row in table.rows))
        heights: dict[tuple[str, str], float | None] = {
            (str(plain_label(row, group)), str(plain_label(row, bar))): _height(
                row.get(measures[0].key), kind
            )
            for row in table.rows
        }
        series = [
            {"name": name, "data": [heights.get((name, category)) for category in categories]}
            for name in groups[:MOST_GROUPS]
        ]
    return {
        "title": title,
        "categories": categories,
        "series": series,
        "x_label": texts[-1].label if len(texts) > 1 else texts[0].label,
        "y_label": measures[0].label if len(measures) == 1 else UNITS[kind],
        "percent": kind == "fraction",
    }
