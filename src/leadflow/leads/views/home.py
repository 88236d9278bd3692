"""The home page: what to do next, per role (the qualifier's queue, the reviewer's leads in
review, the managers' and marketers' counts, the portals of client contacts and partners)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from leadflow.accounts.models import Role
from leadflow.accounts.permissions import Capability, request_user, user_can
from leadflow.leads.selectors.lists import home_summary
from leadflow.leads.views.extensions import home_sections


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Anonymous visitors are sent to sign in; a user without a role is told to ask for one.
    The cards follow the user's roles themselves (an admin does not get the qualifier's)."""
    user = request_user(request)
    now = timezone.now()
    summary = home_summary(user=user, now=now)
    return render(
        request,
        "leads/home.html",
        {
            "summary": summary,
            "is_qualifier": user.has_role(Role.QUALIFIER),
            "is_reviewer": user.has_role(Role.REVIEWER),
            "sees_counts": user_can(user, Capability.LEADS_OVERVIEW),
            "is_outside": not user_can(user, Capability.LEADS_VIEW),
            "is_partner": user.has_role(Role.PARTNER),
            "is_client": user.has_role(Role.CLIENT),
            "extra_sections": home_sections(request=request, user=user, now=now),
        },
    )
