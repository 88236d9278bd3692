"""The web side of imports: upload a file, follow its job, download its rejected rows.

Imports are for marketing, sales managers and admins (DESIGN.md, "Who uses it"); everyone else
is refused (403). Jobs are found through the scoped selector, so another scope's job is 404.
"""

import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from leadflow.accounts.models import Role, User
from leadflow.core.enums import Channel
from leadflow.imports.forms import ImportUploadForm
from leadflow.imports.models import ImportJob
from leadflow.imports.selectors import import_job_get, import_job_list
from leadflow.imports.services import import_job_create, import_rejected_rows_write
from leadflow.imports.tasks import import_job_run

IMPORT_ROLES = (Role.ADMIN, Role.MARKETER, Role.MANAGER)


def _importer(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.has_role(*IMPORT_ROLES):
        raise PermissionDenied("Only marketing, sales managers and admins import leads.")
    return user


def _job(user: User, job_id: int) -> ImportJob:
    try:
        return import_job_get(user=user, job_id=job_id)
    except ImportJob.DoesNotExist:
        raise Http404("No such import.") from None


@login_required
@require_http_methods(["GET", "POST"])
def import_index(request: HttpRequest) -> HttpResponse:
    user = _importer(request)
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
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(_importer(request), job_id)
    template = (
        "imports/_progress.html" if request.headers.get("HX-Request") else "imports/detail.html"
    )
    return render(request, template, {"job": job})


@login_required
@require_GET
def import_rejected_csv(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(_importer(request), job_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stem = re.sub(r"[^\w.-]+", "_", job.original_name.rsplit(".", 1)[0]) or "import"
    response["Content-Disposition"] = f'attachment; filename="{stem}-rejected.csv"'
    import_rejected_rows_write(job=job, out=response)  # type: ignore[arg-type]
    return response
