"""REST API v1 for the reports (issue 16, item 6; docs/REPORTS.md, "API and CLI"):
``GET /api/v1/reports/{name}?program=SLUG&from=YYYY-MM-DD&to=YYYY-MM-DD&by=…``.

A BI tool pulls the same figures the dashboards and ``leadflow report`` show: the handler
parses the query, runs the report through ``services.run.report_run`` (scope, catch-up
refresh, the selector) and answers with ``report_json``, the one serialisation the CLI prints
too. A report the caller's role does not read, or a program outside its scope (or outside a
narrowed token's programs), is 404; a bad date, period or breakdown is 422 naming the query
field.
"""

import json
import re
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import ValidationError
from ninja.params import P, PathEx
from pydantic import BeforeValidator, Field

from leadflow.accounts.models import User
from leadflow.api.auth import Caller, caller
from leadflow.api.schemas import ERRORS
from leadflow.core.errors import InputError
from leadflow.core.reports import FUNNEL_STEPS
from leadflow.programs.models import Program
from leadflow.reports.selectors.common import REPORT_CAPABILITY, Report
from leadflow.reports.services.run import Ran, report_run

router = Router(tags=["reports"])

#: The reports by name: every report a role can be given (``REPORT_CAPABILITY``); one whose
#: selector is not registered yet is a 404 like any report out of scope.
REPORT_NAMES = list(REPORT_CAPABILITY)
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
BY_PATTERN = r"^[a-z_]*$"


#: The report's name, an enum of ``REPORT_NAMES`` in the document (a ``Literal`` made from the
#: list, which the type checker reads as the ``str`` it is).
if TYPE_CHECKING:
    ReportName = str
else:
    ReportName = PathEx[Literal[tuple(REPORT_NAMES)], P(description="The report")]


def _iso_day(value: object) -> object:
    """Only a day written YYYY-MM-DD (not a number of seconds, nor a date and time)."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]


class ReportQuery(Schema):
    program: str | None = Field(
        None,
        min_length=1,
        max_length=80,
        pattern=SLUG_PATTERN,
        description="The program's slug; without it, every program of the caller's scope",
    )
    start: Day | None = Field(
        None,
        alias="from",
        description="The first day (inclusive), in each program's client's timezone; "
        "without it, 30 days before `to`",
    )
    end: Day | None = Field(
        None,
        alias="to",
        description="The day after the last (exclusive), in each program's client's "
        "timezone; without it, today",
    )
    by: str = Field(
        "",
        max_length=40,
        pattern=BY_PATTERN,
        description="A breakdown of the report: funnel `channel`, `campaign`, "
        "`inquiry_type`, `rating`; the other reports' in docs/REPORTS.md (another is a 422)",
    )


# --- Schemas (the document of the answer; the answer itself is ``report_json``) ----------------


class ColumnOut(Schema):
    key: str = Field(description="The key of the column in each row")
    label: str = Field(description="Its heading, in plain words")
    kind: str = Field(
        description="How to read the value: `text`, `count`, `fraction` (0 to 1), `hours` "
        "(a duration), `money` (amounts by currency code as decimal strings), `note` (text "
        "beside the figures); a client shows an unknown kind as text"
    )


class FunnelRowOut(Schema):
    """One step of the funnel (of one group, with `by`: then the row also carries the
    group's value under the breakdown's name, `"channel": "web"`, and its label under
    `<by>_label`)."""

    step: Literal[tuple(FUNNEL_STEPS)] = Field(  # type: ignore[valid-type]
        description="The step; every lead of the cohort counts at `inquiry`, and a lead "
        "counts at a step when it reached it or any later one"
    )
    label: str = Field(description="The step in plain words")
    count: int = Field(ge=0, description="Leads of the cohort that reached the step")
    conversion: float | None = Field(
        ge=0,
        le=1,
        description="count ÷ the previous step's count; null at `inquiry` and after a step of 0",
    )
    won_revenue: dict[str, str] = Field(
        description="On the `won` row: the won proposals' amounts per currency "
        '(`{"USD": "12000.00"}`); empty on the other steps'
    )


class FunnelTotalsOut(Schema):
    inquiry: int
    lead: int
    opportunity: int
    qualified_opportunity: int
    approved: int
    handed_off: int
    won: int
    won_revenue: dict[str, str] = Field(description="Per currency, as on the `won` row")


class SectionOut(Schema):
    title: str = Field(description="The table's title")
    by: str | None = Field(description="The breakdown that returns this table alone")
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]
    totals: dict[str, Any]


_COMMON_DOC = {
    "program": "The program asked for (null: every program of the caller's scope)",
    "from": "The first day (inclusive)",
    "to": "The day after the last (exclusive)",
    "by": "The breakdown (null: none)",
    "columns": "The keys of the rows to show, in order, with plain-word labels",
    "sections": "The report's further tables (a dashboard's second and third), keyed by their `by`",
}


class FunnelReportOut(Schema):
    report: Literal["funnel"]
    program: str | None = Field(description=_COMMON_DOC["program"])
    start: date = Field(alias="from", description=_COMMON_DOC["from"])
    end: date = Field(alias="to", description=_COMMON_DOC["to"])
    by: str | None = Field(description=_COMMON_DOC["by"])
    columns: list[ColumnOut] = Field(description=_COMMON_DOC["columns"])
    rows: list[FunnelRowOut] = Field(
        description="The seven steps in order (with `by`: the seven steps of each group, "
        "the groups largest first)"
    )
    totals: FunnelTotalsOut = Field(description="The count at each step over the cohort")
    sections: dict[str, SectionOut] = Field(description=_COMMON_DOC["sections"])


class ReportOut(Schema):
    report: Literal[tuple(name for name in REPORT_NAMES if name != "funnel")]  # type: ignore[valid-type]
    program: str | None = Field(description=_COMMON_DOC["program"])
    start: date = Field(alias="from", description=_COMMON_DOC["from"])
    end: date = Field(alias="to", description=_COMMON_DOC["to"])
    by: str | None = Field(description=_COMMON_DOC["by"])
    columns: list[ColumnOut] = Field(description=_COMMON_DOC["columns"])
    rows: list[dict[str, Any]] = Field(
        description="One object per row, the same keys in each (every key of `columns`, "
        "and ids beside their labels): counts are integers, fractions 0 to 1, durations hours, "
        "money `{currency: decimal string}`; each report's fields are defined in "
        "docs/REPORTS.md"
    )
    totals: dict[str, Any] = Field(description="The same figures over every row")
    sections: dict[str, SectionOut] = Field(description=_COMMON_DOC["sections"])


# --- The one serialisation of a report (the API answers it, the CLI prints it) -----------------


def _columns(report: Report) -> list[dict[str, str]]:
    return [{"key": c.key, "label": c.label, "kind": c.kind} for c in report.columns]


def report_document(ran: Ran) -> dict[str, Any]:
    """The report as the API answers it: ``Report.as_json`` with its columns and its
    sections (each keyed by its breakdown, else its title)."""
    report = ran.report
    document = report.as_json(ran.program_slug)
    document["columns"] = _columns(report)
    document["sections"] = {
        (section.by or title): {
            "title": title,
            "by": section.by or None,
            "columns": _columns(section),
            "rows": section.rows,
            "totals": section.totals,
        }
        for title, section in report.sections.items()
    }
    return document


def report_json(ran: Ran) -> str:
    return json.dumps(report_document(ran), cls=DjangoJSONEncoder, ensure_ascii=False)


def report_for(
    *,
    user: User,
    name: str,
    program_slug: str | None,
    start: date | str | None,
    end: date | str | None,
    by: str,
) -> Ran:
    """The report for the API and the CLI: the same checks, the same run."""
    return report_run(
        user=user,
        name=name,
        program_slug=program_slug,
        start=start,
        end=end,
        by=by,
        today=timezone.localdate(),
    )


def _narrowed(who: Caller, slug: str | None) -> str | None:
    """The program asked for, within a narrowed token's programs: one outside them is a 404;
    without one, the token's only program, or a 422 when it has several (a report is of one
    program or of the whole scope, and the scope of such a token is only some programs)."""
    if who.program_ids is None:
        return slug
    programs = Program.objects.filter(pk__in=who.program_ids)
    if slug:
        if not programs.filter(slug=slug).exists():
            raise Program.DoesNotExist(f"no program {slug!r} for this token")
        return slug
    slugs = list(programs.values_list("slug", flat=True)[:2])
    if len(slugs) != 1:
        raise InputError("program", "this token is limited to some programs: name one")
    return slugs[0]


@router.get(
    "/reports/{name}",
    response={200: FunnelReportOut | ReportOut, **ERRORS},
    summary="A report's figures",
    by_alias=True,
    description="The figures of a report for one program (or every program of the caller's "
    "scope) over a period of days in each program's client's timezone, `from` inclusive, `to` "
    "exclusive — the same as its dashboard and `leadflow report`. Funnel: one row per step, "
    "`inquiry` to `won`, with `by` per channel, campaign, inquiry type or rating. A report the "
    "caller's role does not read, or a program outside its scope, is 404; a bad date, a "
    "period that does not end after it starts (or is longer than ten years), or a breakdown "
    "the report has not is 422 on the query field. Definitions: docs/REPORTS.md.",
)
def report_get(request: HttpRequest, name: ReportName, query: Query[ReportQuery]) -> HttpResponse:
    who = caller(request)
    try:
        slug = _narrowed(who, query.program)
        ran = report_for(
            user=who.user,
            name=name,
            program_slug=slug,
            start=query.start,
            end=query.end,
            by=query.by,
        )
    except InputError as exc:
        raise ValidationError(
            [{"loc": ["query", exc.field or "by"], "msg": str(exc), "type": "value_error"}]
        ) from exc
    return HttpResponse(report_json(ran), content_type="application/json")
