"""The user's calendar feed page: the private address of their open tasks for a calendar app,
a new address (the old one stops working) and revoking it; and the feed the address serves
(``/sales/feed/<token>.ics``, drawn by the feeds service)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from leadflow.accounts.permissions import request_user
from leadflow.sales.selectors.tasks import feed_by_token, feed_of
from leadflow.sales.services.feeds import (
    calendar_feed_issue,
    calendar_feed_revoke,
    feed_ics,
    feed_url,
)
from leadflow.sales.views.leads import view_required


@view_required
@require_GET
def calendar_page(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    feed = feed_of(user=user)
    url = feed_url(feed) if feed else ""
    if url.startswith("/"):  # no SITE_URL: the address this request came to
        url = request.build_absolute_uri(url)
    return render(request, "sales/calendar.html", {"feed": feed, "url": url})


@view_required
@require_POST
def calendar_issue(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    had = feed_of(user=user) is not None
    calendar_feed_issue(user=user, now=timezone.now())
    messages.success(
        request,
        "New address made: the old one no longer works; subscribe with this one."
        if had
        else "Address made: add it to your calendar app as a subscription.",
    )
    return redirect("sales:calendar")


@view_required
@require_POST
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    calendar_feed_revoke(user=user, now=timezone.now())
    messages.success(request, "Address revoked: calendar apps no longer get your tasks.")
    return redirect("sales:calendar")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself, for calendar apps: no session, the secret token is the key (an
    unknown or revoked one is a 404)."""
    feed = feed_by_token(token=token)
    response = HttpResponse(
        feed_ics(feed=feed, now=timezone.now()), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, max-age=300"
    return response
