"""Signing in in two steps, and the user's page for setting two-step sign-in up or off.

The password step is Django's ``LoginView``; for a user with a confirmed authenticator it
signs nobody in but keeps, in the still anonymous session, who passed it (for 5 minutes), and
sends them to the code step. A wrong code counts as a failed sign-in for django-axes (the
account-and-address lock of ``accounts/signin.py``), and after 5 wrong codes the person starts
again from the password. Only a right code signs in (which also gives the session a new key).
"""

from datetime import datetime
from typing import Any, TypedDict

import pyotp
import segno
from axes.handlers.proxy import AxesProxyHandler  # type: ignore[import-untyped]
from axes.helpers import get_lockout_response  # type: ignore[import-untyped]
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from leadflow.accounts.forms import CodeForm, SetupCodeForm, TimezoneForm, TurnOffForm
from leadflow.accounts.models import Authenticator, User
from leadflow.accounts.permissions import request_user
from leadflow.accounts.selectors import (
    recovery_codes_left,
    two_step_authenticator,
    two_step_enabled,
    two_step_required,
    viewer_timezone,
)
from leadflow.accounts.services import (
    CodeKind,
    TwoStepRefused,
    authenticator_begin,
    authenticator_confirm,
    authenticator_remove,
    two_step_verify,
    user_timezone_set,
)

PENDING = "two_step_pending"
#: How long the password step stays good for the code step.
PENDING_SECONDS = 5 * 60
#: Wrong codes in a row before the person starts again from the password.
MAX_WRONG_CODES = 5
ISSUER = "LeadFlow"


class Pending(TypedDict):
    user_id: int
    backend: str
    at: float
    wrong: int
    next: str


class SignInView(auth_views.LoginView):
    """The password step."""

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if not isinstance(user, User) or not two_step_enabled(user=user):
            return super().form_valid(form)
        pending: Pending = {
            "user_id": user.pk,
            "backend": str(getattr(user, "backend", "")),
            "at": timezone.now().timestamp(),
            "wrong": 0,
            "next": self.get_success_url(),
        }
        self.request.session[PENDING] = pending
        return redirect("accounts:two_step_verify")


def _pending(request: HttpRequest, now: datetime) -> tuple[Pending, User] | None:
    pending: Pending | None = request.session.get(PENDING)
    if pending is None:
        return None
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    if user is None or now.timestamp() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    return pending, user


@require_http_methods(["GET", "POST"])
def two_step_verify_view(request: HttpRequest) -> HttpResponse:
    """The code step: a code from the app or a recovery code, then the person is signed in."""
    now = timezone.now()
    found = _pending(request, now)
    if found is None:
        messages.info(request, "Sign in with your username and password first.")
        return redirect("accounts:login")
    pending, user = found
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        request.session.pop(PENDING, None)
        response: HttpResponse = get_lockout_response(request, None, credentials)
        return response
    if request.method != "POST":
        return render(request, "accounts/two_step_verify.html", {"form": CodeForm()})
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            kind = two_step_verify(user=user, code=form.cleaned_data["code"], now=now)
        except TwoStepRefused as refused:
            return _wrong_code(request, form, pending, credentials, str(refused))
        del request.session[PENDING]
        auth_login(request, user, backend=pending["backend"] or None)
        if kind == CodeKind.RECOVERY:
            messages.warning(
                request,
                f"You signed in with a recovery code; {recovery_codes_left(user=user)} left. "
                "Each works once.",
            )
        return redirect(pending["next"])
    return render(request, "accounts/two_step_verify.html", {"form": form})


def _wrong_code(
    request: HttpRequest,
    form: CodeForm,
    pending: Pending,
    credentials: dict[str, str],
    message: str,
) -> HttpResponse:
    pending["wrong"] += 1
    request.session[PENDING] = pending
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    if getattr(request, "axes_locked_out", False):
        # django-axes' middleware answers with the lockout page.
        request.session.pop(PENDING, None)
        return redirect("accounts:login")
    if pending["wrong"] >= MAX_WRONG_CODES:
        request.session.pop(PENDING, None)
        messages.error(request, "Too many wrong codes. Sign in again with your password.")
        return redirect("accounts:login")
    form.add_error("code", message)
    return render(request, "accounts/two_step_verify.html", {"form": form})


def _setup_context(user: User, authenticator: Authenticator) -> dict[str, Any]:
    uri = pyotp.TOTP(authenticator.secret).provisioning_uri(
        name=user.get_username(), issuer_name=ISSUER
    )
    secret = authenticator.secret
    return {
        "qr_code": segno.make(uri, error="m").svg_data_uri(scale=5, light="#fff"),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "required": two_step_required(user=user),
    }


@login_required
@require_http_methods(["GET", "POST"])
def two_step_view(request: HttpRequest) -> HttpResponse:
    """The account's "Two-step sign-in" page: set it up (QR code, secret, a code to confirm,
    then the recovery codes once), or see that it is on and turn it off."""
    user = request_user(request)
    now = timezone.now()
    confirmed = two_step_authenticator(user=user)
    if confirmed is not None:
        return _status_page(request, user, confirmed, TurnOffForm())
    authenticator = authenticator_begin(user=user, now=now)
    form = SetupCodeForm(request.POST) if request.method == "POST" else SetupCodeForm()
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = authenticator_confirm(user=user, code=form.cleaned_data["code"], now=now)
        except TwoStepRefused as refused:
            form.add_error("code", str(refused))
        else:
            return render(
                request,
                "accounts/two_step_codes.html",
                {"recovery_codes": enrolment.recovery_codes},
            )
    context = {"form": form, **_setup_context(user, authenticator)}
    return render(request, "accounts/two_step_setup.html", context)


def _status_page(
    request: HttpRequest, user: User, authenticator: Authenticator, form: TurnOffForm
) -> HttpResponse:
    context = {
        "form": form,
        "confirmed_at": authenticator.confirmed_at,
        "codes_left": recovery_codes_left(user=user),
        "required": two_step_required(user=user),
    }
    return render(request, "accounts/two_step_on.html", context)


@login_required
@require_POST
def two_step_off_view(request: HttpRequest) -> HttpResponse:
    """Turn two-step sign-in off with a current code or the password (not for an admin while
    ``TWO_FACTOR_REQUIRED_FOR_ADMINS`` is on)."""
    user = request_user(request)
    authenticator = two_step_authenticator(user=user)
    if authenticator is None:
        return redirect("accounts:two_step")
    if two_step_required(user=user):
        messages.error(request, "Your role needs two-step sign-in: it cannot be turned off.")
        return redirect("accounts:two_step")
    form = TurnOffForm(request.POST)
    if form.is_valid():
        try:
            authenticator_remove(
                user=user,
                code=form.cleaned_data["code"],
                password=form.cleaned_data["password"],
                now=timezone.now(),
            )
        except TwoStepRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "Two-step sign-in is off.")
            return redirect("accounts:two_step")
    return _status_page(request, user, authenticator, form)


@login_required
@require_http_methods(["GET", "POST"])
def account_view(request: HttpRequest) -> HttpResponse:
    """The person's account page: the time zone every page shows times in (issue 17). A client
    contact reads their client's zone and cannot change it here."""
    user = request_user(request)
    viewer = viewer_timezone(user=user)
    form = TimezoneForm(
        request.POST if request.method == "POST" else None,
        initial={"timezone": user.timezone},
        default=settings.TIME_ZONE,
    )
    if request.method == "POST" and viewer.source == "client":
        messages.info(request, "Times follow your client's time zone; nothing changed.")
        return redirect("accounts:account")
    if request.method == "POST" and form.is_valid():
        user_timezone_set(user=user, timezone=form.cleaned_data["timezone"])
        shown = viewer_timezone(user=user).name
        messages.success(request, f"Times are now shown in {shown.replace('_', ' ')}.")
        return redirect("accounts:account")
    status = 400 if form.errors else 200
    context = {"form": form, "viewer": viewer, "zone_name": viewer.name.replace("_", " ")}
    return render(request, "accounts/account.html", context, status=status)
