"""A sequence's touches: add one, edit it, move it up or down, remove it, and preview an
e-mail touch as a real lead of the program would receive it.

Edits of a sequence in use apply to the touches not yet done (docs/DECISIONS.md): what went
out is kept, as sent, in each lead's history and ``TouchSent``."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.accounts.models import User
from leadflow.accounts.permissions import request_user
from leadflow.core.errors import InputError
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import Lead
from leadflow.leads.selectors import lead_get
from leadflow.leads.selectors.consent import marketing_email_allowed
from leadflow.leads.selectors.scope import lead_scope
from leadflow.nurture.forms import MERGE_HELP, TouchForm
from leadflow.nurture.models import Sequence, Touch, TouchKind
from leadflow.nurture.selectors import sequence_get, touch_get
from leadflow.nurture.services import touch_add, touch_delete, touch_move, touch_update
from leadflow.nurture.services.email import email_render
from leadflow.nurture.views.sequences import manage_required

#: How many of the program's leads the preview offers to show the e-mail with.
PREVIEW_CHOICES = 50


def _touch(user: User, sequence: Sequence, touch_id: int) -> Touch:
    touch = touch_get(user=user, touch_id=touch_id)
    if touch.sequence_id != sequence.pk:
        raise Http404("No such touch in this sequence.")
    return touch


def _number(sequence: Sequence, touch: Touch) -> int:
    order = list(sequence.touches.order_by("position", "id").values_list("pk", flat=True))
    return order.index(touch.pk) + 1


def _content(form: TouchForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "kind": data["kind"],
        "wait_days": data["wait_days"],
        "subject": data["subject"],
        "body_text": data["body_text"],
        "call_script": data["call_script"],
    }


@manage_required
@require_http_methods(["GET", "POST"])
def touch_new(request: HttpRequest, sequence_id: int) -> HttpResponse:
    user = request_user(request)
    sequence = sequence_get(user=user, sequence_id=sequence_id)
    form = TouchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            touch_add(sequence=sequence, now=timezone.now(), **_content(form))
        except InputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, "Touch added at the end of the sequence.")
            return redirect("nurture:sequence", sequence_id=sequence.pk)
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "sequence": sequence, "merge_help": MERGE_HELP}
    return render(request, "nurture/touch_form.html", context, status=status)


@manage_required
@require_http_methods(["GET", "POST"])
def touch_edit(request: HttpRequest, sequence_id: int, touch_id: int) -> HttpResponse:
    user = request_user(request)
    sequence = sequence_get(user=user, sequence_id=sequence_id)
    touch = _touch(user, sequence, touch_id)
    initial = {
        "kind": touch.kind,
        "wait_days": touch.wait_days,
        "subject": touch.subject,
        "body_text": touch.body_text,
        "call_script": touch.call_script,
    }
    form = TouchForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            touch_update(touch=touch, now=timezone.now(), **_content(form))
        except InputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, "Touch saved.")
            return redirect("nurture:sequence", sequence_id=sequence.pk)
    status = 400 if form.is_bound and form.errors else 200
    context = {
        "form": form,
        "sequence": sequence,
        "touch": touch,
        "number": _number(sequence, touch),
        "sent_count": touch.sent.count(),
        "merge_help": MERGE_HELP,
    }
    return render(request, "nurture/touch_form.html", context, status=status)


@manage_required
@require_POST
def touch_move_view(request: HttpRequest, sequence_id: int, touch_id: int) -> HttpResponse:
    user = request_user(request)
    sequence = sequence_get(user=user, sequence_id=sequence_id)
    touch = _touch(user, sequence, touch_id)
    offset = -1 if request.POST.get("offset") == "-1" else 1
    touch_move(touch=touch, offset=offset, now=timezone.now())
    messages.success(request, "Touch moved " + ("up." if offset < 0 else "down."))
    return redirect("nurture:sequence", sequence_id=sequence.pk)


@manage_required
@require_POST
def touch_delete_view(request: HttpRequest, sequence_id: int, touch_id: int) -> HttpResponse:
    user = request_user(request)
    sequence = sequence_get(user=user, sequence_id=sequence_id)
    touch = _touch(user, sequence, touch_id)
    number = _number(sequence, touch)
    touch_delete(touch=touch, now=timezone.now())
    messages.success(
        request,
        f"Touch {number} removed. Leads that already had it keep it in their history.",
    )
    return redirect("nurture:sequence", sequence_id=sequence.pk)


def _preview_leads(user: User, sequence: Sequence) -> list[Lead]:
    """Leads of the sequence's program to show the e-mail with: nurturing ones first."""
    leads = lead_scope(user=user).filter(program=sequence.program)
    nurturing = list(
        leads.filter(status=LeadStatus.NURTURING).order_by("-updated_at", "-id")[:PREVIEW_CHOICES]
    )
    if len(nurturing) < PREVIEW_CHOICES:
        others = leads.exclude(status=LeadStatus.NURTURING).order_by("-created_at", "-id")
        nurturing += list(others[: PREVIEW_CHOICES - len(nurturing)])
    return nurturing


@manage_required
@require_GET
def touch_preview(request: HttpRequest, sequence_id: int, touch_id: int) -> HttpResponse:
    """The e-mail rendered for a real lead of the program, nothing sent or recorded."""
    user = request_user(request)
    sequence = sequence_get(user=user, sequence_id=sequence_id)
    touch = _touch(user, sequence, touch_id)
    if touch.kind != TouchKind.EMAIL:
        raise Http404("Only e-mail touches have a preview.")
    choices = _preview_leads(user, sequence)
    lead: Lead | None = choices[0] if choices else None
    wanted = request.GET.get("lead", "")
    if wanted.isdigit():
        lead = lead_get(user=user, lead_id=int(wanted))
        if lead.program_id != sequence.program_id:
            raise Http404("That lead is not in this sequence's program.")
        if lead not in choices:
            choices.insert(0, lead)
    context: dict[str, Any] = {
        "sequence": sequence,
        "touch": touch,
        "number": _number(sequence, touch),
        "lead_choices": choices,
        "lead": lead,
    }
    if lead is not None:
        context["rendered"] = email_render(touch=touch, lead=lead)
        context["may_email"] = marketing_email_allowed(
            client=sequence.program.client, email=lead.email
        )
    return render(request, "nurture/preview.html", context)
