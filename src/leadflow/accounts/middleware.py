"""Two-step sign-in required for admins (``TWO_FACTOR_REQUIRED_FOR_ADMINS``), and the viewer's
time zone activated for every page.

An admin signed in without a confirmed authenticator, whether just now or in a session older
than the setting, reaches only the page that sets one up and signing out: every other page
redirects there, and the API called with the session answers 403. Requests with an API token
carry no session user here (the API authenticates them itself) and pass untouched.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from leadflow.accounts.models import User
from leadflow.accounts.selectors import two_step_enabled, two_step_required, viewer_timezone

MESSAGE = "Your role needs two-step sign-in: set it up first."


class TwoStepRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.TWO_FACTOR_REQUIRED_FOR_ADMINS and self._held_back(request):
            enrol = reverse("accounts:two_step")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": MESSAGE}, status=403)
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(enrol)
            return HttpResponseRedirect(enrol)
        return self.get_response(request)

    @staticmethod
    def _held_back(request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        if not isinstance(user, User) or not user.is_authenticated:
            return False
        if request.path in {reverse("accounts:two_step"), reverse("accounts:logout")}:
            return False
        return two_step_required(user=user) and not two_step_enabled(user=user)


class ViewerTimezoneMiddleware:
    """Every page shows times in one zone per viewer (issue 17): the signed-in person's zone
    (``accounts.selectors.viewer_timezone``) is activated for the request, so templates and
    ``timezone.localtime`` convert by themselves, and ``request.viewer_zone`` carries it for the
    label in ``base.html``. Anonymous requests keep ``TIME_ZONE``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if not isinstance(user, User) or not user.is_authenticated:
            return self.get_response(request)
        viewer = viewer_timezone(user=user)
        request.viewer_zone = viewer  # type: ignore[attr-defined]
        request.viewer_zone_label = viewer.label(timezone.now())  # type: ignore[attr-defined]
        timezone.activate(viewer.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
