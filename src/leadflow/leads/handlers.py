"""What the leads app does when the apps below it announce something (``leadflow.lib.events``;
the subscriptions are listed in ``config/events.py``)."""

from datetime import datetime

from django.utils import timezone

from leadflow.accounts.models import User
from leadflow.leads.services import leads_requalify_bulk
from leadflow.programs.models import Program


def criteria_published(
    *, program_id: int, version_id: int, actor_id: int | None, now: datetime
) -> dict[str, int]:
    """A program published a new criteria version: its open leads follow it (DESIGN.md:
    re-qualifying records the version used).

    Runs as a task once the publishing has committed, because a program may hold many
    thousands of open leads; the service works in batches with the program's current version
    (a later publication's event finds nothing left to do) and skips leads already on it, so
    a task that runs again after a crash finishes the job without repeating it. The leads
    change, and their history says so, when the task runs, not at ``now``, the publication."""
    program = Program.objects.get(pk=program_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    done = leads_requalify_bulk(program=program, actor=actor, now=timezone.now())
    return {"requalified": done}
