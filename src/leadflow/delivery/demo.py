"""The demo's deliveries: a weekly schedule for the demo's delivery program and its recent
history (Hot leads delivered at once, the last two Monday batches), made by the real services
at the times they would have run, so the delivery pages have something true to show."""

from datetime import datetime, time, timedelta

from leadflow.core.enums import Rating
from leadflow.core.lifecycle import LeadStatus
from leadflow.core.schedule import Frequency, upcoming_runs
from leadflow.delivery.models import Delivery
from leadflow.delivery.services import (
    ScheduleSettings,
    delivery_batch_run,
    hot_leads_deliver,
    schedule_of,
    schedule_save,
)
from leadflow.leads.models import Lead
from leadflow.programs.models import Program

#: How long after approval the demo's hand-off delivers a Hot lead.
HOT_HAND_OFF_DELAY = timedelta(minutes=20)
PAST_BATCHES = 2


def demo_deliveries(*, program: Program, now: datetime) -> list[Delivery]:
    """Schedule the program's batch every Monday at 09:00 in the client's timezone, then replay
    the last weeks in time order: each approved Hot lead delivered just after its approval,
    and the last two scheduled batches at their times. Returns the deliveries made."""
    start = now - timedelta(days=7 * (PAST_BATCHES + 1))
    schedule = schedule_save(
        program=program,
        settings=ScheduleSettings(frequency=Frequency.WEEKLY, weekday=0, time_of_day=time(9, 0)),
        actor=None,
        now=start,
    )
    core = schedule_of(schedule, timezone=program.client.timezone)
    batch_times = [run.at for run in upcoming_runs(core, start, PAST_BATCHES + 2) if run.at < now]
    steps: list[tuple[datetime, int | None]] = [(at, None) for at in batch_times[-PAST_BATCHES:]]
    hot = Lead.objects.filter(program=program, status=LeadStatus.APPROVED, rating=Rating.HOT)
    for hot_id, approved_at in hot.values_list("pk", "updated_at"):
        steps.append((min(approved_at + HOT_HAND_OFF_DELAY, now), hot_id))
    made: list[Delivery] = []
    for at, lead_id in sorted(steps, key=lambda step: (step[0], step[1] or 0)):
        if lead_id is None:
            result = delivery_batch_run(program=program, now=at)
            made += [result.delivery] if result.delivery else []
        else:
            made += hot_leads_deliver(lead_ids=[lead_id], now=at)
    return made
