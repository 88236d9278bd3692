"""API v1 URLs: the project mounts these at ``api/v1/``."""

from django.urls import URLPattern, URLResolver, path

from leadflow.api.api import api

urlpatterns: list[URLPattern | URLResolver] = [path("", api.urls)]
