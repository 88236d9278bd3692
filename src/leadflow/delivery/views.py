"""The delivery pages (issue 6): managers set each program's schedule, follow its deliveries'
e-mails and webhooks, watch Hot-lead timings and deliver now; client contacts list their
deliveries and download the files.

Managing needs ``deliveries.manage`` (managers and admins; 403 otherwise, before any program
is looked up), the list ``deliveries.view``. Deliveries come from the scoped selector, so another
client's delivery, or any delivery for a partner or qualifier, is 404 (the selector's
``DoesNotExist``, answered by the error middleware).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.accounts.permissions import (
    Capability,
    capability_required,
    request_user,
    user_can,
)
from leadflow.core.errors import DomainError
from leadflow.core.schedule import describe, upcoming_runs
from leadflow.delivery import selectors
from leadflow.delivery.content import rating_label
from leadflow.delivery.forms import ScheduleForm
from leadflow.delivery.models import Delivery, DeliveryKind, FileFormat
from leadflow.delivery.services import (
    delivery_batch_run,
    delivery_resend,
    hot_lead_deliver_now,
    hot_lead_escalate,
    schedule_of,
    schedule_save,
    schedule_webhook_secret_rotate,
)

PER_PAGE = 50
#: Where a client contact disputes a delivered lead (the guarantees app).
DISPUTE_URL_NAME = "guarantees:dispute_new"


manager_required = capability_required(
    Capability.DELIVERIES_MANAGE, "Only sales managers and admins manage deliveries."
)


@login_required
@require_GET
@capability_required(Capability.DELIVERIES_VIEW, "Deliveries are for managers and client contacts.")
def delivery_index(request: HttpRequest) -> HttpResponse:
    """Managers: their delivery programs and the latest deliveries. Client contacts: the
    deliveries made to their company, newest first."""
    user = request_user(request)
    page = Paginator(selectors.delivery_list(user=user), PER_PAGE).get_page(request.GET.get("page"))
    manages = user_can(user, Capability.DELIVERIES_MANAGE)
    return render(
        request,
        "delivery/index.html",
        {
            "manages": manages,
            "programs": selectors.delivery_program_overview(user=user) if manages else [],
            "page": page,
            "rows": _rows(list(page), manages),
        },
    )


def _rows(deliveries: list[Delivery], with_sending: bool) -> list[tuple[Delivery, object]]:
    sending = selectors.delivery_sending(deliveries=deliveries) if with_sending else {}
    return [(delivery, sending.get(delivery.pk)) for delivery in deliveries]


@login_required
@require_http_methods(["GET", "POST"])
@manager_required
def program_deliveries(request: HttpRequest, slug: str) -> HttpResponse:
    """A program's delivery settings (the form saves them), its deliveries with how their
    sending went, and its Hot-lead timings."""
    user = request_user(request)
    program = selectors.delivery_program_get(user=user, slug=slug)
    now = timezone.now()
    schedule = selectors.delivery_schedule_get(program=program)
    form = ScheduleForm(
        request.POST if request.method == "POST" else None,
        initial=ScheduleForm.initial_from(schedule),
    )
    if request.method == "POST" and form.is_valid():
        try:
            schedule_save(program=program, settings=form.settings(), actor=user, now=now)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Delivery settings saved.")
            return redirect("delivery:program", slug=program.slug)
    runs = []
    if schedule is not None and schedule.is_active:
        core = schedule_of(schedule, timezone=program.client.timezone)
        runs = upcoming_runs(core, now, 3)
    deliveries = list(selectors.delivery_list(user=user, program=program)[:PER_PAGE])
    return render(
        request,
        "delivery/program.html",
        {
            "program": program,
            "schedule": schedule,
            "described": describe(schedule_of(schedule, timezone=program.client.timezone))
            if schedule
            else "",
            "runs": runs,
            "form": form,
            "waiting": [
                (rating_label(rating) if rating != "none" else "no rating", count)
                for rating, count in selectors.approved_counts(program=program).items()
            ],
            "hot_waiting": selectors.hot_leads_waiting(program=program, now=now),
            "managers": selectors.program_managers(program=program),
            "hot": selectors.hot_timings(program=program, now=now),
            "rows": _rows(deliveries, True),
        },
    )


@login_required
@require_POST
@manager_required
def delivery_run(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Deliver now": build the program's batch at once."""
    user = request_user(request)
    program = selectors.delivery_program_get(user=user, slug=slug)
    try:
        result = delivery_batch_run(program=program, now=timezone.now(), actor=user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("delivery:program", slug=program.slug)
    messages.success(request, result.message)
    if result.delivery is not None:
        return redirect("delivery:detail", delivery_id=result.delivery.pk)
    return redirect("delivery:program", slug=program.slug)


@login_required
@require_POST
@manager_required
def webhook_secret_rotate(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    program = selectors.delivery_program_get(user=user, slug=slug)
    try:
        schedule_webhook_secret_rotate(program=program, actor=user, now=timezone.now())
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "New webhook secret made: give it to the client's CRM.")
    return redirect("delivery:program", slug=program.slug)


@login_required
@require_GET
def delivery_detail(request: HttpRequest, delivery_id: int) -> HttpResponse:
    user = request_user(request)
    delivery = selectors.delivery_get(user=user, delivery_id=delivery_id)
    manages = user_can(user, Capability.DELIVERIES_MANAGE)
    items = [
        (item, _dispute_url(item.lead_id)) for item in selectors.delivery_items(delivery=delivery)
    ]
    return render(
        request,
        "delivery/detail.html",
        {
            "delivery": delivery,
            "is_hot": delivery.kind == DeliveryKind.HOT,
            "deliverable": delivery.summary.get("deliverable"),
            "items": items,
            "disputes": any(url for _, url in items),
            "listed": delivery.summary.get("listed", []),
            "ratings": [
                (rating_label(rating), count)
                for rating, count in delivery.summary.get("ratings", {}).items()
            ],
            "held": [
                (rating_label(rating) if rating != "none" else "no rating", count)
                for rating, count in delivery.summary.get("held", {}).items()
            ],
            "files": selectors.delivery_files(delivery=delivery),
            "manages": manages,
            "sending": selectors.delivery_sending(deliveries=[delivery])[delivery.pk]
            if manages
            else None,
        },
    )


def _dispute_url(lead_id: int) -> str | None:
    """The guarantees app's dispute form for a delivered lead, once that app provides it."""
    try:
        return reverse(DISPUTE_URL_NAME, kwargs={"lead_id": lead_id})
    except NoReverseMatch:
        return None


@login_required
@require_POST
@manager_required
def delivery_resend_view(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = selectors.delivery_get(user=request_user(request), delivery_id=delivery_id)
    queued = delivery_resend(delivery=delivery, now=timezone.now())
    if queued:
        messages.success(
            request, f"Sending again: {queued} message{'' if queued == 1 else 's'} queued."
        )
    else:
        messages.info(request, "Nothing to send again: the outbox has not given up on it.")
    return redirect("delivery:detail", delivery_id=delivery.pk)


@login_required
@require_GET
def delivery_file(request: HttpRequest, delivery_id: int, file_format: str) -> HttpResponse:
    """A delivery's CSV or XLSX, as the client's users download it."""
    if file_format not in FileFormat.values:
        raise Http404("No such file.")
    found = selectors.delivery_file_get(
        user=request_user(request), delivery_id=delivery_id, file_format=FileFormat(file_format)
    )
    response = HttpResponse(bytes(found.content), content_type=found.mimetype)
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    response["Content-Length"] = str(found.size)
    return response


@login_required
@require_POST
@manager_required
def hot_deliver_now(request: HttpRequest, slug: str, lead_id: int) -> HttpResponse:
    """ "Deliver now" for a Hot lead past its limit: the usual Hot delivery, made at once."""
    user = request_user(request)
    program = selectors.delivery_program_get(user=user, slug=slug)
    lead = selectors.hot_lead_waiting_get(program=program, lead_id=lead_id)
    try:
        delivery = hot_lead_deliver_now(lead=lead, actor=user, now=timezone.now())
    except DomainError as exc:
        messages.error(request, f"Lead #{lead.pk} not delivered: {exc}.")
        return redirect("delivery:program", slug=program.slug)
    messages.success(request, f"Lead #{lead.pk} delivered to {program.client.name}.")
    return redirect("delivery:detail", delivery_id=delivery.pk)


@login_required
@require_POST
@manager_required
def hot_escalate(request: HttpRequest, slug: str, lead_id: int) -> HttpResponse:
    """Escalate a Hot lead past its limit to a named manager of the program."""
    user = request_user(request)
    program = selectors.delivery_program_get(user=user, slug=slug)
    lead = selectors.hot_lead_waiting_get(program=program, lead_id=lead_id)
    try:
        manager_id = int(request.POST.get("manager", ""))
    except ValueError:
        manager_id = 0
    try:
        manager = hot_lead_escalate(
            lead=lead,
            manager_id=manager_id,
            note=request.POST.get("note", ""),
            actor=user,
            now=timezone.now(),
        )
    except DomainError as exc:
        messages.error(request, f"Lead #{lead.pk} not escalated: {exc}.")
        return redirect("delivery:program", slug=program.slug)
    name = manager.get_full_name() or manager.get_username()
    messages.success(request, f"Lead #{lead.pk} escalated to {name}; they have been e-mailed.")
    return redirect("delivery:program", slug=program.slug)
