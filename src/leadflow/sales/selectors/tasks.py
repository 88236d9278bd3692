"""Reads of sales tasks, the programs' sales settings and working calendars, and the
calendar feeds. Tasks are read from the leads in the user's scope (``leads.selectors.lead_scope``:
a partner's user sees those of the leads assigned to its partner; a role without
``sales.view`` sees none); out of scope is "does not exist" (404)."""

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.core.calendar import WorkingCalendar, working_calendar
from leadflow.core.errors import CalendarError
from leadflow.leads.models import Lead
from leadflow.leads.selectors import lead_scope
from leadflow.programs.models import Program
from leadflow.sales.models import CalendarFeed, SalesSettings, Task, TaskState


def sales_settings(program: Program | int) -> SalesSettings:
    """The program's sales settings: its row, or the defaults (unsaved) when it has none."""
    program_id = program if isinstance(program, int) else program.pk
    found = SalesSettings.objects.filter(program_id=program_id).first()
    return found or SalesSettings(program_id=program_id)


def program_calendar(program: Program, settings: SalesSettings | None = None) -> WorkingCalendar:
    """The program's working days for due dates: the client's country (else the program's
    default region) and timezone, the sales subdivision, the closure days."""
    closed = _closure_days(tuple(program.closure_days or ()))
    subdivision = settings.subdivision if settings is not None else ""
    country = program.client.country or program.default_region
    try:
        return _calendar(country, subdivision, program.client.timezone, closed)
    except CalendarError:
        return _calendar(country, "", program.client.timezone, closed)


def _closure_days(days: tuple[str, ...]) -> frozenset[date]:
    parsed = set()
    for day in days:
        try:
            parsed.add(date.fromisoformat(day))
        except (TypeError, ValueError):
            continue
    return frozenset(parsed)


@functools.lru_cache(maxsize=256)
def _calendar(
    country: str, subdivision: str, timezone: str, closed: frozenset[date]
) -> WorkingCalendar:
    return working_calendar(
        country=country, subdivision=subdivision or None, timezone=timezone, closure_days=closed
    )


# --- Tasks ------------------------------------------------------------------------------------


def task_scope(*, user: User, program_ids: Iterable[int] | None = None) -> QuerySet[Task]:
    """The tasks of the leads the user may see (narrowed to ``program_ids`` for a token);
    none for a role without the sales follow-up (a client contact sees its delivered leads,
    never their sales work)."""
    if not user_can(user, Capability.SALES_VIEW):
        return Task.objects.none()
    leads = lead_scope(user=user)
    if program_ids is not None:
        leads = leads.filter(program_id__in=list(program_ids))
    return Task.objects.filter(lead__in=leads.values("pk")).select_related(
        "lead", "lead__program", "owner"
    )


def task_get(*, user: User, task_id: int, program_ids: Iterable[int] | None = None) -> Task:
    return task_scope(user=user, program_ids=program_ids).get(pk=task_id)


def tasks_for_user(
    owner: User,
    *,
    state: str | None = TaskState.OPEN,
    due_before: datetime | None = None,
) -> QuerySet[Task]:
    """The user's own tasks (open ones unless ``state`` says otherwise; None: all), by due
    time, limited to the leads the user still sees."""
    tasks = task_scope(user=owner).filter(owner=owner)
    if state is not None:
        tasks = tasks.filter(state=state)
    if due_before is not None:
        tasks = tasks.filter(due_at__lt=due_before)
    return tasks.order_by("due_at", "id")


@dataclass(frozen=True)
class MyTasks:
    """A user's open tasks for the home page: overdue first, then today's, then upcoming."""

    overdue: list[Task] = field(default_factory=list)
    today: list[Task] = field(default_factory=list)
    upcoming: list[Task] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.today) + len(self.upcoming)


def my_tasks(*, user: User, now: datetime, zone: str = "UTC", limit: int = 50) -> MyTasks:
    """The user's open tasks split by ``now``: overdue (due before now), today (due later
    today, in ``zone``), upcoming (the next ``limit``)."""
    local = now.astimezone(ZoneInfo(zone))
    end_of_day = datetime.combine(local.date() + timedelta(days=1), time(0), local.tzinfo)
    tasks = tasks_for_user(user)
    overdue = list(tasks.filter(due_at__lt=now)[:limit])
    today = list(tasks.filter(due_at__gte=now, due_at__lt=end_of_day)[:limit])
    upcoming = list(tasks.filter(due_at__gte=end_of_day)[:limit])
    return MyTasks(overdue=overdue, today=today, upcoming=upcoming)


def lead_tasks(*, lead: Lead, state: str | None = None) -> QuerySet[Task]:
    tasks = Task.objects.filter(lead=lead).select_related("owner")
    if state is not None:
        tasks = tasks.filter(state=state)
    return tasks.order_by("state", "due_at", "id")


def reminders_due(*, now: datetime) -> QuerySet[Task]:
    """Open tasks whose reminder time has come and that were not reminded yet."""
    return Task.objects.filter(
        state=TaskState.OPEN, reminded_at__isnull=True, remind_at__lte=now
    ).order_by("remind_at", "id")


def feed_by_token(*, token: str) -> CalendarFeed:
    """The active feed of a token (CalendarFeed.DoesNotExist for an unknown or revoked one)."""
    return CalendarFeed.objects.select_related("user").get(
        token=token, revoked_at__isnull=True, user__is_active=True
    )


def feed_of(*, user: User) -> CalendarFeed | None:
    """The user's active calendar feed, if any."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()
