"""The periodic jobs: what the scheduler hands to the task worker, and how often.

``leadflow scheduler`` (started by ``leadflow serve``) enqueues each job's task when it is due.
Running several schedulers is safe: each due job is claimed under a row lock that the others
skip, so a job is enqueued once per interval however many schedulers run.
"""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    name: str
    task: str
    every: timedelta


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        "outbox.send_due", "leadflow.notifications.tasks.outbox_send_due_task", timedelta(minutes=1)
    ),
    PeriodicJob(
        "api.idempotency_purge", "leadflow.api.tasks.idempotency_purge_task", timedelta(hours=1)
    ),
    PeriodicJob(
        "delivery.run_due", "leadflow.delivery.tasks.deliveries_run_due_task", timedelta(minutes=5)
    ),
    PeriodicJob(
        "delivery.hot_alert", "leadflow.delivery.tasks.hot_leads_alert_task", timedelta(minutes=10)
    ),
    PeriodicJob(
        "partners.sla_sweep", "leadflow.partners.tasks.sla_sweep_task", timedelta(minutes=5)
    ),
    PeriodicJob(
        "partners.routing_queue",
        "leadflow.partners.tasks.routing_queue_drain_task",
        timedelta(minutes=5),
    ),
    PeriodicJob(
        "partners.routing_queue_alert",
        "leadflow.partners.tasks.routing_queue_alert_task",
        timedelta(minutes=10),
    ),
    PeriodicJob(
        "partners.weekly_status",
        "leadflow.partners.tasks.weekly_status_task",
        timedelta(hours=1),
    ),
    PeriodicJob(
        "nurture.touches_due", "leadflow.nurture.tasks.touches_due_task", timedelta(minutes=1)
    ),
    PeriodicJob(
        "sales.task_reminders", "leadflow.sales.tasks.task_reminders_task", timedelta(minutes=1)
    ),
    PeriodicJob(
        "reports.refresh", "leadflow.reports.tasks.facts_refresh_task", timedelta(minutes=1)
    ),
    PeriodicJob(
        "billing.statements_due",
        "leadflow.billing.tasks.statements_due_task",
        timedelta(hours=1),
    ),
    PeriodicJob("scoring.train", "leadflow.scoring.tasks.scoring_train_task", timedelta(days=1)),
    PeriodicJob("scoring.check", "leadflow.scoring.tasks.scoring_check_task", timedelta(days=1)),
    PeriodicJob(
        "scoring.catch_up",
        "leadflow.scoring.tasks.predictions_catch_up_task",
        timedelta(minutes=5),
    ),
    PeriodicJob("reports.mail_due", "leadflow.reports.tasks.mail_due_task", timedelta(hours=1)),
    PeriodicJob(
        "ops.database_optimize", "leadflow.ops.tasks.database_optimize_task", timedelta(hours=6)
    ),
)
