from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "leadflow.delivery"
    label = "delivery"
