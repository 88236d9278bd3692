"""What a dashboard is asked for: program, period and breakdown, read from the query string
the page and its exports share (``?program=SLUG&period=this_month&from=&to=&by=``).

A period preset is turned into ``from``/``to`` days here (today in the site's timezone);
``custom`` (or no preset with dates given) takes the dates as typed. The report itself checks
the dates (``period_parse``) and the breakdown, so a bad one is the same message everywhere.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from importlib import import_module
from urllib.parse import urlencode

from django.http import QueryDict

from leadflow.reports.selectors.registry import REPORTS

PRESETS: dict[str, str] = {
    "last_30_days": "Last 30 days",
    "this_month": "This month",
    "last_month": "Last month",
    "this_quarter": "This quarter",
    "last_quarter": "Last quarter",
    "this_year": "This year",
    "custom": "Custom dates",
}


@dataclass(frozen=True, slots=True)
class Query:
    program: str
    preset: str
    start: str
    end: str
    by: str

    def as_query(self) -> str:
        """The query string of this page's exports and links (the same figures)."""
        values = {"program": self.program, "from": self.start, "to": self.end, "by": self.by}
        return urlencode({key: value for key, value in values.items() if value})


def _month(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def preset_days(preset: str, today: date) -> tuple[date, date]:
    """A preset's first day and the day after its last: whole calendar months, quarters and
    years (so the previous period is the month, quarter or year before)."""
    month = today.replace(day=1)
    quarter = _month(month, -((today.month - 1) % 3))
    year = today.replace(month=1, day=1)
    return {
        "this_month": (month, _month(month, 1)),
        "last_month": (_month(month, -1), month),
        "this_quarter": (quarter, _month(quarter, 3)),
        "last_quarter": (_month(quarter, -3), quarter),
        "this_year": (year, year.replace(year=year.year + 1)),
    }.get(preset, (today - timedelta(days=30), today))


def query_read(data: QueryDict, today: date) -> Query:
    """The query of a request; without anything, the last 30 days of every program."""
    start, end = data.get("from", "").strip(), data.get("to", "").strip()
    preset = data.get("period", "")
    if preset not in PRESETS:
        preset = "custom" if start or end else "last_30_days"
    if preset != "custom":
        first, last = preset_days(preset, today)
        start, end = first.isoformat(), last.isoformat()
    return Query(
        program=data.get("program", "").strip(),
        preset=preset,
        start=start,
        end=end,
        by=data.get("by", "").strip(),
    )


def counted(name: str) -> str:
    """What a report counts in its period, for the page's period line: its selector module's
    ``COUNTED`` (the leads created in the period, when it has none)."""
    return str(getattr(import_module(REPORTS[name].__module__), "COUNTED", "leads created"))


def breakdowns(name: str) -> dict[str, str]:
    """The breakdowns a report offers, ``by`` → plain words: its selector module's
    ``BREAKDOWNS`` (none when it has no such table)."""
    module = import_module(REPORTS[name].__module__)
    keys = getattr(module, "BREAKDOWNS", {})
    return {key: key.replace("_", " ").capitalize() for key in keys}
