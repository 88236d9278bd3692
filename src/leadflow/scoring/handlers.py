"""What predictive scoring does about the leads apps' events (``config/events.py``)."""

from collections.abc import Sequence

from django.db import transaction

from leadflow.scoring.active import any_model_active


def history_recorded(*, lead_ids: Sequence[int]) -> None:
    """Leads were captured or changed: once the change commits, score them with their
    program's model. Runs inside the writing transaction, and with no model switched on
    anywhere it costs nothing (the process remembers that, ``scoring.active``)."""
    if not lead_ids or not any_model_active():
        return
    from leadflow.scoring.tasks import leads_score_task

    ids = list(lead_ids)
    transaction.on_commit(lambda: leads_score_task.enqueue(lead_ids=ids))
