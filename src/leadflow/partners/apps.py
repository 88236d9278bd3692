from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "leadflow.partners"
    label = "partners"
