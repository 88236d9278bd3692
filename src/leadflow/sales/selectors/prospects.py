"""The Prospects view of the lead list (issue 15, item 7; ``config/leads.py``
``LEAD_LIST_VIEWS``): each prospect's demos, proposals and next open task, as text columns of
the table and the CSV export, read for a page (or an export chunk) in three queries."""

from collections import defaultdict
from collections.abc import Sequence

from leadflow.sales.models import Demo, DemoState, Proposal, Task, TaskState

Column = tuple[str, dict[int, str]]


def prospect_columns(*, lead_ids: Sequence[int]) -> list[Column]:
    """ "Demos", "Proposals" and "Next task" for the given leads (the caller scoped them)."""
    demos: dict[int, list[str]] = defaultdict(list)
    proposals: dict[int, list[str]] = defaultdict(list)
    next_task: dict[int, str] = {}
    if lead_ids:
        for demo in (
            Demo.objects.filter(lead_id__in=lead_ids)
            .exclude(state=DemoState.CANCELLED)
            .order_by("starts_at", "id")
        ):
            state = demo.get_state_display().lower()
            demos[demo.lead_id].append(
                f"{demo.get_kind_display()} {demo.starts_at:%Y-%m-%d} ({state})"
            )
        for proposal in Proposal.objects.filter(lead_id__in=lead_ids).order_by("created_at", "id"):
            amount = proposal.won_amount if proposal.won_amount is not None else proposal.amount
            proposals[proposal.lead_id].append(
                f"{amount:,.2f} {proposal.currency} ({proposal.get_state_display().lower()})"
            )
        for task in Task.objects.filter(lead_id__in=lead_ids, state=TaskState.OPEN).order_by(
            "lead_id", "due_at", "id"
        ):
            next_task.setdefault(
                task.lead_id, f"{task.get_kind_display()} by {task.due_at:%Y-%m-%d %H:%M} UTC"
            )
    return [
        ("Demos", {lead_id: "; ".join(found) for lead_id, found in demos.items()}),
        ("Proposals", {lead_id: "; ".join(found) for lead_id, found in proposals.items()}),
        ("Next task", next_task),
    ]
