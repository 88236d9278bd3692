from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operational commands: running the web app with its worker."""

    name = "leadflow.ops"
    label = "ops"
