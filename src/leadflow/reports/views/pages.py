"""The dashboards (docs/REPORTS.md, "Pages and exports"): ``/reports/`` lists the reports the
user reads; ``/reports/<name>/`` shows one for a program (or all of the user's) and a period,
beside the previous period, a chart per table with its numbers one click away, and each table's
CSV and XLSX. Every figure comes from ``services.run.report_run``, as for the API and the CLI;
a report the user does not read, or a program outside their scope, is 404."""

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from leadflow.accounts.permissions import request_user, user_can
from leadflow.core.errors import InputError
from leadflow.programs.models import Program
from leadflow.reports.exports import report_csv, report_table, report_xlsx
from leadflow.reports.selectors.common import (
    REPORT_CAPABILITY,
    REPORT_TITLES,
    report_scope,
)
from leadflow.reports.selectors.registry import REPORTS
from leadflow.reports.services.run import Ran, report_run
from leadflow.reports.views.query import PRESETS, Query, breakdowns, counted, query_read
from leadflow.reports.views.tables import table_shown

DESCRIPTIONS: dict[str, str] = {
    "funnel": "Inquiries to won deals, step by step, by channel, campaign, inquiry type and "
    "rating, with the won revenue.",
    "qualifying": "Leads and calls per qualifier, time to first call and to review, QA "
    "approval and push-backs, time in each stage.",
    "deliverables": "Leads delivered against the guarantee, Hot-lead delivery times, disputes "
    "and replacements.",
    "partners": "Each partner's service levels (claimed, contacted and followed up on time), "
    "declines and conversion to won.",
    "nurture": "Responses per sequence and touch, leads qualified again, unsubscribes.",
}


@login_required
@require_GET
def report_index(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    readable = [
        {
            "name": name,
            "title": REPORT_TITLES.get(name, name),
            "description": DESCRIPTIONS.get(name, ""),
        }
        for name in REPORTS
        if user_can(user, REPORT_CAPABILITY[name])
    ]
    # Rules vs model (its own page, views/rules_model.py) is read by the funnel's readers.
    rules_vs_model = user_can(user, REPORT_CAPABILITY["funnel"])
    return render(
        request, "reports/index.html", {"reports": readable, "rules_vs_model": rules_vs_model}
    )


def _run(request: HttpRequest, name: str, query: Query, today: date) -> Ran:
    try:
        return report_run(
            user=request_user(request),
            name=name,
            program_slug=query.program,
            start=query.start,
            end=query.end,
            by=query.by,
            today=today,
        )
    except Program.DoesNotExist as exc:
        raise Http404(str(exc)) from exc


def _last_day(end: date) -> date:
    return end - timedelta(days=1)


@login_required
@require_GET
def report_page(request: HttpRequest, name: str) -> HttpResponse:
    user = request_user(request)
    if name not in REPORTS:
        raise Http404("no such report")
    try:
        scope = report_scope(user=user, name=name, program_slug=None)
    except Program.DoesNotExist as exc:
        raise Http404(str(exc)) from exc
    today = timezone.localdate()
    query = query_read(request.GET, today)
    choices = breakdowns(name)
    context: dict[str, Any] = {
        "name": name,
        "title": REPORT_TITLES.get(name, name),
        "description": DESCRIPTIONS.get(name, ""),
        "programs": scope.programs,
        "presets": PRESETS,
        "breakdowns": choices,
        "query": query,
    }
    try:
        ran = _run(request, name, query, today)
    except InputError as exc:
        context["error"] = {"field": exc.field, "message": str(exc)}
        return render(request, "reports/report.html", context, status=400)
    period = ran.report.period
    previous = period.previous()
    earlier = _run(
        request,
        name,
        Query(
            query.program, "custom", previous.start.isoformat(), previous.end.isoformat(), query.by
        ),
        today,
    ).report
    heading = context["title"] + (f" by {choices[query.by].lower()}" if query.by in choices else "")
    tables = [table_shown(heading, "", ran.report, earlier)]
    for title, section in ran.report.sections.items():
        tables.append(table_shown(title, title, section, earlier.sections.get(title)))
    charts = [
        dict(table.chart, id=f"chart-{number}")
        for number, table in enumerate(tables)
        if table.chart
    ]
    context.update(
        {
            "tables": tables,
            "charts": charts,
            "first_day": period.start,
            "last_day": _last_day(period.end),
            "previous_first": previous.start,
            "previous_last": _last_day(previous.end),
            "export_query": query.as_query(),
            "program_names": ", ".join(program.name for program in ran.scope.programs),
            "counted": counted(name),
        }
    )
    return render(request, "reports/report.html", context)


@login_required
@require_GET
def report_export(request: HttpRequest, name: str, file_format: str) -> HttpResponse:
    """One table of the page (``section``: a section's title; none: the report's own) as a
    file; bad dates are a 400 with the message (the error middleware)."""
    if name not in REPORTS or file_format not in ("csv", "xlsx"):
        raise Http404("no such report")
    today = timezone.localdate()
    ran = _run(request, name, query_read(request.GET, today), today)
    section = request.GET.get("section", "")
    try:
        table = report_table(ran.report, section)
    except KeyError as exc:
        raise Http404("no such table") from exc
    period = ran.report.period
    stem = "-".join(
        part
        for part in (
            name,
            slugify(section),
            ran.program_slug or "",
            period.start.isoformat(),
            _last_day(period.end).isoformat(),
        )
        if part
    )
    if file_format == "csv":
        response = HttpResponse(report_csv(table), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            report_xlsx(table, sheet=section or REPORT_TITLES.get(name, name)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{stem}.{file_format}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
