"""Who is calling the API: a personal token (``Authorization: Bearer lf_…``) or the browser
session (with CSRF on unsafe methods). Either way the handlers get a ``Caller``."""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.api.models import ApiToken
from leadflow.api.tokens import token_authenticate

#: The 403 a reader gets when it tries to write.
READ_ONLY = "your role may read leads but not create or change them"


@dataclass(frozen=True)
class Caller:
    """The authenticated user and, for a narrowed token, the programs it is limited to
    (None: the user's whole scope)."""

    user: User
    token: ApiToken | None = None
    program_ids: frozenset[int] | None = None

    @property
    def may_write(self) -> bool:
        return user_can(self.user, Capability.API_WRITE)


class TokenAuth(HttpBearer):
    """A personal API token. A Bearer header that names no active token is a 401 at once,
    never a fall-back to the session, so a revoked token cannot pass unnoticed."""

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        found = token_authenticate(token, now=timezone.now())
        if found is None:
            raise AuthenticationError(message="invalid, revoked or expired token")
        return Caller(user=found.user, token=found, program_ids=found.token_programs or None)


class SessionAuth(APIKeyCookie):
    """The signed-in browser (Django session). Unlike ninja's own, an anonymous request is
    simply not authenticated (401) instead of failing the CSRF check (403); a signed-in one
    must pass CSRF on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed")
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        user = request.user
        if key is None or not isinstance(user, User) or not user.is_active:
            return None
        return Caller(user=user)


def caller(request: HttpRequest) -> Caller:
    """The Caller that authentication attached to the request."""
    found = getattr(request, "auth", None)
    if not isinstance(found, Caller):
        raise AuthenticationError()
    return found
