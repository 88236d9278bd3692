from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "leadflow.review"
    label = "review"
