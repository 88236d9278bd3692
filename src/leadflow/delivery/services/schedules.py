"""A program's delivery settings: when its batch runs, what goes in it, where it is sent."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from leadflow.accounts.models import User
from leadflow.core.delivery_files import Column, ColumnMapError, column_map_check
from leadflow.core.delivery_files import column_map_to_json as columns_to_json
from leadflow.core.enums import Rating
from leadflow.core.errors import DomainError
from leadflow.core.handoff import delivers
from leadflow.core.schedule import Frequency, Schedule, ScheduleError, next_run
from leadflow.delivery.models import CHandling, DeliverySchedule, FyiHandling
from leadflow.notifications.outbound import webhook_url_problem
from leadflow.programs.models import Program

#: Hand-off modes whose programs deliver to the client (the others route to partners only).
#: Ratings a batch may be set to carry; C and FYI have their own settings, Hot goes at once.
BATCH_RATINGS = (Rating.A.value, Rating.B.value)
MAX_RECIPIENTS = 50


class DeliveryError(DomainError):
    """A delivery setting or request that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class ScheduleSettings:
    """A program's delivery settings as a manager submits them (see ``DeliverySchedule``)."""

    frequency: Frequency
    weekday: int | None = None
    day_of_month: int | None = None
    week_of_month: int | None = None
    time_of_day: time = time(9, 0)
    anchor_date: date | None = None
    batch_ratings: tuple[str, ...] = BATCH_RATINGS
    c_handling: CHandling = CHandling.NURTURE
    fyi_handling: FyiHandling = FyiHandling.SUMMARY
    recipients: tuple[str, ...] = ()
    column_map: tuple[Column, ...] = ()
    webhook_url: str = ""
    is_active: bool = True


def schedule_of(schedule: DeliverySchedule, *, timezone: str) -> Schedule:
    """The stored schedule as the core's value, in the client's timezone."""
    return Schedule(
        frequency=Frequency(schedule.frequency),
        timezone=timezone,
        at=schedule.time_of_day,
        weekday=schedule.weekday,
        day_of_month=schedule.day_of_month,
        week_of_month=schedule.week_of_month,
        anchor=schedule.anchor_date,
    )


def check_delivery_mode(program: Program) -> None:
    if not delivers(program.hand_off_mode):
        raise DeliveryError(
            f"{program.name} hands its leads to partners only; it has no client deliveries"
        )


def _recipients(addresses: Sequence[str], problems: list[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in addresses:
        address = raw.strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            problems.append(f"{address!r} is not an e-mail address")
            continue
        if address.casefold() not in {known.casefold() for known in cleaned}:
            cleaned.append(address)
    if len(cleaned) > MAX_RECIPIENTS:
        problems.append(f"at most {MAX_RECIPIENTS} recipients, not {len(cleaned)}")
    return cleaned


def _this_week(now: datetime, timezone: str) -> date:
    try:
        return now.astimezone(ZoneInfo(timezone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.date()


def schedule_save(
    *, program: Program, settings: ScheduleSettings, actor: User | None, now: datetime
) -> DeliverySchedule:
    """Create or change a program's delivery settings and set its next run.

    Every problem is refused with its reason and nothing is saved. A bi-weekly schedule without
    an anchor counts its weeks from the current week. A webhook URL gets a signing secret the
    first time one is set, and must be one LeadFlow may call (``notifications.outbound``: its
    name is looked up here, before the transaction, so no lock waits on DNS). The next run is
    recomputed from ``now``, so a changed schedule takes effect on its next matching day."""
    url = settings.webhook_url.strip()
    url_problem = webhook_url_problem(url) if url else ""
    return _schedule_write(
        program=program, settings=settings, url_problem=url_problem, actor=actor, now=now
    )


@transaction.atomic
def _schedule_write(
    *,
    program: Program,
    settings: ScheduleSettings,
    url_problem: str,
    actor: User | None,
    now: datetime,
) -> DeliverySchedule:
    check_delivery_mode(program)
    timezone = program.client.timezone
    problems: list[str] = []
    unknown = set(settings.batch_ratings) - set(BATCH_RATINGS)
    if unknown:
        problems.append(f"a batch carries A and B leads, not {', '.join(sorted(unknown))}")
    biweekly = settings.frequency is Frequency.BIWEEKLY
    anchor = (settings.anchor_date or _this_week(now, timezone)) if biweekly else None
    core: Schedule | None = None
    try:
        core = Schedule(
            frequency=settings.frequency,
            timezone=timezone,
            at=settings.time_of_day.replace(second=0, microsecond=0),
            weekday=settings.weekday,
            day_of_month=settings.day_of_month,
            week_of_month=settings.week_of_month,
            anchor=anchor,
        )
    except ScheduleError as exc:
        problems.append(str(exc))
    try:
        columns = column_map_check(settings.column_map)
    except ColumnMapError as exc:
        problems.extend(str(exc).splitlines())
    recipients = _recipients(settings.recipients, problems)
    url = settings.webhook_url.strip()
    if url_problem:
        problems.append(url_problem)
    if problems or core is None:
        raise DeliveryError("; ".join(problems))
    schedule = DeliverySchedule.objects.select_for_update().filter(program=program).first()
    if schedule is None:
        schedule = DeliverySchedule(program=program)
    schedule.frequency = core.frequency.value
    schedule.weekday = core.weekday
    schedule.day_of_month = core.day_of_month
    schedule.week_of_month = core.week_of_month
    schedule.time_of_day = core.at
    schedule.anchor_date = core.anchor
    schedule.batch_ratings = [
        rating for rating in BATCH_RATINGS if rating in settings.batch_ratings
    ]
    schedule.c_handling = settings.c_handling.value
    schedule.fyi_handling = settings.fyi_handling.value
    schedule.recipients = recipients
    schedule.column_map = columns_to_json(columns)
    schedule.webhook_url = url
    if url and not schedule.webhook_secret:
        schedule.webhook_secret = new_webhook_secret()
    schedule.is_active = settings.is_active
    schedule.next_run_at = next_run(core, now).at if settings.is_active else None
    schedule.updated_at = now
    schedule.updated_by = actor
    schedule.save()
    return schedule


def new_webhook_secret() -> str:
    """A signing secret: 32 random bytes, URL-safe, with a prefix that says what it is."""
    return "whsec_" + secrets.token_urlsafe(32)


@transaction.atomic
def schedule_webhook_secret_rotate(
    *, program: Program, actor: User | None, now: datetime
) -> DeliverySchedule:
    """Replace the program's webhook signing secret. Messages already queued keep the secret
    they were signed with; every later one uses the new secret."""
    schedule = DeliverySchedule.objects.select_for_update().filter(program=program).first()
    if schedule is None or not schedule.webhook_url:
        raise DeliveryError("set a webhook URL first")
    schedule.webhook_secret = new_webhook_secret()
    schedule.updated_at = now
    schedule.updated_by = actor
    schedule.save(update_fields=["webhook_secret", "updated_at", "updated_by"])
    return schedule
