"""The user's own API tokens: list, create (the token is shown once), revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from leadflow.accounts.permissions import request_user
from leadflow.api.forms import TokenCreateForm
from leadflow.api.tokens import TokenError, token_create, token_get, token_list, token_revoke


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The token page. A created token is rendered in the answer to the POST and nowhere
    else (no redirect through the session, which would store the plaintext)."""
    user = request_user(request)
    new_token = None
    form = TokenCreateForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            _, new_token = token_create(
                user=user,
                name=form.cleaned_data["name"],
                programs=form.cleaned_data["programs"],
                now=timezone.now(),
            )
        except TokenError as exc:
            form.add_error(None, str(exc))
        else:
            form = TokenCreateForm(user=user)
    response = render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": token_list(user=user), "new_token": new_token},
    )
    if new_token:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    user = request_user(request)
    token = token_get(user=user, token_id=token_id)
    token_revoke(token=token, user=user, now=timezone.now())
    messages.success(request, f"Token {token.name} ({token.prefix}…) revoked.")
    return redirect("accounts:tokens")
