"""The reports' pages, mounted at ``/reports/`` (namespace ``reports``) by ``config/urls.py``."""

from django.urls import URLPattern, URLResolver, path

from leadflow.reports.views import mail, pages, rules_model

app_name = "reports"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", pages.report_index, name="index"),
    path("mail/", mail.mail_settings, name="mail"),
    path("rules-vs-model/", rules_model.rules_vs_model_page, name="rules_vs_model"),
    path("<slug:name>/", pages.report_page, name="report"),
    path("<slug:name>/export.<slug:file_format>", pages.report_export, name="export"),
]
