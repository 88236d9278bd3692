"""The weekly status e-mail's pages (issue 20, item 5): a status link's confirmation page (GET
shows what the click will record and changes nothing: mail scanners follow links) and its POST
that records the step, both without a login; and the managers' page of who has not answered.

A link that is tampered with, expired, of another lead or step, or of a lead no longer held by
the user's partner, is a 404 whatever the reason, so that a guess learns nothing.
"""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from leadflow.accounts.permissions import request_user
from leadflow.core.errors import DomainError
from leadflow.core.status_links import StatusStep
from leadflow.partners.models import LOST_REASONS, StatusMail
from leadflow.partners.selectors import partner_list
from leadflow.partners.services.status import (
    StatusLinkGone,
    status_link_open,
    status_step_record,
)
from leadflow.partners.views.manage import manager_required


@csrf_exempt  # no session to protect: the signed link is the credential
@require_http_methods(["GET", "POST"])
def status_link(
    request: HttpRequest, mail_id: int, lead_id: int, step: str, token: str
) -> HttpResponse:
    now = timezone.now()
    try:
        link = status_link_open(mail_id=mail_id, lead_id=lead_id, step=step, token=token, now=now)
    except StatusLinkGone:
        raise Http404("This status link is not valid any more.") from None
    context = {"link": link, "lost_reasons": LOST_REASONS, "lost": link.step is StatusStep.LOST}
    if request.method == "POST":
        try:
            status_step_record(link=link, lost_reason=request.POST.get("reason", ""), now=now)
        except DomainError as exc:
            context["error"] = str(exc)
            return render(request, "partners/status_link.html", context, status=400)
        return render(request, "partners/status_done.html", context)
    return render(request, "partners/status_link.html", context)


@login_required
@require_GET
@manager_required
def unanswered(request: HttpRequest) -> HttpResponse:
    """The weekly status e-mails of the last four weeks, unanswered first, of the partners the
    manager sees."""
    since = (timezone.now() - timedelta(days=28)).date()
    mails = (
        StatusMail.objects.filter(partner__in=partner_list(user=request_user(request)))
        .filter(week__gte=since)
        .select_related("user", "partner")
        .order_by("answered_at", "-week", "partner__name")
    )
    rows = list(mails[:500])
    return render(
        request,
        "partners/manage/status.html",
        {
            "unanswered": [m for m in rows if m.answered_at is None],
            "answered": [m for m in rows if m.answered_at is not None],
        },
    )
