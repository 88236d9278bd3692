"""Reads of import jobs, scoped like everything else: a job is seen by whoever sees its
program, and a job out of scope simply does not exist (404)."""

from django.db.models import QuerySet

from leadflow.accounts.models import User
from leadflow.imports.models import ImportedLead, ImportJob, SavedMapping
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_list


def import_job_list(*, user: User) -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("program", "uploaded_by").filter(
        program__in=program_list(user=user)
    )


def import_job_get(*, user: User, job_id: int) -> ImportJob:
    """One job, or ImportJob.DoesNotExist when its program is out of the user's scope."""
    return import_job_list(user=user).get(pk=job_id)


def import_leads_created(*, job: ImportJob) -> QuerySet[ImportedLead]:
    """The leads the job created, in the order it created them (the result page links them)."""
    return job.leads.filter(created=True).select_related("lead").order_by("id")


def import_leads_with_warnings(*, job: ImportJob) -> QuerySet[ImportedLead]:
    """The leads the job created whose intake recorded warnings (a bad optional field)."""
    return import_leads_created(job=job).exclude(lead__warnings=[])


def saved_mapping_list(*, program: Program) -> QuerySet[SavedMapping]:
    return SavedMapping.objects.filter(program=program).order_by("name")
