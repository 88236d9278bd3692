"""The web side of imports: upload a file, map its columns (with a dry run), follow its job,
see its rejected rows and the leads it created, and undo it.

Imports are for marketing, sales managers and admins (``imports.run``; DESIGN.md, "Who uses
it"); everyone else is refused (403). Jobs are found through the scoped selector, so another
scope's job is 404 (its ``DoesNotExist``, answered by the error middleware). A refused step
(undoing twice, remapping a started import) is a ``DomainRefused``: 409.
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from leadflow.accounts.permissions import Capability, capability_required, request_user
from leadflow.core.enums import Channel
from leadflow.imports.forms import ImportUploadForm, MappingForm, SavedMappingChoiceForm
from leadflow.imports.reading import ImportFileError
from leadflow.imports.selectors import (
    import_job_get,
    import_job_list,
    import_leads_created,
    import_leads_with_warnings,
    saved_mapping_list,
)
from leadflow.imports.services.jobs import import_job_create, import_rejected_rows_write
from leadflow.imports.services.preview import (
    import_job_confirm,
    import_job_map,
    import_preview,
    saved_mapping_apply,
    saved_mapping_save,
)
from leadflow.imports.services.undo import import_is_undoable, import_undo, import_undo_plan
from leadflow.imports.tasks import import_job_run

importer_required = capability_required(
    Capability.IMPORTS_RUN, "Only marketing, sales managers and admins import leads."
)
#: How many rejected rows, warnings and created leads the result page shows inline.
SHOWN = 20


@login_required
@require_http_methods(["GET", "POST"])
@importer_required
def import_index(request: HttpRequest) -> HttpResponse:
    """Upload: the job waits for its mapping (nothing is written yet). The same file whose
    import stopped half-way resumes at once, with the mapping it had."""
    user = request_user(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job, resumed = import_job_create(
            program=form.cleaned_data["program"],
            upload=upload,
            original_name=upload.name,
            uploaded_by=user,
            now=timezone.now(),
            channel=Channel(form.cleaned_data["channel"]) if form.cleaned_data["channel"] else None,
            campaign=form.cleaned_data["campaign"] or None,
            dry_run=form.cleaned_data["dry_run"],
            awaiting_mapping=True,
        )
        if resumed:
            import_job_run.enqueue(job.pk)
            return redirect("imports:detail", job_id=job.pk)
        return redirect("imports:mapping", job_id=job.pk)
    jobs = import_job_list(user=user)[:20]
    return render(request, "imports/index.html", {"form": form, "jobs": jobs})


@login_required
@require_http_methods(["GET", "POST"])
@importer_required
def import_mapping(request: HttpRequest, job_id: int) -> HttpResponse:
    """The mapping step: every column, its target and samples, and the dry run of the mapping
    as it stands. "Check" keeps the choices and shows the new dry run, "Save" also saves them
    under a name, "Import" queues the job with them."""
    user = request_user(request)
    job = import_job_get(user=user, job_id=job_id)
    if not job.is_awaiting_mapping:
        return redirect("imports:detail", job_id=job.pk)
    saved = saved_mapping_list(program=job.program)
    if request.method == "POST" and request.POST.get("action") == "load":
        choice = SavedMappingChoiceForm(request.POST, saved=saved)
        if choice.is_valid():
            saved_mapping_apply(job=job, saved=choice.cleaned_data["saved"])
            messages.success(request, f"Mapping “{choice.cleaned_data['saved'].name}” applied.")
        return redirect("imports:mapping", job_id=job.pk)
    try:
        preview = import_preview(job=job, overrides=job.overrides)
    except ImportFileError as exc:
        return render(request, "imports/mapping.html", {"job": job, "error": str(exc)}, status=400)
    form = MappingForm(
        request.POST if request.method == "POST" else None,
        columns=preview.columns,
        targets=preview.targets,
        automatic=preview.automatic,
    )
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "check")
        overrides = form.overrides()
        if action == "import":
            import_job_confirm(job=job, overrides=overrides)
            import_job_run.enqueue(job.pk)
            return redirect("imports:detail", job_id=job.pk)
        import_job_map(job=job, overrides=overrides)
        if action == "save":
            name = form.cleaned_data["name"].strip()
            if not name:
                messages.error(request, "Give the mapping a name to save it.")
            else:
                saved_mapping_save(
                    job=job, name=name, columns=overrides, user=user, now=timezone.now()
                )
                messages.success(request, f"Mapping “{name}” saved for {job.program.name}.")
        return redirect("imports:mapping", job_id=job.pk)
    return render(
        request,
        "imports/mapping.html",
        {
            "job": job,
            "preview": preview,
            "form": form,
            "saved_form": SavedMappingChoiceForm(saved=saved) if saved.exists() else None,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_GET
@importer_required
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = import_job_get(user=request_user(request), job_id=job_id)
    if request.headers.get("HX-Request"):
        return render(request, "imports/_progress.html", {"job": job})
    context = {"job": job, "shown": SHOWN}
    if job.is_finished:
        context |= {
            "rejections": job.rejected_rows.order_by("row_number")[:SHOWN],
            "created_leads": import_leads_created(job=job)[:SHOWN],
            "warned_leads": import_leads_with_warnings(job=job)[:SHOWN],
            "undoable": import_is_undoable(job),
        }
    return render(request, "imports/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@importer_required
def import_undo_view(request: HttpRequest, job_id: int) -> HttpResponse:
    """Undo: the page says lead by lead what would happen; the button does it."""
    user = request_user(request)
    job = import_job_get(user=user, job_id=job_id)
    if request.method == "POST":
        plan = import_undo(job=job, actor=user, now=timezone.now())
        counts = plan.counts
        messages.success(
            request,
            f"Import undone: {counts['disqualified']} leads disqualified, "
            f"{counts['reverted']} merges reverted, {counts['kept']} leads kept.",
        )
        return redirect("imports:detail", job_id=job.pk)
    pending = import_undo_plan(job=job) if import_is_undoable(job) else None
    return render(request, "imports/undo.html", {"job": job, "plan": pending, "shown": SHOWN})


@login_required
@require_GET
@importer_required
def import_rejected_csv(request: HttpRequest, job_id: int) -> HttpResponse:
    job = import_job_get(user=request_user(request), job_id=job_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stem = re.sub(r"[^\w.-]+", "_", job.original_name.rsplit(".", 1)[0]) or "import"
    response["Content-Disposition"] = f'attachment; filename="{stem}-rejected.csv"'
    import_rejected_rows_write(job=job, out=response)  # type: ignore[arg-type]
    return response
