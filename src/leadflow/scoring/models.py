"""Predictive scoring: trained models, the latest prediction per lead, and the backtests of
history files.

A ``ScoringModel`` stores the core's fitted parameters as JSON (``fitted``), never pickled
objects: loading a model is ``leadflow.core.scoring`` rebuilding it from plain numbers, so a
row cannot run code when read.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class ModelKind(models.TextChoices):
    LOGISTIC = "logistic", "Logistic regression"
    BOOSTING = "boosting", "Gradient boosting"


class ScoringModel(models.Model):
    """One trained version for a client (``program`` null) or for one of its programs."""

    client = models.ForeignKey(
        "programs.Client", on_delete=models.PROTECT, related_name="scoring_models"
    )
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scoring_models",
    )
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=ModelKind.choices)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    # auc, auc_folds, brier, calibration (list of bins), positives, negatives
    metrics = models.JSONField(default=dict)
    features = models.JSONField(default=list)
    # The core's fitted parameters as plain JSON (see docs/SCORING.md); never pickle.
    fitted = models.JSONField(default=dict)
    active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            # One version sequence and at most one active model per client (program null)
            # and per program; two partial constraints because NULLs are distinct in SQL.
            models.UniqueConstraint(
                fields=["program", "version"],
                condition=Q(program__isnull=False),
                name="scoring_model_program_version",
            ),
            models.UniqueConstraint(
                fields=["client", "version"],
                condition=Q(program__isnull=True),
                name="scoring_model_client_version",
            ),
            models.UniqueConstraint(
                fields=["program"],
                condition=Q(active=True, program__isnull=False),
                name="scoring_model_program_one_active",
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(active=True, program__isnull=True),
                name="scoring_model_client_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"Scoring model v{self.version} ({self.kind})"

    @property
    def auc_text(self) -> str:
        auc = self.metrics.get("auc")
        return f"{float(auc):.3f}" if auc is not None else "not measured"


class LeadPrediction(models.Model):
    """The latest chance of converting for one lead, with its plain-words factors."""

    lead = models.OneToOneField("leads.Lead", on_delete=models.CASCADE, related_name="prediction")
    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="predictions")
    probability = models.FloatField()
    # [{"label": "Company size 200-999", "points": 4.2}, ...] signed percentage points
    factors = models.JSONField(default=list)
    scored_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__gte=0) & Q(probability__lte=1),
                name="lead_prediction_probability_range",
            )
        ]

    def __str__(self) -> str:
        return f"Prediction {self.probability:.2f} for lead {self.lead_id}"


class BacktestStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


#: The candidate the backtest kept, in the words of ``leadflow scoring backtest``'s summary.
KIND_TEXT = {"logistic_regression": "logistic regression", "gradient_boosting": "gradient boosting"}


class Backtest(models.Model):
    """A history file a manager backtests on a program's page, run in the background (a
    100,000-row file takes longer to fit than a web request may last). The upload is kept under
    the media folder only until the run has recorded its figures or its reason, then deleted.

    ``result`` is written once, with the status, by the run: ``{"figures": metrics_json(...)
    (the command's JSON), "kind": the candidate kept, "refused": [{"column", "reason"}]}``.
    """

    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, related_name="backtests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(upload_to="backtests/", blank=True)
    original_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    outcome = models.CharField(max_length=200)
    positive = models.CharField(max_length=200, blank=True)
    excluded: models.JSONField[list[str]] = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=16, choices=BacktestStatus.choices, default=BacktestStatus.QUEUED
    )
    result: models.JSONField[dict[str, Any]] = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True, help_text="Why it failed, in plain words")
    task_id = models.CharField(
        max_length=64, blank=True, help_text="The queued run's task, to see it was given up"
    )
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["program", "-created_at"], name="backtest_program")]

    def __str__(self) -> str:
        return f"backtest #{self.pk} {self.original_name} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (BacktestStatus.DONE, BacktestStatus.FAILED)

    @property
    def figures(self) -> dict[str, Any]:
        return dict(self.result.get("figures", {}))

    @property
    def kind_text(self) -> str:
        kind = str(self.result.get("kind", ""))
        return KIND_TEXT.get(kind, kind)
