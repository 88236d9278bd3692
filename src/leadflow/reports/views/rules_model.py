"""The "rules vs model" page (issue 19): per program in scope, the AUC and lift of the rule
score and of the model on the last 90 days of outcomes, a sentence saying which to trust, and
two charts drawn by the reports' charts (vendored ECharts) with their numbers in the table."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from leadflow.accounts.permissions import request_user
from leadflow.programs.models import Program
from leadflow.reports.selectors.common import report_scope
from leadflow.reports.selectors.rules_model import (
    SCOPE_OF,
    WINDOW_DAYS,
    ProgramComparison,
    RulesVsModel,
    rules_vs_model_report,
)

TITLE = "Rules vs model"


def _figure(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _charts(report: RulesVsModel) -> list[dict[str, Any]]:
    """The AUC and the lift of the programs with enough outcomes, rules beside the model."""
    compared = [row for row in report.rows if row.comparison.enough]
    if not compared:
        return []
    names = [row.program.name for row in compared]

    def chart(key: str, label: str, digits: int) -> dict[str, Any]:
        return {
            "id": f"chart-{key}",
            "categories": names,
            "x_label": "Program",
            "y_label": label,
            "percent": False,
            "series": [
                {
                    "name": "Rule score",
                    "data": [
                        _figure(getattr(row.comparison.rules, key), digits) for row in compared
                    ],
                },
                {
                    "name": "Model",
                    "data": [
                        _figure(getattr(row.comparison.model, key), digits) for row in compared
                    ],
                },
            ],
        }

    return [
        chart("auc", "AUC (0.5 is chance)", 2),
        chart("lift", "Lift of the top tenth (1 is random)", 1),
    ]


@login_required
@require_GET
def rules_vs_model_page(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    program_slug = request.GET.get("program", "")[:80] or None
    try:
        report = rules_vs_model_report(user=user, program_slug=program_slug, now=timezone.now())
        programs = report_scope(user=user, name=SCOPE_OF, program_slug=None).programs
    except Program.DoesNotExist as exc:
        raise Http404(str(exc)) from exc
    rows: list[ProgramComparison] = report.rows
    return render(
        request,
        "reports/rules_model.html",
        {
            "title": TITLE,
            "report": report,
            "rows": rows,
            "programs": programs,
            "program_slug": program_slug or "",
            "window_days": WINDOW_DAYS,
            "charts": _charts(report),
        },
    )
