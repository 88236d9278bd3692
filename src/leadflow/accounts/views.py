"""The user's own API tokens: list, create (the token is shown once), revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from leadflow.accounts.forms import TokenCreateForm
from leadflow.accounts.models import ApiToken, User
from leadflow.accounts.tokens import TokenError, token_create, token_get, token_list, token_revoke


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The token page. A created token is rendered in the answer to the POST and nowhere
    else (no redirect through the session, which would store the plaintext)."""
    user = _user(request)
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
        "accounts/tokens.html",
        {"form": form, "tokens": token_list(user=user), "new_token": new_token},
    )
    if new_token:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    user = _user(request)
    try:
        token = token_get(user=user, token_id=token_id)
    except ApiToken.DoesNotExist as exc:
        raise Http404("no such token") from exc
    token_revoke(token=token, user=user, now=timezone.now())
    messages.success(request, f"Token {token.name} ({token.prefix}…) revoked.")
    return redirect("accounts:tokens")
