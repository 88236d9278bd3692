"""Security headers Django has no setting for, and the pages that need their own policy.

- ``Permissions-Policy``: LeadFlow uses no camera, microphone, location, payment or USB; the
  header says so, and a script that got in anyway could not ask for them (``PERMISSIONS_POLICY``
  in the settings).
- The public web form may be framed by clients' sites (``frameable``). The API docs
  (``/api/v1/docs``) are django-ninja's bundled Swagger UI, served from our static files with no
  inline script, under the strict policy like every other page.

Listed after django-csp's middleware, so that its answer is marked before the policy is built.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.conf import settings
from django.http import HttpRequest, HttpResponse

P = ParamSpec("P")

#: The public web form's policy (DECISIONS.md, "Production"): any site may frame it, and the form
#: may lead on to a ``retURL`` elsewhere (only to the program's allowed hosts, which the view
#: checks).
FRAMEABLE: dict[str, Any] = {
    "frame-ancestors": ["*"],
    "form-action": ["'self'", "https:", "http:"],
}


def frameable(
    view: Callable[Concatenate[HttpRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """A view clients' sites may show in an iframe: django-csp's ``csp_replace`` with
    ``FRAMEABLE``, keeping the view's signature (``X-Frame-Options`` is lifted separately, by
    ``xframe_options_exempt``)."""

    @wraps(view)
    def framed(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response._csp_replace = FRAMEABLE  # type: ignore[attr-defined]
        return response

    return framed


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        return response
