"""Background work of programs: re-qualifying open leads after criteria are published."""

from django.utils import timezone
from django_tasks import task

from leadflow.accounts.models import User
from leadflow.leads.services import leads_requalify_bulk
from leadflow.programs.models import Program


@task()
def criteria_requalify(program_id: int, actor_id: int | None) -> dict[str, int]:
    """Re-qualify the program's open leads with its current published criteria.

    Runs in the worker because a program may hold many thousands of open leads; the service
    works in batches and skips leads already on the current version, so a task that runs again
    after a crash finishes the job without repeating it."""
    program = Program.objects.get(pk=program_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    done = leads_requalify_bulk(program=program, actor=actor, now=timezone.now())
    return {"requalified": done}
