"""The Scoring pages for managers (issue 19, items 2, 4 and 6): each program's models with
their figures, calibration and factors, the AUC on recent outcomes by month, the buttons to
train now, switch on or off and restore, and the backtest of a history file.

Who may do what (``accounts.permissions``): managers and admins hold ``scoring.manage``; the
page of a program outside one's scope, or of a model of another client, is 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from leadflow.accounts.permissions import Capability, capability_required, request_user
from leadflow.core.scoring import ScoringError
from leadflow.programs.models import Program
from leadflow.scoring import conf
from leadflow.scoring.forms import BacktestForm
from leadflow.scoring.labels import NEGATIVE_TEXT, POSITIVE_TEXT
from leadflow.scoring.models import ScoringModel as StoredModel
from leadflow.scoring.selectors import (
    ModelStatus,
    backtest_get,
    backtest_list,
    model_status,
    scoring_model_get,
    scoring_page,
    scoring_program_get,
    scoring_programs,
)
from leadflow.scoring.services.backtests import (
    backtest_check,
    backtest_create,
    backtest_enqueue,
)
from leadflow.scoring.services.training import model_restore, model_switch

manage_required = capability_required(Capability.SCORING_MANAGE, hidden=True)


@require_http_methods(["GET"])
@manage_required
def scoring_index(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    rows = [(program, model_status(program=program)) for program in scoring_programs(user=user)]
    return render(request, "scoring/index.html", {"rows": rows})


def _chart(model: StoredModel | None) -> list[dict[str, Any]]:
    if model is None:
        return []
    charts = [_reliability("reliability-chart", model.metrics.get("calibration", []))]
    months = [month for month in model.metrics.get("monitoring", []) if month["auc"] is not None]
    if months:
        charts.append(
            {
                "id": "monitoring-chart",
                "kind": "monitoring",
                "months": [month["month"] for month in months],
                "auc": [month["auc"] for month in months],
                "training": round(float(model.metrics["auc"]), 4),
            }
        )
    return charts


def _labelled(model: StoredModel | None) -> list[dict[str, Any]]:
    """The model's features by importance, each named in plain words ("Source")."""
    if model is None:
        return []
    labels = {feature["name"]: feature["label"] for feature in model.features}
    return [
        {"feature": labels.get(item["feature"], item["feature"]), "importance": item["importance"]}
        for item in model.metrics.get("top_features", [])
    ]


def _reliability(element: str, bins: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": element,
        "kind": "reliability",
        "points": [
            [round(100 * row["predicted"], 1), round(100 * row["observed"], 1), row["count"]]
            for row in bins
        ],
    }


@require_http_methods(["GET"])
@manage_required
def scoring_program(request: HttpRequest, slug: str) -> HttpResponse:
    program = scoring_program_get(user=request_user(request), slug=slug)
    scopes = scoring_page(program=program)
    own, client = scopes
    active = own.active or client.active
    status = ModelStatus(
        model=active,
        enough_history=own.enough_history or client.enough_history,
        positives=own.positives,
        negatives=own.negatives,
        min_positives=conf.min_positives(),
        min_negatives=conf.min_negatives(),
    )
    shown = next((scope.shown for scope in scopes if scope.shown is not None), None)
    return render(
        request,
        "scoring/program.html",
        {
            "program": program,
            "scopes": scopes,
            "status": status,
            "shown": shown,
            "charts": _chart(shown),
            "factors": _labelled(shown),
            "positive_text": POSITIVE_TEXT,
            "negative_text": NEGATIVE_TEXT,
        },
    )


@require_POST
@manage_required
def scoring_train_now(request: HttpRequest, slug: str) -> HttpResponse:
    from leadflow.scoring.tasks import model_train_task

    program = scoring_program_get(user=request_user(request), slug=slug)
    model_train_task.enqueue(client_id=program.client_id, program_id=program.pk)
    messages.success(
        request,
        "Training queued: the client's model, and this program's own when it has enough "
        "outcomes. Reload this page in a minute.",
    )
    return redirect("scoring:program", slug=program.slug)


@require_POST
@manage_required
def scoring_switch(request: HttpRequest, slug: str, model_id: int) -> HttpResponse:
    program = scoring_program_get(user=request_user(request), slug=slug)
    model = scoring_model_get(program=program, model_id=model_id)
    on = request.POST.get("on") == "1"
    model_switch(model=model, on=on, now=timezone.now())
    word = "on" if on else "off"
    messages.success(request, f"Version {model.version} switched {word}; leads are re-scored.")
    return redirect("scoring:program", slug=program.slug)


@require_POST
@manage_required
def scoring_restore(request: HttpRequest, slug: str) -> HttpResponse:
    program = scoring_program_get(user=request_user(request), slug=slug)
    program_id = program.pk if request.POST.get("scope") == "program" else None
    model = model_restore(client_id=program.client_id, program_id=program_id, now=timezone.now())
    messages.success(request, f"Version {model.version} restored and switched on.")
    return redirect("scoring:program", slug=program.slug)


@require_http_methods(["GET", "POST"])
@manage_required
def scoring_backtest(request: HttpRequest, slug: str) -> HttpResponse:
    """The upload form and the program's recent backtests. A posted file is stored and its run
    queued (a large history takes longer to fit than a request may last); the browser goes to
    the backtest's page, which follows the run."""
    user = request_user(request)
    program: Program = scoring_program_get(user=user, slug=slug)
    form = BacktestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            backtest = backtest_create(
                program=program,
                requested_by=user,
                upload=form.cleaned_data["file"],
                outcome=form.cleaned_data["outcome"],
                positive=form.cleaned_data["positive"],
                excluded=form.excluded(),
                now=timezone.now(),
            )
        except ScoringError as exc:
            form.add_error(None, f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
        else:
            backtest_enqueue(backtest=backtest)
            return redirect("scoring:backtest_detail", slug=program.slug, backtest_id=backtest.pk)
    return render(
        request,
        "scoring/backtest.html",
        {"program": program, "form": form, "backtests": backtest_list(program=program)},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET"])
@manage_required
def scoring_backtest_detail(request: HttpRequest, slug: str, backtest_id: int) -> HttpResponse:
    """A backtest's page: "running…" while it runs (its section asks again every 2 seconds,
    htmx), then the figures as the command gives them, or the reason it failed (also when
    the task queue gave its run up)."""
    program = scoring_program_get(user=request_user(request), slug=slug)
    backtest = backtest_get(program=program, backtest_id=backtest_id)
    backtest = backtest_check(backtest=backtest, now=timezone.now())
    figures = backtest.figures
    context = {
        "program": program,
        "backtest": backtest,
        "figures": figures,
        "charts": [_reliability("reliability-chart", figures["calibration"])] if figures else [],
    }
    if request.headers.get("HX-Request"):
        return render(request, "scoring/_backtest_result.html", context)
    return render(request, "scoring/backtest_detail.html", context)
