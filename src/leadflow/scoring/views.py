"""The Scoring pages for managers (issue 19, items 2, 4 and 6): each program's models with
their figures, calibration and factors, the AUC on recent outcomes by month, the buttons to
train now, switch on or off and restore, and the backtest of a history file.

Who may do what (``accounts.permissions``): managers and admins hold ``scoring.manage``; the
page of a program outside one's scope, or of a model of another client, is 404.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from leadflow.accounts.permissions import Capability, capability_required, request_user
from leadflow.core.scoring import (
    Schema,
    ScoringError,
    ScoringModel,
    Settings,
    metrics_json,
    model_train,
)
from leadflow.programs.models import Program
from leadflow.scoring import conf
from leadflow.scoring.forms import BacktestForm
from leadflow.scoring.labels import NEGATIVE_TEXT, POSITIVE_TEXT
from leadflow.scoring.models import ScoringModel as StoredModel
from leadflow.scoring.selectors import (
    ModelStatus,
    model_status,
    scoring_model_get,
    scoring_page,
    scoring_program_get,
    scoring_programs,
)
from leadflow.scoring.services.training import model_restore, model_switch

log = logging.getLogger(__name__)

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


def backtest_run(form: BacktestForm, upload: Any) -> ScoringModel:
    """The same backtest as ``leadflow scoring backtest``, on an uploaded file (default folds
    and seed). Raises ScoringError in plain words."""
    from leadflow.imports.services.jobs import import_max_bytes
    from leadflow.scoring.files import history_file_read

    if upload.size > import_max_bytes():
        raise ScoringError(
            f"the file is larger than the import limit of {import_max_bytes() // 1_000_000} MB"
        )
    suffix = Path(upload.name or "history").suffix.lower()
    suffix = suffix if suffix in (".csv", ".xlsx") else ""
    with tempfile.TemporaryDirectory(prefix="leadflow-backtest-") as folder:
        path = Path(folder) / f"history{suffix}"
        with path.open("wb") as target:
            for chunk in upload.chunks():
                target.write(chunk)
        excluded = form.excluded()
        history = history_file_read(
            path,
            outcome=form.cleaned_data["outcome"].strip(),
            positive=form.cleaned_data["positive"].strip() or None,
            excluded=excluded,
        )
    return model_train(
        history.records,
        history.outcomes,
        schema=Schema(excluded=frozenset(excluded)),
        settings=Settings(),
        outcome_column=form.cleaned_data["outcome"].strip(),
    )


@require_http_methods(["GET", "POST"])
@manage_required
def scoring_backtest(request: HttpRequest, slug: str) -> HttpResponse:
    program: Program = scoring_program_get(user=request_user(request), slug=slug)
    form = BacktestForm(request.POST or None, request.FILES or None)
    result: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                upload = form.cleaned_data["file"]
                model = backtest_run(form, upload)
            except ScoringError as exc:
                form.add_error(None, _sentence(str(exc)))
            except Exception:  # a hostile file must end in a message, never a 500
                log.exception("backtest of an uploaded file failed")
                form.add_error(None, "This file cannot be read as a CSV or XLSX history.")
            else:
                result = {
                    "figures": metrics_json(model.metrics),
                    "kind": model.kind,
                    "refused": model.plan.refused,
                    "name": upload.name,
                }
        if result is None:
            status = 400
    charts = [_reliability("reliability-chart", result["figures"]["calibration"])] if result else []
    return render(
        request,
        "scoring/backtest.html",
        {"program": program, "form": form, "result": result, "charts": charts},
        status=status,
    )


def _sentence(text: str) -> str:
    text = text.strip()
    head, _, rest = text.partition(": ")
    if rest and head.startswith(tempfile.gettempdir()):  # the reader names the stored copy
        text = rest
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
