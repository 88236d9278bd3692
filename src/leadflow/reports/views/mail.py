"""The page where a recipient turns the scheduled report e-mails on or off."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from leadflow.accounts.permissions import request_user
from leadflow.reports.models import MailKind, MailOptOut
from leadflow.reports.services.mail import MAILINGS, mail_opt_set


@login_required
@require_http_methods(["GET", "POST"])
def mail_settings(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    mine = [kind for kind, (role, _) in MAILINGS.items() if user.has_role(role)]
    if request.method == "POST":
        for kind in mine:
            mail_opt_set(
                user=user, kind=kind, wanted=request.POST.get(kind) == "on", now=timezone.now()
            )
        messages.success(request, "Your report e-mails are saved.")
        return HttpResponseRedirect(reverse("reports:mail"))
    off = set(MailOptOut.objects.filter(user=user).values_list("kind", flat=True))
    choices = [
        {"kind": kind, "label": MailKind(kind).label, "on": kind not in off} for kind in mine
    ]
    return render(
        request,
        "reports/mail.html",
        {"choices": choices, "email": user.email},
    )
