"""One place where the pages turn domain errors into HTTP (STYLE.md 13), as the API's
exception handlers do for the API (Zulip: ``zerver/middleware.py``).

A view calls its selector and its service and lets their errors rise:

- "not in scope" — a selector's ``DoesNotExist`` (Django's ``ObjectDoesNotExist``) — is 404,
  the same answer whether the object never existed or belongs to someone else;
- a refused step (``core.errors.DomainRefused``: an invalid transition, a missed clock, a full
  partner …) is 409 with the reason, nothing having changed;
- a bad value (``core.errors.InputError``) is 400 with the message and the field it names.

A full page gets the app's look (``errors/problem.html`` extends ``base.html``); an HTMX request
gets the message as a small fragment with the same status (a history restore, which wants the
whole page, gets the page). Views that can do better — put a form back with the message beside
its field, show the card again, go back to the page with a message — catch the error
themselves; the middleware is for everything they leave. The API (``/api/``) is left to its
own handlers, which answer JSON. Other errors are not this middleware's: they stay 500s.

It knows no app: the two base classes live in the core, and every app's errors derive from
them.
"""

from collections.abc import Callable

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html

from leadflow.core.errors import DomainRefused, InputError

API_PREFIX = "/api/"


def not_found_message(exc: ObjectDoesNotExist) -> str:
    """The sentence of a 404 page: "No such lead." for ``Lead.DoesNotExist``."""
    for model in apps.get_models():
        if type(exc) is getattr(model, "DoesNotExist", None):
            return f"No such {model._meta.verbose_name}."
    return "Not found."


class DomainErrorMiddleware:
    """Maps ``ObjectDoesNotExist`` to 404, ``DomainRefused`` to 409 and ``InputError`` to 400
    for the pages (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if request.path_info.startswith(API_PREFIX):
            return None
        if isinstance(exc, ObjectDoesNotExist):
            return problem(request, status=404, title="Not found", message=not_found_message(exc))
        if isinstance(exc, DomainRefused):
            return problem(
                request, status=409, title="Nothing changed", message=f"Nothing changed: {exc}."
            )
        if isinstance(exc, InputError):
            message = f"{exc.field}: {exc}" if exc.field else str(exc)
            return problem(request, status=400, title="Please check the input", message=message)
        return None


def problem(request: HttpRequest, *, status: int, title: str, message: str) -> HttpResponse:
    """The answer for a mapped error: a fragment for HTMX, otherwise a page of the app."""
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        fragment = format_html('<p class="error" role="alert">{}</p>', message)
        return HttpResponse(fragment, status=status)
    context = {"title": title, "message": message, "status": status}
    return render(request, "errors/problem.html", context, status=status)
