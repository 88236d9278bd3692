"""The public addresses of nurture e-mails, used from a mailbox without signing in: tracked
links (``/t/<token>``), unsubscribe (``/u/<token>``: a confirmation page, and the one-click
POST of RFC 8058), and the e-mail provider's tracking webhook (bounces and complaints).

A token that is not this site's, was changed, or names a link the touch does not have is
"not found" (404): never a redirect to an address the token chose, never another contact's
consent."""

from typing import Any

from anymail.webhooks.postmark import (  # type: ignore[import-untyped]
    PostmarkTrackingWebhookView,
)
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from leadflow.core.consent import ConsentChannel, ConsentStatus
from leadflow.leads.services.consent import consent_record
from leadflow.nurture.models import TouchSent
from leadflow.nurture.services import link_clicked, sent_unsubscribe
from leadflow.nurture.tracking import (
    BadToken,
    address_unsubscribe_read,
    link_read,
    unsubscribe_read,
)
from leadflow.programs.models import Client


def _sent(sent_id: int) -> TouchSent:
    try:
        return TouchSent.objects.get(pk=sent_id)
    except TouchSent.DoesNotExist:
        raise Http404("Not found.") from None


@require_http_methods(["GET", "HEAD"])
def track(request: HttpRequest, token: str) -> HttpResponse:
    """302 to the link's original address, recording the click."""
    try:
        sent_id, index = link_read(token)
    except BadToken:
        raise Http404("Not found.") from None
    sent = _sent(sent_id)
    if not 0 <= index < len(sent.links):
        raise Http404("Not found.")
    url = link_clicked(sent=sent, index=index, now=timezone.now())
    response = HttpResponseRedirect(url)
    response["Referrer-Policy"] = "no-referrer"
    return response


def _masked(address: str) -> str:
    name, _, domain = address.partition("@")
    return f"{name[:1]}{'•' * max(len(name) - 1, 1)}@{domain}" if domain else "your address"


@csrf_exempt  # RFC 8058: the mail client's one-click POST carries no session and no token
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page asking to confirm; POST (the page's button, or a mail client's
    ``List-Unsubscribe=One-Click``): unsubscribe the address at once."""
    try:
        sent = _sent(unsubscribe_read(token))
    except BadToken:
        return _address_unsubscribe(request, token)
    context: dict[str, Any] = {"address": _masked(sent.to_address), "token": token}
    if request.method == "POST":
        sent_unsubscribe(sent=sent, now=timezone.now())
        return render(request, "nurture/public/unsubscribed.html", context)
    return render(request, "nurture/public/unsubscribe.html", context)


def _address_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The same for a token naming a client and an address (``tracking.unsubscribe_link``:
    e-mails that are no nurture touch, such as a marketing sales kit): the address is
    unsubscribed from the client's e-mail, which every marketing sender reads."""
    try:
        client_id, address = address_unsubscribe_read(token)
        client = Client.objects.get(pk=client_id)
    except (BadToken, Client.DoesNotExist):
        raise Http404("Not found.") from None
    context: dict[str, Any] = {"address": _masked(address), "token": token}
    if request.method == "POST":
        consent_record(
            client=client,
            channel=ConsentChannel.EMAIL,
            address=address,
            status=ConsentStatus.UNSUBSCRIBED,
            source="unsubscribe link (sales kit e-mail)",
            now=timezone.now(),
            by_person=True,
        )
        return render(request, "nurture/public/unsubscribed.html", context)
    return render(request, "nurture/public/unsubscribe.html", context)


@csrf_exempt  # the provider authenticates with the webhook's basic-auth secret
def provider_tracking(request: HttpRequest) -> HttpResponse:
    """Postmark's tracking webhook through django-anymail; 404 unless a secret is set (an
    open webhook would let anyone mark addresses bounced)."""
    if not getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"):
        raise Http404("Not found.")
    response: HttpResponse = PostmarkTrackingWebhookView.as_view()(request)
    return response
