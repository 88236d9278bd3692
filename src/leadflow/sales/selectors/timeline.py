"""What the sales follow-up adds to a lead's timeline beside its history (``config/leads.py``,
``TIMELINE_ENTRIES``): the tasks still open, each on its due time. Done and cancelled tasks are
in the history already (the sales services record them as note events)."""

from leadflow.leads.models import Lead
from leadflow.leads.workspace.history import HistoryRow
from leadflow.sales.models import Task, TaskState


def lead_timeline_tasks(*, lead: Lead) -> list[HistoryRow]:
    tasks = Task.objects.filter(lead=lead, state=TaskState.OPEN).select_related("owner")
    return [
        HistoryRow(
            at=task.due_at,
            actor=task.owner.get_full_name() or task.owner.get_username(),
            kind="tasks",
            sentence=(
                f"{task.title or task.get_kind_display()} is due for "
                f"{task.owner.get_full_name() or task.owner.get_username()}."
            ),
        )
        for task in tasks.order_by("due_at", "pk")
    ]
