from django.apps import AppConfig


class GuaranteesConfig(AppConfig):
    name = "leadflow.guarantees"
    label = "guarantees"
