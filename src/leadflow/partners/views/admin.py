"""Partner setup (issue 17, item 9): the partners of one's scope with the way to change each
(details, territories, levels, members), a new partner, each client's level lists and each
program's SLA policy, in the app's own pages instead of the Django admin.

Admins and sales managers (``Capability.PARTNERS_MANAGE``; 403 for other roles); a partner,
client or program outside the user's scope is 404 (the selectors' ``DoesNotExist``). A refused
value is shown beside its field and nothing is written (``lib.forms``).
"""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.accounts.permissions import Capability, capability_required, request_user
from leadflow.core.errors import CalendarError, InputError
from leadflow.core.sla import SlaTerms
from leadflow.lib.forms import form_page, form_save
from leadflow.partners.forms import SLA_FIELDS, LevelsForm, PartnerSetupForm, SlaForm
from leadflow.partners.models import Partner
from leadflow.partners.policies import program_terms
from leadflow.partners.selectors import (
    client_levels,
    partner_get,
    partner_list,
    partner_members,
    partner_slug_free,
    partner_territories_text,
    setup_clients,
    setup_managers,
)
from leadflow.partners.services.setup import (
    partner_levels_save,
    partner_member_join,
    partner_member_remove,
    partner_setup_create,
    partner_update,
    sla_policy_save,
)
from leadflow.programs.administration.selectors import user_admin_list
from leadflow.programs.selectors import program_get, program_list

setup_required = capability_required(
    Capability.PARTNERS_MANAGE, "Partner setup is for admins and sales managers."
)


@setup_required
@require_GET
def setup_index(request: HttpRequest) -> HttpResponse:
    by = request_user(request)
    return render(
        request,
        "partners/admin/index.html",
        {
            "partners": partner_list(user=by).prefetch_related("territories", "members"),
            "clients": setup_clients(user=by),
            "programs": program_list(user=by).order_by("client__name", "name"),
        },
    )


@setup_required
@require_http_methods(["GET", "POST"])
def partner_new(request: HttpRequest) -> HttpResponse:
    by = request_user(request)
    form = PartnerSetupForm(
        request.POST or None,
        clients=setup_clients(user=by),
        managers=setup_managers(user=by),
        levels=client_levels(client_id=None),
    )

    def create(data: dict[str, Any]) -> Partner:
        return partner_setup_create(
            by=by,
            client=data["client"],
            name=data["name"].strip(),
            slug=partner_slug_free(client=data["client"], name=data["name"]),
            type=data["type"],
            country=data["country"],
            subdivision=data["subdivision"],
            timezone=data["timezone"],
            program_level=data["program_level"],
            certification_level=data["certification_level"],
            capacity=data["capacity"],
            manager=data["manager"],
            notify_format=data["notify_format"],
            email=data["email"],
            territories=data["territories"],
            now=timezone.now(),
        )

    if saved := form_save(request, form, create, field_errors={CalendarError: "country"}):
        messages.success(request, f"{saved.value.name} was created.")
        return redirect("partners:setup_partner", partner_id=saved.value.pk)
    return form_page(request, "partners/admin/partner_form.html", {"form": form, "partner": None})


@setup_required
@require_http_methods(["GET", "POST"])
def partner_edit(request: HttpRequest, partner_id: int) -> HttpResponse:
    by = request_user(request)
    partner = partner_get(user=by, partner_id=partner_id)
    form = PartnerSetupForm(
        request.POST or None,
        clients=setup_clients(user=by),
        managers=setup_managers(user=by, partner=partner),
        levels=client_levels(client_id=partner.client_id),
        partner=partner,
        territories=partner_territories_text(partner=partner),
    )

    def update(data: dict[str, Any]) -> Partner:
        return partner_update(by=by, partner=partner, **data)

    if form_save(request, form, update):
        messages.success(request, f"{partner.name} was saved.")
        return redirect("partners:setup_partner", partner_id=partner.pk)
    return form_page(
        request,
        "partners/admin/partner_form.html",
        {"form": form, "partner": partner, "members": partner_members(partner=partner)},
    )


@setup_required
@require_POST
def member_add(request: HttpRequest, partner_id: int) -> HttpResponse:
    """Add a user ``by`` manages to the partner by their sign-in name."""
    by = request_user(request)
    partner = partner_get(user=by, partner_id=partner_id)
    username = request.POST.get("username", "").strip()
    user = user_admin_list(by=by).filter(username__iexact=username).first() if username else None
    if user is None:
        messages.error(
            request,
            f"No user you manage signs in as “{username}”. Create them on the Users page first."
            if username
            else "Give the sign-in name of the user to add.",
        )
    else:
        partner_member_join(by=by, partner=partner, user=user)
        messages.success(request, f"{user.username} now works {partner.name}'s leads.")
    return redirect("partners:setup_partner", partner_id=partner.pk)


@setup_required
@require_POST
def member_remove(request: HttpRequest, partner_id: int, user_id: int) -> HttpResponse:
    by = request_user(request)
    partner = partner_get(user=by, partner_id=partner_id)
    try:
        partner_member_remove(by=by, partner=partner, user_id=user_id)
    except InputError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Taken off the partner: they no longer see its leads.")
    return redirect("partners:setup_partner", partner_id=partner.pk)


@setup_required
@require_http_methods(["GET", "POST"])
def levels_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    by = request_user(request)
    client = setup_clients(user=by).get(pk=client_id)
    program_levels, certification_levels = client_levels(client_id=client.pk)
    form = LevelsForm(
        request.POST or None,
        initial={
            "program_levels": "\n".join(program_levels),
            "certification_levels": "\n".join(certification_levels),
        },
    )
    if form_save(request, form, lambda data: partner_levels_save(by=by, client=client, **data)):
        messages.success(request, f"The partner levels of {client.name} were saved.")
        return redirect("partners:setup")
    return form_page(request, "partners/admin/levels.html", {"form": form, "client": client})


@setup_required
@require_http_methods(["GET", "POST"])
def sla_edit(request: HttpRequest, slug: str) -> HttpResponse:
    by = request_user(request)
    program = program_get(user=by, slug=slug)
    terms = program_terms(program_ids=[program.pk])[program.pk]
    form = SlaForm(
        request.POST or None, initial={name: getattr(terms, name) for name in SLA_FIELDS}
    )
    if form_save(
        request, form, lambda data: sla_policy_save(by=by, program=program, terms=SlaTerms(**data))
    ):
        messages.success(
            request,
            f"The SLA policy of {program.name} was saved: leads assigned from now on use it.",
        )
        return redirect("partners:setup")
    return form_page(request, "partners/admin/sla.html", {"form": form, "program": program})
