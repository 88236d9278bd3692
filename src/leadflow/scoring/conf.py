"""Scoring settings, each overridable in Django settings (defaults here, none required)."""

from django.conf import settings


def min_positives() -> int:
    return int(getattr(settings, "LEADFLOW_SCORING_MIN_POSITIVES", 50))


def min_negatives() -> int:
    return int(getattr(settings, "LEADFLOW_SCORING_MIN_NEGATIVES", 50))


def auc_alert_margin() -> float:
    """How far (AUC points) recent outcomes may fall below training before managers are alerted."""
    return float(getattr(settings, "LEADFLOW_SCORING_AUC_ALERT_MARGIN", 0.05))


def dispute_window_days() -> int:
    """For delivery programs: a delivered lead kept this long without an upheld dispute is won."""
    return int(getattr(settings, "LEADFLOW_SCORING_DISPUTE_WINDOW_DAYS", 30))
