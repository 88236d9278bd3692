"""Background work of imports: the web upload's job runs in the task worker."""

from django_tasks import task

from leadflow.imports.models import ImportJob, ImportStatus
from leadflow.imports.reading import ImportFileError
from leadflow.imports.services.run import import_run


@task(queue_name="bulk")
def import_job_run(job_id: int) -> dict[str, int | str]:
    """Run (or, when the worker died mid-way and the task runs again, resume) an import job.
    A file that cannot be read fails the job with its message, which the job page shows."""
    job = ImportJob.objects.select_related("program", "uploaded_by").get(pk=job_id)
    if job.status != ImportStatus.DONE:
        try:
            import_run(job=job, actor=job.uploaded_by)
        except ImportFileError:
            job.refresh_from_db()
    return {
        "status": job.status,
        "created": job.created,
        "merged": job.merged,
        "rejected": job.rejected,
    }
