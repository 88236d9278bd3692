from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for trying LeadFlow out: `leadflow demo` and `make run` load it."""

    name = "leadflow.demo"
    label = "demo"
