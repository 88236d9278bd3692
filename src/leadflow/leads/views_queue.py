"""The qualification queue page: how much work waits, what the qualifier holds, and the button
that holds the next lead (DESIGN.md, "Who uses it": the qualifier works the queue).

Only qualifiers and admins work the queue; every other role is refused (403). Leads QA review
pushed back to the qualifier are listed first, flagged with the reason (issue 6).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from leadflow.accounts.models import User
from leadflow.leads.queue import lead_queue_next, queue_pushed_back
from leadflow.leads.workspace import may_work_queue, queue_overview


def _queue_worker(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not may_work_queue(user):
        raise PermissionDenied("Only qualifiers and admins work the qualification queue.")
    return user


@login_required
@require_GET
def queue_index(request: HttpRequest) -> HttpResponse:
    user = _queue_worker(request)
    overview = queue_overview(user=user, now=timezone.now())
    pushed_back = list(queue_pushed_back(user=user))
    return render(request, "leads/queue.html", {"overview": overview, "pushed_back": pushed_back})


@login_required
@require_POST
def queue_next(request: HttpRequest) -> HttpResponse:
    """Hold the next lead (or the one already held) and open its workspace."""
    user = _queue_worker(request)
    lead = lead_queue_next(user=user, now=timezone.now())
    if lead is None:
        messages.info(request, "The queue is empty: no lead is waiting in your programs.")
        return redirect("queue:index")
    return redirect("workspace:detail", lead_id=lead.pk)
