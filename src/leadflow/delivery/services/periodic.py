"""The periodic delivery run: Hot leads the hand-off missed, then every batch that is due."""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from leadflow.core.handoff import DELIVERING_MODES
from leadflow.delivery.models import Delivery, DeliverySchedule
from leadflow.delivery.selectors import hot_leads_undelivered
from leadflow.delivery.services.batches import BatchResult, batch_run
from leadflow.delivery.services.hot import hot_leads_deliver

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DueRun:
    """What one periodic run did."""

    hot: list[Delivery] = field(default_factory=list)
    batches: list[BatchResult] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def deliveries_run_due(*, now: datetime) -> DueRun:
    """The periodic job: deliver any approved Hot lead still waiting (normally none: the
    hand-off delivers them on approval, but a lost task must not leave one behind), then run
    every schedule whose next run has come.

    Each schedule is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` in its own transaction,
    so several workers share the due schedules and never run one twice; a batch that fails is
    logged and rolled back whole, keeps its due time, and is tried again on the next round."""
    hot = hot_leads_deliver(lead_ids=hot_leads_undelivered(), now=now)
    results: list[BatchResult] = []
    failed: set[int] = set()
    failed_slugs: list[str] = []
    while True:
        with transaction.atomic():
            schedule = (
                DeliverySchedule.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("program")
                .filter(
                    is_active=True,
                    next_run_at__lte=now,
                    program__is_active=True,
                    program__hand_off_mode__in=DELIVERING_MODES,
                )
                .exclude(pk__in=failed)
                .order_by("next_run_at", "pk")
                .first()
            )
            if schedule is None:
                return DueRun(hot=hot, batches=results, failed=failed_slugs)
            try:
                with transaction.atomic():
                    results.append(
                        batch_run(program=schedule.program, schedule=schedule, now=now, actor=None)
                    )
            except Exception:
                logger.exception("delivery batch of %s failed", schedule.program.slug)
                failed.add(schedule.pk)
                failed_slugs.append(schedule.program.slug)
