from django.apps import AppConfig


class NurtureConfig(AppConfig):
    name = "leadflow.nurture"
    label = "nurture"
    verbose_name = "Nurture"

    def ready(self) -> None:
        from anymail.signals import tracking  # type: ignore[import-untyped]

        from leadflow.nurture.handlers import email_tracked

        tracking.connect(email_tracked, dispatch_uid="leadflow.nurture.email_tracked")
