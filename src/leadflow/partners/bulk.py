"""The lead list's "Give to a partner" (issue 17, item 4): a manager hands the picked leads to
a partner of their choice, over the routing's ranking (``config/leads.py`` registers the
button; the leads app names no partner).

An override, not a routing: the chosen partner gets the leads even when the ranking would
have picked another, or none (territory, capacity, fairness), and each lead's history says
who gave it, to whom and why. What stays refused: an agency partner (it receives no
pre-qualified leads), a partner whose lead flow is disabled, a partner of another client, and
leads the routing never hands to partners (C and FYI, delivery-only programs, leads not yet
approved or already closed). A lead that another partner holds leaves that partner (who
loses access, as with a reassignment) without a violation; the new partner's clocks start
as with any assignment, and its notification is queued.

Locks in the routing's order: the leads (id order), then the active partners of their
clients (``PartnerPool``), then the leads' active assignments.
"""

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, capability_required, request_user, user_can
from leadflow.core.errors import InputError
from leadflow.core.lifecycle import PARTNER_HELD, Action, LeadStatus
from leadflow.leads.models import Lead
from leadflow.leads.selectors.lists import leads_picked
from leadflow.leads.services import LeadStep
from leadflow.leads.services.bulk import BulkNotAllowed, BulkResult
from leadflow.partners.models import Assignment, EndReason, Partner, PartnerType
from leadflow.partners.policies import program_terms
from leadflow.partners.selectors import partner_list
from leadflow.partners.services.pool import PartnerPool
from leadflow.partners.services.queue import client_queue_drain
from leadflow.partners.services.routing import (
    _flush,
    _Writes,
    assignment_build,
    routable,
    routing_ready,
)

REFUSED = "Your role does not hand leads to partners."
#: How many of the picked leads the confirmation page names (it always gives the count).
CONFIRM_SHOWN = 20


def _override(partner: Partner, actor: User, reason: str, now: datetime) -> dict[str, Any]:
    """What the assignment keeps as its routing explanation: the same keys as a ranking's."""
    return {
        "partner_id": partner.pk,
        "decided_at": now.isoformat(),
        "explanation": [f"given to {partner.name} by {actor.get_username()}: {reason}"],
        "ranking": [],
        "refused": [],
        "eligible_count": 0,
        "refused_count": 0,
        "override": True,
    }


def leads_give_to_partner(
    *, leads: QuerySet[Lead], partner_id: int, actor: User, reason: str, now: datetime
) -> BulkResult:
    """Hand every picked lead that can go to a partner to ``partner_id``; the others are
    skipped with the reason. All in one transaction."""
    if not user_can(actor, Capability.PARTNERS_MANAGE):
        raise BulkNotAllowed("your role may not hand leads to partners")
    reason = reason.strip()
    if not reason:
        raise InputError("reason", "Say why these leads go to this partner.")
    with transaction.atomic():
        locked = list(
            Lead.objects.filter(pk__in=leads.values("pk"))
            .select_related("program")
            .order_by("id")
            .select_for_update(of=("self",))
        )
        clients = {lead.program.client_id for lead in locked}
        pool = PartnerPool(clients, now)
        partner = pool.partners.get(partner_id)
        if partner is None:
            raise InputError("partner", "That partner does not work for these leads' clients.")
        if partner.type == PartnerType.AGENCY:
            raise InputError("partner", f"{partner.name} is an agency partner: it gets no leads.")
        if not partner.flow_enabled:
            raise InputError(
                "partner", f"{partner.name}'s lead flow is disabled: re-enable it first."
            )
        held = {
            assignment.lead_id: assignment
            for assignment in Assignment.objects.select_related("partner")
            .select_for_update(of=("self",))
            .filter(lead_id__in=[lead.pk for lead in locked], ended_at__isnull=True)
        }
        ready = routing_ready(locked)
        terms = program_terms(program_ids={lead.program_id for lead in locked})
        result = BulkResult(done_label=f"given to {partner.name}")
        writes = _Writes.empty()
        for lead in locked:
            current = held.get(lead.pk)
            status = LeadStatus(lead.status)
            if lead.program.client_id != partner.client_id:
                result.skipped[lead.pk] = f"{partner.name} does not work for that client"
            elif current is not None and current.partner_id == partner.pk:
                result.skipped[lead.pk] = f"already with {partner.name}"
            elif (current is None and lead.pk not in ready) or (
                current is not None and status not in PARTNER_HELD
            ):
                result.skipped[lead.pk] = (
                    f"a lead that is {status.label.lower()} cannot go to a partner"
                )
            elif why := routable(lead):
                result.skipped[lead.pk] = why
            else:
                step_reason = f"given to {partner.name} by a manager: {reason}"
                if current is not None:
                    current.ended_at, current.end_reason, current.next_due = (
                        now,
                        EndReason.REASSIGNED,
                        None,
                    )
                    current.save(update_fields=["ended_at", "end_reason", "next_due"])
                    step_reason = f"taken from {current.partner.name} and {step_reason}"
                assignment = assignment_build(
                    lead,
                    partner,
                    terms[lead.program_id],
                    _override(partner, actor, reason, now),
                    now,
                    actor,
                )
                writes.assignments.append((assignment, lead))
                writes.dequeued.append(lead.pk)
                writes.steps.append(
                    LeadStep(
                        lead=lead,
                        action=Action.ASSIGN,
                        reason=step_reason,
                        details={"partner": partner.pk, "override": True},
                    )
                )
                pool.take(partner.pk)
                result.changed.append(lead.pk)
        _flush(writes, [], now, actor, notify=True)
        # Partners that lost a lead have room again: the routing queue may fill it.
        for client_id in sorted(clients):
            client_queue_drain(client_id, pool, now, batch=100)
    return result


class GiveForm(forms.Form):
    partner = forms.TypedChoiceField(label="Partner", coerce=int)
    reason = forms.CharField(
        label="Why these leads go to this partner",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why these leads go to this partner."},
    )
    confirm = forms.BooleanField(required=False)

    def __init__(self, data: Any, *, partners: QuerySet[Partner]) -> None:
        super().__init__(data)
        field = self.fields["partner"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "Choose…")] + [
            (partner.pk, f"{partner.name} ({partner.client.name})") for partner in partners
        ]


def _list_url(query: str) -> str:
    url = reverse("leads:list")
    return f"{url}?{query}" if query else url


@capability_required(Capability.PARTNERS_MANAGE, REFUSED)
@require_POST
def give_to_partner(request: HttpRequest) -> HttpResponse:
    """The first POST (from the list) asks which partner and why and names the leads; the
    second, with ``confirm``, hands them over and reports on the list."""
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
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
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


app_name = "partners_bulk"
urlpatterns = [path("give", give_to_partner, name="give")]
