from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "leadflow.notifications"
    label = "notifications"
