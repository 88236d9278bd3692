"""The one shape of a settings page: a form shown, posted, saved through a service or shown
again with the refusal beside its field. Knows no app: the view passes the form, the service
call and the template.

A service refuses a value with ``InputError`` (naming the field, "" or an unknown name for the
form as a whole); a page posted with a problem answers 400, so a test or a script sees that
nothing was saved.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from leadflow.core.errors import InputError

T = TypeVar("T")


@dataclass(frozen=True)
class Saved(Generic[T]):
    """What the service returned, once the form was saved."""

    value: T


def form_error_show(form: forms.Form, exc: InputError) -> None:
    """The service's refusal beside the field it names, or above the form."""
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


def form_save(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[dict[str, Any]], T],
    *,
    field_errors: Mapping[type[Exception], str] | None = None,
) -> Saved[T] | None:
    """On a POST whose form is valid, call ``save`` with the cleaned data and return what it
    returned; None when nothing was saved (a GET, an invalid form, or a refusal, now on the
    form). ``field_errors`` shows other domain errors beside a field (``{CalendarError:
    "country"}``)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return Saved(save(form.cleaned_data))
    except InputError as exc:
        form_error_show(form, exc)
    except tuple(field_errors or ()) as exc:
        assert field_errors is not None
        field = next(name for kind, name in field_errors.items() if isinstance(exc, kind))
        form.add_error(field, str(exc))
    return None


def form_page(request: HttpRequest, template: str, context: Mapping[str, Any]) -> HttpResponse:
    """The form's page: 200 when first shown, 400 when shown again after a POST."""
    return render(request, template, context, status=400 if request.method == "POST" else 200)
