"""A lead's sales follow-up: the panel on its page (``config/leads.py`` ``LEAD_PANELS``) and
the same on a page of its own under ``/sales/leads/<id>/`` (for field sales and partners, who
have no lead workspace), with "send the sales kit"."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, capability_required, request_user, user_can
from leadflow.core.errors import DomainRefused, InputError
from leadflow.leads.models import Lead
from leadflow.sales.selectors.demos import kit_for_lead
from leadflow.sales.selectors.pages import lead_sales, sales_lead_get
from leadflow.sales.services.kits import kit_send

WORK_REFUSED = "Your role does not work the sales follow-up."
view_required = capability_required(Capability.SALES_VIEW, hidden=True)
work_required = capability_required(Capability.SALES_WORK, WORK_REFUSED)


def lead_url(user: User, lead_id: int) -> str:
    """Where a lead's sales follow-up is shown to this user: staff on the lead's workspace,
    field sales and partners on the sales page of the lead."""
    if user_can(user, Capability.LEADS_VIEW):
        return reverse("workspace:detail", args=[lead_id]) + "#sales-heading"
    return reverse("sales:lead", args=[lead_id])


def back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Back to the page the form was on (``next``, when it is ours), else ``fallback``."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(wanted)
    return HttpResponseRedirect(fallback)


def _context(request: HttpRequest, user: User, lead: Lead) -> dict[str, object]:
    kit = kit_for_lead(lead=lead)
    return {
        "lead": lead,
        "sales": lead_sales(lead=lead, user=user, now=timezone.now(), with_kit=kit is not None),
        "kit": kit,
        "may_work": user_can(user, Capability.SALES_WORK),
        "staff": user_can(user, Capability.LEADS_VIEW),
        "here": request.get_full_path(),
    }


def lead_sales_panel(*, request: HttpRequest, lead: Lead) -> str:
    """The sales panel of a lead's page: for the users of the sales pages, on every lead."""
    user = request_user(request)
    if not user_can(user, Capability.SALES_VIEW):
        return ""
    return render_to_string(
        "sales/_lead_panel.html", _context(request, user, lead), request=request
    )


@view_required
@require_GET
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    user = request_user(request)
    lead = sales_lead_get(user=user, lead_id=lead_id)
    return render(request, "sales/lead.html", _context(request, user, lead))


@view_required
@work_required
@require_POST
def kit_send_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Send the program's sales kit to the lead through the outbox (the kit service checks
    the e-mail consent and records the event)."""
    user = request_user(request)
    lead = sales_lead_get(user=user, lead_id=lead_id)
    kit = kit_for_lead(lead=lead)
    if kit is None:
        messages.error(request, "Nothing sent: this program has no sales kit yet.")
        return back(request, lead_url(user, lead.pk))
    try:
        sent = kit_send(kit=kit, lead=lead, actor=user, now=timezone.now())
    except (DomainRefused, InputError) as exc:
        messages.error(request, f"Nothing sent: {exc}")
    else:
        if sent.skipped:
            messages.error(request, f"Nothing sent: {sent.skipped}")
        else:
            messages.success(request, f"Sales kit “{kit.name}” sent to {sent.to_address}.")
    return back(request, lead_url(user, lead.pk))
