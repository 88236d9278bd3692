"""The qualification queue page: how much work waits, what the qualifier holds, and the button
that holds the next lead (DESIGN.md, "Who uses it": the qualifier works the queue).

Only qualifiers and admins work the queue (``Capability.QUEUE_WORK``); every other role is
refused (403). Leads QA review pushed back to the qualifier are listed first, flagged with the
reason (issue 6).
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from leadflow.accounts.permissions import Capability, capability_required, request_user
from leadflow.leads.selectors.queue import queue_pushed_back
from leadflow.leads.services.queue import lead_queue_next
from leadflow.leads.views.extensions import queue_sections
from leadflow.leads.workspace.selectors import queue_overview

QUEUE_ONLY = "Only qualifiers and admins work the qualification queue."


@capability_required(Capability.QUEUE_WORK, QUEUE_ONLY)
@require_GET
def queue_index(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    now = timezone.now()
    overview = queue_overview(user=user, now=now)
    pushed_back = list(queue_pushed_back(user=user))
    sections = queue_sections(request=request, user=user, now=now)
    return render(
        request,
        "leads/queue.html",
        {"overview": overview, "pushed_back": pushed_back, "extra_sections": sections},
    )


@capability_required(Capability.QUEUE_WORK, QUEUE_ONLY)
@require_POST
def queue_next(request: HttpRequest) -> HttpResponse:
    """Hold the next lead (or the one already held) and open its workspace."""
    user = request_user(request)
    lead = lead_queue_next(user=user, now=timezone.now())
    if lead is None:
        messages.info(request, "The queue is empty: no lead is waiting in your programs.")
        return redirect("queue:index")
    return redirect("workspace:detail", lead_id=lead.pk)
