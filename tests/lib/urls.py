"""The product's URLs plus pages that raise each kind of domain error, for the middleware's
tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from leadflow.config.urls import urlpatterns as product
from leadflow.core.errors import DomainError, InputError, InvalidTransition
from leadflow.programs.models import Program


def missing(request: HttpRequest) -> HttpResponse:
    Program.objects.get(slug="no-such-program")
    return HttpResponse("unreachable")


def refused(request: HttpRequest) -> HttpResponse:
    raise InvalidTransition("a lead that is claimed cannot claim")


def bad_input(request: HttpRequest) -> HttpResponse:
    raise InputError("note", "say why in the note")


def other(request: HttpRequest) -> HttpResponse:
    raise DomainError("neither refused nor a bad field")


def api_missing(request: HttpRequest) -> HttpResponse:
    Program.objects.get(slug="no-such-program")
    return HttpResponse("unreachable")


urlpatterns = [
    path("errors/missing/", missing),
    path("errors/refused/", refused),
    path("errors/bad-input/", bad_input),
    path("errors/other/", other),
    path("api/v1/errors/missing/", api_missing),
    *product,
]
