"""The periodic jobs that tell people what waits too long, run over the demo's past as the
scheduler would have run them, so that the first start of ``make run`` is quiet.

The demo replays six months of history in one go; the scheduler was not running meanwhile. A
worker starting afterwards would otherwise find every lead the demo left waiting past a limit
(in the routing queue, a Hot lead not yet delivered, a sales task's reminder) and send a burst
of "waiting too long" mail about leads placed months ago. Here each such job runs at its first
tick after each thing fell due, with that time as ``now``, through the app's own service: the
alert sits in the lead's history when it was due, its e-mail is recorded as sent then (with the
rest of the demo's outbox), and nothing is left for the first tick. Whatever falls due after
the load (a lead that starts waiting later, a limit not reached yet) alerts as it always does.
"""

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from leadflow.accounts.models import User
from leadflow.config.schedule import PERIODIC_JOBS
from leadflow.core.enums import Rating
from leadflow.core.handoff import HOT_TARGET
from leadflow.core.lifecycle import PRE_HAND_OFF
from leadflow.delivery.services import hot_leads_alert
from leadflow.leads.models import Lead
from leadflow.partners.selectors import routing_queue, routing_queue_waits
from leadflow.partners.services.manual import routing_queue_alert
from leadflow.partners.services.status import weekly_status_send
from leadflow.reports.services.mail import mail_due
from leadflow.sales.selectors.tasks import reminders_due
from leadflow.sales.services.tasks import task_reminders_send

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def tick_after(due: datetime, every: timedelta) -> datetime:
    """The scheduler's first run of a job of interval ``every`` at or after ``due``."""
    return _EPOCH + -((_EPOCH - due) // every) * every


def _routing_due(admin: User) -> Iterable[datetime]:
    waits = routing_queue_waits(entries=list(routing_queue(user=admin)))
    return (wait.until for wait in waits.values())


def _hot_due() -> Iterable[datetime]:
    waiting = Lead.objects.filter(
        rating=Rating.HOT, status__in=[status.value for status in PRE_HAND_OFF]
    )
    return (created + HOT_TARGET for created in waiting.values_list("created_at", flat=True))


def _reminders_due(now: datetime) -> Iterable[datetime]:
    return (at for at in reminders_due(now=now).values_list("remind_at", flat=True) if at)


def demo_alerts_catch_up(*, admin: User, now: datetime) -> int:
    """Run the alerting jobs at their ticks over the demo's past; how many runs it took.

    ``admin`` sees every program (the routing queue is read through its selector). A due time
    that is a little early or late only moves which run finds the item: each run alerts what
    is due by then, once, exactly as the periodic job does."""
    every = {job.name: job.every for job in PERIODIC_JOBS}
    jobs: tuple[tuple[str, Iterable[datetime], Callable[[datetime], object]], ...] = (
        (
            "partners.routing_queue_alert",
            _routing_due(admin),
            lambda at: routing_queue_alert(now=at),
        ),
        ("delivery.hot_alert", _hot_due(), lambda at: hot_leads_alert(now=at)),
        ("sales.task_reminders", _reminders_due(now), lambda at: task_reminders_send(now=at)),
    )
    runs = 0
    for name, due, run in jobs:
        for at in sorted({tick_after(when, every[name]) for when in due}):
            if at <= now:
                run(at)
                runs += 1
    return runs


def demo_report_mail_catch_up(*, now: datetime) -> None:
    """The scheduled report e-mails of the last period, which the hourly job would have queued
    when the period ended: queued with the load (after the reports' tables are summed up)."""
    mail_due(now=now)


def demo_weekly_status_catch_up(*, now: datetime) -> int:
    """This week's status e-mails to the demo's partners, which the hourly job would have
    queued on Monday morning (their local time): queued with the load, so the first tick
    finds them sent. How many went (none before this week's Monday 09:00)."""
    return weekly_status_send(now=now).sent
