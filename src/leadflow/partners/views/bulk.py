"""The lead list's "Give to a partner" page (``config/leads.py`` registers the button; the
leads app names no partner): the first POST, from the list, asks which partner and why and
names the leads; the second, with ``confirm``, hands them over (``services.bulk``) and reports
on the list."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from leadflow.accounts.permissions import Capability, capability_required, request_user
from leadflow.core.errors import InputError
from leadflow.leads.selectors.lists import leads_picked
from leadflow.leads.services.bulk import BulkNotAllowed
from leadflow.lib.forms import form_error_show
from leadflow.partners.forms import GiveForm
from leadflow.partners.models import PartnerType
from leadflow.partners.selectors import partner_list
from leadflow.partners.services.bulk import leads_give_to_partner

REFUSED = "Your role does not hand leads to partners."
#: How many of the picked leads the confirmation page names (it always gives the count).
CONFIRM_SHOWN = 20


def _list_url(query: str) -> str:
    url = reverse("leads:list")
    return f"{url}?{query}" if query else url


@capability_required(Capability.PARTNERS_MANAGE, REFUSED)
@require_POST
def give_to_partner(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    query = request.POST.get("query", "")[:1000]
    picked = [int(value) for value in request.POST.getlist("lead") if value.isdigit()]
    try:
        leads = leads_picked(user=user, lead_ids=picked)
    except InputError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(_list_url(query))
    partners = (
        partner_list(user=user)
        .filter(is_active=True, flow_enabled=True, client_id__in=leads.values("program__client_id"))
        .exclude(type=PartnerType.AGENCY)
        .distinct()
        .order_by("name", "id")
    )
    form = GiveForm(request.POST, partners=partners)
    if form.is_valid() and form.cleaned_data["confirm"]:
        try:
            result = leads_give_to_partner(
                leads=leads,
                partner_id=form.cleaned_data["partner"],
                actor=user,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            )
        except BulkNotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except InputError as exc:
            form_error_show(form, exc)
        else:
            messages.success(request, result.message[0].upper() + result.message[1:] + ".")
            return HttpResponseRedirect(_list_url(query))
    confirming = bool(request.POST.get("confirm"))
    return render(
        request,
        "partners/bulk_give.html",
        {
            "form": form,
            "errors": form.errors if confirming else {},
            "count": leads.count(),
            "shown": leads.select_related("program")[:CONFIRM_SHOWN],
            "lead_ids": picked,
            "partners": partners,
            "query": query,
            "back": _list_url(query),
        },
        status=400 if confirming else 200,
    )
