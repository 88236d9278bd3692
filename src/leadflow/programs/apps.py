from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "leadflow.programs"
    label = "programs"
