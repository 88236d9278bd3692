"""What nurture adds to the lead pages (``config/leads.py``): the lead page's nurture panel
(sequence, step, next touch, consent, an open call task, "Responded"), the lead list's bulk
action "Enrol in sequence", and the qualification queue's calls due. The panel and the queue
section are fragments the leads views draw; the writes are this module's own views."""

from collections import Counter
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, capability_required, request_user, user_can
from leadflow.core.consent import ConsentChannel, ConsentStatus
from leadflow.core.errors import DomainRefused, InputError, NormalisationError
from leadflow.core.lifecycle import LeadStatus
from leadflow.core.normalise import normalise_email
from leadflow.leads.models import Lead
from leadflow.leads.selectors import lead_get
from leadflow.leads.selectors.consent import consent_status
from leadflow.leads.selectors.lists import leads_picked
from leadflow.leads.selectors.queue import queue_leads
from leadflow.nurture.forms import EnrolForm
from leadflow.nurture.models import EngagementKind, EnrollmentState
from leadflow.nurture.selectors import (
    call_task_get,
    call_tasks_due,
    lead_nurture,
    lead_responded_recently,
    responded_not_yet_worked,
    sequence_get,
    sequence_list,
)
from leadflow.nurture.services import lead_leave, leads_enrol
from leadflow.nurture.services.responses import call_task_done, lead_mark_bounced, lead_responded
from leadflow.nurture.views.sequences import REFUSED

#: How many picked leads the confirmation names, and how many calls the queue lists.
CONFIRM_SHOWN = 20
QUEUE_SHOWN = 20
RESPONSE_KINDS = (
    (EngagementKind.REPLY.value, "Replied to an e-mail or letter"),
    (EngagementKind.PHONE.value, "Responded by phone"),
)
RESPOND_REFUSED = "Your role does not record responses of nurtured leads."


def _list_url(query: str) -> str:
    url = reverse("leads:list")
    return f"{url}?{query}" if query else url


def _skipped(skipped: dict[int, str]) -> str:
    reasons = Counter(skipped.values())
    return "; ".join(
        reason if count == 1 else f"{reason} ({count})" for reason, count in sorted(reasons.items())
    )


@capability_required(Capability.NURTURE_MANAGE, REFUSED)
@require_POST
def enrol(request: HttpRequest) -> HttpResponse:
    """The lead list's "Enrol in sequence": the first POST (from the list) asks which sequence
    and shows the leads; the second, with ``confirm``, enrols them and reports on the list."""
    user = request_user(request)
    query = request.POST.get("query", "")[:1000]
    picked = [value for value in request.POST.getlist("lead") if value.isdigit()]
    try:
        leads = leads_picked(user=user, lead_ids=[int(value) for value in picked])
    except InputError as exc:  # nothing picked, or a lead the user may not see: nothing changes
        messages.error(request, str(exc))
        return HttpResponseRedirect(_list_url(query))
    sequences = sequence_list(user=user).filter(program__in=leads.values("program"))
    choices = [(s.pk, f"{s.name} ({s.program.name})") for s in sequences]
    data = request.POST.copy()
    if not data.get("sequence") and len(choices) == 1:
        data["sequence"] = str(choices[0][0])  # the only one: chosen already
    form = EnrolForm(data, sequences=choices)
    if form.is_valid() and form.cleaned_data["confirm"]:
        sequence = sequence_get(user=user, sequence_id=form.cleaned_data["sequence"])
        result = leads_enrol(leads=leads, sequence=sequence, actor=user, now=timezone.now())
        text = f"{len(result.changed)} enrolled in “{sequence.name}”"
        if result.skipped:
            text += f", {len(result.skipped)} skipped: {_skipped(result.skipped)}"
        messages.success(request, text + ".")
        return HttpResponseRedirect(_list_url(query))
    return render(
        request,
        "nurture/enrol_confirm.html",
        {
            "form": form,
            "count": leads.count(),
            "shown": leads.select_related("program")[:CONFIRM_SHOWN],
            "lead_ids": picked,
            "sequences": sequences,
            "query": query,
            "back": _list_url(query),
        },
        status=400 if form.errors and form.cleaned_data.get("confirm") else 200,
    )


def _email_consent(lead: Lead) -> str:
    if not lead.email:
        return "no e-mail address"
    try:
        address = normalise_email(lead.email)
    except NormalisationError:
        return "the address cannot be used"
    status = consent_status(
        client=lead.program.client, channel=ConsentChannel.EMAIL, address=address
    )
    return {
        None: "allowed",
        ConsentStatus.SUBSCRIBED: "subscribed",
        ConsentStatus.UNSUBSCRIBED: "unsubscribed: no marketing e-mail",
        ConsentStatus.BOUNCED: "bounced: no marketing e-mail",
    }[status]


def _phone_consent(lead: Lead) -> str:
    if not lead.phone:
        return ""
    status = consent_status(
        client=lead.program.client, channel=ConsentChannel.PHONE, address=lead.phone
    )
    return "do not call" if status == ConsentStatus.UNSUBSCRIBED else ""


def lead_nurture_panel(*, request: HttpRequest, lead: Lead) -> str:
    """The nurture panel of a lead's page (``config/leads.py`` ``LEAD_PANELS``): shown for a
    lead that is nurturing or has been in a sequence."""
    user = request_user(request)
    nurture = lead_nurture(lead=lead)
    if nurture is None and lead.status != LeadStatus.NURTURING:
        return ""
    enrollment = nurture.enrollment if nurture else None
    touch_count = enrollment.sequence.touches.count() if enrollment else 0
    email_consent = _email_consent(lead)
    context = {
        "lead": lead,
        "enrollment": enrollment,
        "touch_count": touch_count,
        "done": len(nurture.sent) if nurture else 0,
        "next_touch": nurture.next_touch if nurture else None,
        "call_tasks": [nurture.open_call_task] if nurture and nurture.open_call_task else [],
        "sent": nurture.sent if nurture else [],
        "email_consent": email_consent,
        "waiting_after_response": lead_responded_recently(lead=lead),
        "may_bounce": bool(lead.email) and not email_consent.startswith("bounced"),
        "phone_consent": _phone_consent(lead),
        "may_manage": user_can(user, Capability.NURTURE_MANAGE),
        "may_respond": user_can(user, Capability.NURTURE_RESPOND),
        "response_kinds": RESPONSE_KINDS,
        "active": enrollment is not None and enrollment.state == EnrollmentState.ACTIVE,
    }
    return render_to_string("nurture/_lead_panel.html", context, request=request)


def queue_call_tasks(*, request: HttpRequest, user: User, now: datetime) -> str:
    """The queue page's calls due (``config/leads.py`` ``QUEUE_SECTIONS``)."""
    tasks = call_tasks_due(user=user, now=now).select_related("lead", "program")
    shown = list(tasks[: QUEUE_SHOWN + 1])
    if not shown:
        return ""
    more = tasks.count() - QUEUE_SHOWN if len(shown) > QUEUE_SHOWN else 0
    return render_to_string(
        "nurture/_queue_calls.html", {"tasks": shown[:QUEUE_SHOWN], "more": more}, request=request
    )


def queue_responded(*, request: HttpRequest, user: User, now: datetime) -> str:
    """The queue page's leads that responded to nurture and wait to be qualified again
    (``config/leads.py`` ``QUEUE_SECTIONS``): "take next lead" gives them first among their
    rating; the section marks them "responded"."""
    leads = queue_leads(user=user, now=now).filter(responded_not_yet_worked())
    shown = list(leads[: QUEUE_SHOWN + 1])
    if not shown:
        return ""
    more = leads.count() - QUEUE_SHOWN if len(shown) > QUEUE_SHOWN else 0
    return render_to_string(
        "nurture/_queue_responded.html",
        {"leads": shown[:QUEUE_SHOWN], "more": more},
        request=request,
    )


@capability_required(Capability.NURTURE_RESPOND, RESPOND_REFUSED)
@require_POST
def responded(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Staff record a reply or a phone response: the lead leaves its sequence and goes back to
    qualification (or straight to hand-off when it re-qualifies as Hot, A or B)."""
    user = request_user(request)
    lead = lead_get(user=user, lead_id=lead_id)
    kinds = dict(RESPONSE_KINDS)
    kind = request.POST.get("kind", EngagementKind.REPLY)
    try:
        lead = lead_responded(
            lead=lead,
            actor=user,
            now=timezone.now(),
            kind=EngagementKind(kind if kind in kinds else EngagementKind.REPLY),
            note=request.POST.get("note", "")[:500],
        )
    except DomainRefused as exc:
        messages.error(request, f"Nothing changed: {exc}")
        return redirect("workspace:detail", lead_id=lead.pk)
    if lead.status in (LeadStatus.NEW, LeadStatus.QUALIFYING):
        messages.success(
            request, f"Response recorded: lead #{lead.pk} is back in the qualification queue."
        )
    else:
        messages.success(
            request,
            f"Response recorded: lead #{lead.pk} is now {LeadStatus(lead.status).label.lower()}.",
        )
    return redirect("workspace:detail", lead_id=lead.pk)


@capability_required(Capability.NURTURE_RESPOND, RESPOND_REFUSED)
@require_POST
def bounced(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Staff mark the lead's e-mail address bounced (a bounce that came back by hand, not
    through the provider's webhook): no marketing e-mail of the client goes to it again, and
    the client's leads with it leave their sequences."""
    user = request_user(request)
    lead = lead_get(user=user, lead_id=lead_id)
    try:
        lead_mark_bounced(lead=lead, actor=user, now=timezone.now())
    except DomainRefused as exc:
        messages.error(request, f"Nothing changed: {exc}")
    else:
        messages.success(request, f"{lead.email} marked bounced: no more marketing e-mail to it.")
    return redirect("workspace:detail", lead_id=lead.pk)


@capability_required(Capability.NURTURE_MANAGE, REFUSED)
@require_POST
def leave(request: HttpRequest, lead_id: int) -> HttpResponse:
    user = request_user(request)
    lead = lead_get(user=user, lead_id=lead_id)
    try:
        lead_leave(lead=lead, actor=user, now=timezone.now(), reason="taken out by hand")
    except DomainRefused as exc:
        messages.error(request, f"Nothing changed: {exc}")
    else:
        messages.success(
            request, f"Lead #{lead.pk} taken out of its sequence; it stays in nurture."
        )
    return redirect("workspace:detail", lead_id=lead.pk)


@capability_required(Capability.NURTURE_RESPOND, RESPOND_REFUSED)
@require_POST
def call_done(request: HttpRequest, task_id: int) -> HttpResponse:
    user = request_user(request)
    task = call_task_get(user=user, task_id=task_id)
    if task.done_at is not None:
        raise PermissionDenied("This call was already recorded.")
    call_task_done(
        task=task, actor=user, now=timezone.now(), note=request.POST.get("note", "")[:500]
    )
    messages.success(request, "Call recorded as done.")
    return redirect("workspace:detail", lead_id=task.lead_id)
