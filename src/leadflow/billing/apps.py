from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "leadflow.billing"
    label = "billing"
