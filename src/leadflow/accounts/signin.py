"""Sign-in throttling with django-axes (DECISIONS.md, "Production"): the backend, and who is
signing in behind a reverse proxy.

Axes refuses ``authenticate()`` without a request, which only code of our own makes (a script,
the shell, a test checking a password); there is no address to throttle then, so such a call
goes on to the password check unthrottled. Every sign-in over HTTP passes its request.

Behind ``AXES_PROXY_COUNT`` trusted proxies, the client is the address that many entries from
the right of ``X-Forwarded-For`` (each proxy appends the address it received from); entries
further left are the client's own claim and are not trusted. Without the header it is
``REMOTE_ADDR``.
"""

from typing import Any

from axes.backends import AxesStandaloneBackend  # type: ignore[import-untyped]
from django.conf import settings
from django.http import HttpRequest


class SignInThrottleBackend(AxesStandaloneBackend):
    """Axes' lockout check, for sign-ins that come with a request."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def forwarded_client_ip(request: HttpRequest) -> str | None:
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    count: int = settings.AXES_PROXY_COUNT
    if len(forwarded) >= count:
        return forwarded[-count]
    remote: str | None = request.META.get("REMOTE_ADDR")
    return remote
