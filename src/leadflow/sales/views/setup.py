"""The sales setup of a program (``/sales/programs/<id>/setup``; issue 15, items 1 and 2): its
sales kits (the e-mail with a preview for an example lead, its documents) and its sales
settings (the inquiry flow per inquiry type as rows, the demo lead time, reference uses, the
approval steps, the reminder, the task hour, the subdivision). For holders of
``sales.kits_manage``, on the programs of their scope (another program is "not found"); the
services check and write, these views parse and render."""

from typing import Any

from django.contrib import messages
from django.forms import BaseFormSet, Form
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.accounts.models import Role
from leadflow.accounts.permissions import Capability, capability_required, request_user
from leadflow.core.errors import InputError
from leadflow.leads.models import INQUIRY_TYPE_CHOICES
from leadflow.programs.models import Program
from leadflow.sales.forms import (
    ApprovalStepFormSet,
    FlowStepFormSet,
    KitDocumentForm,
    KitForm,
    SalesSettingsForm,
)
from leadflow.sales.models import SalesKit
from leadflow.sales.selectors.setup import (
    approvers,
    setup_document_get,
    setup_kit_get,
    setup_kits,
    setup_program_get,
    setup_programs,
)
from leadflow.sales.selectors.tasks import sales_settings
from leadflow.sales.services.kits import (
    KitPreview,
    kit_create,
    kit_document_add,
    kit_document_delete,
    kit_preview,
    kit_update,
)
from leadflow.sales.services.proposals import approval_steps
from leadflow.sales.services.settings import ApprovalStepIn, FlowStep, sales_settings_save
from leadflow.sales.services.tasks import FLOW_TITLES, flow_steps

manage_required = capability_required(
    Capability.SALES_KITS_MANAGE, "Your role does not manage the sales kits and settings."
)
SETTINGS_FIELDS = (
    "demo_min_lead_days",
    "reference_uses_per_quarter",
    "remind_minutes_before",
    "task_hour",
    "subdivision",
)


def _setup_url(program: Program) -> str:
    return reverse("sales:setup", args=[program.pk])


@manage_required
@require_GET
def setup_index(request: HttpRequest) -> HttpResponse:
    programs = list(setup_programs(user=request_user(request)))
    return render(request, "sales/setup_index.html", {"programs": programs})


# --- Settings --------------------------------------------------------------------------------


def _role_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Role.choices if value != Role.CLIENT]


def _forms(program: Program, data: Any = None) -> dict[str, Any]:
    """The settings form, one flow formset per inquiry type and the approval steps' formset,
    bound to ``data`` or filled from the program's settings."""
    found = sales_settings(program)
    people = [
        (str(person.pk), person.get_full_name() or person.get_username())
        for person in approvers(program=program)
    ]
    flows = []
    for value, label in INQUIRY_TYPE_CHOICES:
        initial = [
            {
                "kind": step["kind"],
                "after_working_days": step["after_working_days"],
                "title": step["title"] or FLOW_TITLES.get((value, step["kind"]), ""),
            }
            for step in flow_steps(found, value)
        ]
        flows.append((value, label, FlowStepFormSet(data, prefix=f"flow-{value}", initial=initial)))
    approvals = ApprovalStepFormSet(
        data,
        prefix="approval",
        initial=[
            {"name": step.name, "role": step.role, "users": [str(pk) for pk in step.user_ids]}
            for step in approval_steps(program_id=program.pk)
        ],
        form_kwargs={"roles": _role_choices(), "people": people},
    )
    settings_form = SalesSettingsForm(
        data, initial={name: getattr(found, name) for name in SETTINGS_FIELDS}
    )
    return {"settings_form": settings_form, "flows": flows, "approvals": approvals}


def _rows(formset: BaseFormSet[Form], key: str) -> list[dict[str, Any]]:
    return [form.cleaned_data for form in formset.forms if form.cleaned_data.get(key)]


def _save(program: Program, forms: dict[str, Any]) -> str:
    """Save the bound, valid forms through the service; "" when saved, else the problem."""
    data = forms["settings_form"].cleaned_data
    try:
        sales_settings_save(
            program=program,
            task_flow={
                value: [
                    FlowStep(row["kind"], row["after_working_days"], row["title"])
                    for row in _rows(formset, "kind")
                ]
                for value, _, formset in forms["flows"]
            },
            approval_steps=[
                ApprovalStepIn(row["name"], row["role"], frozenset(int(pk) for pk in row["users"]))
                for row in _rows(forms["approvals"], "name")
            ],
            approvers=approvers(program=program),
            demo_min_lead_days=data["demo_min_lead_days"],
            reference_uses_per_quarter=data["reference_uses_per_quarter"],
            remind_minutes_before=data["remind_minutes_before"],
            task_hour=data["task_hour"],
            subdivision=data["subdivision"],
        )
    except InputError as exc:
        if exc.field in SETTINGS_FIELDS:
            forms["settings_form"].add_error(exc.field, f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
            return "see the marked field"
        return str(exc)
    return ""


@manage_required
@require_http_methods(["GET", "POST"])
def setup_page(request: HttpRequest, program_id: int) -> HttpResponse:
    program = setup_program_get(user=request_user(request), program_id=program_id)
    problem = ""
    if request.method == "POST":
        forms = _forms(program, request.POST)
        valid = [forms["settings_form"].is_valid(), forms["approvals"].is_valid()]
        valid += [formset.is_valid() for _, _, formset in forms["flows"]]
        if all(valid):
            problem = _save(program, forms)
            if not problem:
                messages.success(request, f"The sales settings of {program.name} are saved.")
                return redirect(_setup_url(program))
        else:
            problem = "see the marked fields"
    else:
        forms = _forms(program)
    context = {
        "program": program,
        "kits": setup_kits(program=program),
        "problem": problem,
        **forms,
    }
    return render(request, "sales/setup.html", context, status=400 if problem else 200)


# --- Kits ------------------------------------------------------------------------------------


def _kit_form_page(request: HttpRequest, program: Program, kit: SalesKit | None) -> HttpResponse:
    preview: KitPreview | None = None
    if request.method == "POST":
        form = KitForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if "preview" in request.POST:
                    preview = kit_preview(
                        program=program,
                        subject=data["subject"],
                        body=data["body"],
                        is_marketing=data["is_marketing"],
                    )
                elif kit is None:
                    kit = kit_create(program=program, now=timezone.now(), **data)
                    messages.success(request, f"Sales kit “{kit.name}” made; add its documents.")
                    return redirect(reverse("sales:kit", args=[program.pk, kit.pk]))
                else:
                    kit_update(kit=kit, now=timezone.now(), **data)
                    messages.success(request, f"Sales kit “{kit.name}” saved.")
                    return redirect(reverse("sales:kit", args=[program.pk, kit.pk]))
            except InputError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
    elif kit is not None:
        form = KitForm(
            initial={
                "name": kit.name,
                "subject": kit.subject,
                "body": kit.body,
                "is_marketing": kit.is_marketing,
                "is_assessment": kit.is_assessment,
            }
        )
        preview = kit_preview(
            program=program, subject=kit.subject, body=kit.body, is_marketing=kit.is_marketing
        )
    else:
        form = KitForm()
    context = {
        "program": program,
        "kit": kit,
        "form": form,
        "preview": preview,
        "documents": list(kit.documents.order_by("filename", "id")) if kit else [],
        "document_form": KitDocumentForm(),
    }
    return render(request, "sales/kit_form.html", context, status=400 if form.errors else 200)


@manage_required
@require_http_methods(["GET", "POST"])
def kit_new(request: HttpRequest, program_id: int) -> HttpResponse:
    program = setup_program_get(user=request_user(request), program_id=program_id)
    return _kit_form_page(request, program, None)


@manage_required
@require_http_methods(["GET", "POST"])
def kit_edit(request: HttpRequest, program_id: int, kit_id: int) -> HttpResponse:
    program = setup_program_get(user=request_user(request), program_id=program_id)
    return _kit_form_page(request, program, setup_kit_get(program=program, kit_id=kit_id))


@manage_required
@require_POST
def kit_document_upload(request: HttpRequest, program_id: int, kit_id: int) -> HttpResponse:
    program = setup_program_get(user=request_user(request), program_id=program_id)
    kit = setup_kit_get(program=program, kit_id=kit_id)
    form = KitDocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Nothing attached: choose a file first.")
    else:
        try:
            document = kit_document_add(
                kit=kit, upload=form.cleaned_data["file"], now=timezone.now()
            )
        except InputError as exc:
            messages.error(request, f"Nothing attached: {exc}.")
        else:
            messages.success(request, f"{document.filename} attached to “{kit.name}”.")
    return redirect(reverse("sales:kit", args=[program.pk, kit.pk]))


@manage_required
@require_POST
def kit_document_remove(
    request: HttpRequest, program_id: int, kit_id: int, document_id: int
) -> HttpResponse:
    program = setup_program_get(user=request_user(request), program_id=program_id)
    kit = setup_kit_get(program=program, kit_id=kit_id)
    document = setup_document_get(kit=kit, document_id=document_id)
    kit_document_delete(document=document, now=timezone.now())
    messages.success(request, f"{document.filename} removed from “{kit.name}”.")
    return redirect(reverse("sales:kit", args=[program.pk, kit.pk]))


@manage_required
@require_GET
def kit_document_download(
    request: HttpRequest, program_id: int, kit_id: int, document_id: int
) -> FileResponse:
    program = setup_program_get(user=request_user(request), program_id=program_id)
    kit = setup_kit_get(program=program, kit_id=kit_id)
    document = setup_document_get(kit=kit, document_id=document_id)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.filename,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
