from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "leadflow.sales"
    label = "sales"
    verbose_name = "Sales follow-up"
