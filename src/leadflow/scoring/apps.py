from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "leadflow.scoring"
    label = "scoring"
    verbose_name = "Predictive scoring"
