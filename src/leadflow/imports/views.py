"""The web side of imports: upload a file, follow its job, download its rejected rows.

Imports are for marketing, sales managers and admins (``imports.run``; DESIGN.md, "Who uses
it"); everyone else is refused (403). Jobs are found through the scoped selector, so another
scope's job is 404 (its ``DoesNotExist``, answered by the error middleware).
"""

import re

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from leadflow.accounts.permissions import Capability, capability_required, request_user
from leadflow.core.enums import Channel
from leadflow.imports.forms import ImportUploadForm
from leadflow.imports.selectors import import_job_get, import_job_list
from leadflow.imports.services import import_job_create, import_rejected_rows_write
from leadflow.imports.tasks import import_job_run

importer_required = capability_required(
    Capability.IMPORTS_RUN, "Only marketing, sales managers and admins import leads."
)


@login_required
@require_http_methods(["GET", "POST"])
@importer_required
def import_index(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job, _ = import_job_create(
            program=form.cleaned_data["program"],
            upload=upload,
            original_name=upload.name,
            uploaded_by=user,
            now=timezone.now(),
            channel=Channel(form.cleaned_data["channel"]) if form.cleaned_data["channel"] else None,
            campaign=form.cleaned_data["campaign"] or None,
            dry_run=form.cleaned_data["dry_run"],
        )
        import_job_run.enqueue(job.pk)
        return redirect("imports:detail", job_id=job.pk)
    jobs = import_job_list(user=user)[:20]
    return render(request, "imports/index.html", {"form": form, "jobs": jobs})


@login_required
@require_GET
@importer_required
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = import_job_get(user=request_user(request), job_id=job_id)
    template = (
        "imports/_progress.html" if request.headers.get("HX-Request") else "imports/detail.html"
    )
    return render(request, template, {"job": job})


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
