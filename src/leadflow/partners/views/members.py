"""The partner a user works for, on their page in the users pages (``config/administration.py``
``USER_PAGE_PANELS``): the users pages sit below partners and cannot read it themselves."""

from django.http import HttpRequest
from django.template.loader import render_to_string

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, request_user, user_can
from leadflow.partners.models import PartnerMember
from leadflow.partners.selectors import partner_list


def user_partners_panel(*, request: HttpRequest, person: User) -> str:
    """The partners ``person`` is a member of, each linked to its setup page when the viewer
    may open it; nothing for a person who works for no partner."""
    memberships = list(
        PartnerMember.objects.filter(user=person)
        .select_related("partner__client")
        .order_by("partner__name")
    )
    if not memberships:
        return ""
    viewer = request_user(request)
    openable: set[int] = set()
    if user_can(viewer, Capability.PARTNERS_MANAGE):
        ids = [member.partner_id for member in memberships]
        openable = set(partner_list(user=viewer).filter(pk__in=ids).values_list("pk", flat=True))
    return render_to_string(
        "partners/admin/_user_partners.html",
        {
            "person": person,
            "partners": [(member.partner, member.partner_id in openable) for member in memberships],
        },
        request=request,
    )
