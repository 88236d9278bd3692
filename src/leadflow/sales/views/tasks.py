"""The task list (``/sales/``: the user's own tasks, or every task of the leads they see), and
a task done (with its outcome) or cancelled."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from leadflow.accounts.permissions import Capability, request_user, user_can
from leadflow.core.errors import DomainRefused
from leadflow.sales.models import TaskState
from leadflow.sales.selectors.pages import task_list
from leadflow.sales.selectors.tasks import task_get
from leadflow.sales.services.tasks import task_cancel, task_done
from leadflow.sales.views.leads import back, lead_url, view_required, work_required

PAGE_SIZE = 50
STATES = (
    (TaskState.OPEN.value, "Open"),
    (TaskState.DONE.value, "Done"),
    (TaskState.CANCELLED.value, "Cancelled"),
    ("all", "All"),
)


@view_required
@require_GET
def task_index(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    mine = request.GET.get("whose", "mine") != "all"
    state = request.GET.get("state", TaskState.OPEN)
    if state not in dict(STATES):
        state = TaskState.OPEN
    tasks = task_list(user=user, mine=mine, state=state)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sales/tasks.html",
        {
            "page": page,
            "mine": mine,
            "state": state,
            "states": STATES,
            "now": timezone.now(),
            "may_work": user_can(user, Capability.SALES_WORK),
            "staff": user_can(user, Capability.LEADS_VIEW),
        },
    )


@view_required
@work_required
@require_POST
def task_done_view(request: HttpRequest, task_id: int) -> HttpResponse:
    user = request_user(request)
    task = task_get(user=user, task_id=task_id)
    label = task.title or task.get_kind_display()
    try:
        task_done(
            task=task,
            actor=user,
            now=timezone.now(),
            outcome=request.POST.get("outcome", "")[:2000],
        )
    except DomainRefused as exc:
        messages.error(request, f"Nothing changed: {exc}")
    else:
        messages.success(request, f"“{label}” done for lead #{task.lead_id}.")
    return back(request, lead_url(user, task.lead_id))


@view_required
@work_required
@require_POST
def task_cancel_view(request: HttpRequest, task_id: int) -> HttpResponse:
    user = request_user(request)
    task = task_get(user=user, task_id=task_id)
    label = task.title or task.get_kind_display()
    try:
        task_cancel(
            task=task, actor=user, now=timezone.now(), reason=request.POST.get("outcome", "")[:2000]
        )
    except DomainRefused as exc:
        messages.error(request, f"Nothing changed: {exc}")
    else:
        messages.success(request, f"“{label}” cancelled for lead #{task.lead_id}.")
    return back(request, lead_url(user, task.lead_id))
