from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "leadflow.appointments"
    label = "appointments"
    verbose_name = "Appointments"
