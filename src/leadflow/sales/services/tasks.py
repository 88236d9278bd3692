"""Sales tasks (issue 15, item 1): made by hand, by the API, by the other sales steps, and by the
program's inquiry flow; done with an outcome or cancelled; their owners reminded by e-mail.

The inquiry flow: when a qualifier takes a lead up (the ``start_qualifying`` step of the
lifecycle, announced as ``leads.status_changed``), the lead gets the tasks its program's
``SalesSettings.task_flow`` lists for its inquiry type, owned by the qualifier holding it (else
its owner), each due ``after_working_days`` of the program's working days after the previous
one (``core.sales``). Each flow task carries its step's key (``flow_step``), unique per lead,
so the flow never gives a lead a step twice. A lead nobody holds or owns gets no flow tasks;
``lead_flow_start`` starts its flow by hand.

Every task added, changed, done or cancelled is a note in the lead's history, in plain words
(the lead page shows a note's reason). Reminders are e-mails through the outbox at the task's
``remind_at`` (``remind_minutes_before`` its due time unless set), each sent once: the
periodic job claims due reminders under ``SKIP LOCKED`` and marks them ``reminded_at``.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.core.errors import DomainRefused, InputError
from leadflow.core.sales import task_due
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.selectors import lead_scope
from leadflow.leads.services import event_build, events_record
from leadflow.notifications.services import email_enqueue
from leadflow.programs.models import Program
from leadflow.sales.models import (
    Assessment,
    Demo,
    Proposal,
    SalesSettings,
    Task,
    TaskKind,
    TaskState,
)
from leadflow.sales.selectors.tasks import program_calendar, reminders_due, sales_settings

REMINDER_BATCH = 200
MAX_TITLE = 200
MAX_TEXT = 10_000


# --- Notes --------------------------------------------------------------------------------------


def sales_note(
    *,
    lead_id: int,
    action: str,
    reason: str,
    details: Mapping[str, Any],
    actor: User | None,
    now: datetime,
) -> LeadEvent:
    """An unsaved note of a sales step in the lead's history (``reason`` is what the lead page
    shows; ``details`` go in the event's ``after`` under ``sales``)."""
    return event_build(
        lead_id=lead_id,
        kind=EventKind.NOTE,
        actor=actor,
        now=now,
        action=action,
        after={"sales": dict(details)},
        reason=reason,
    )


def when_words(moment: datetime, zone: str) -> str:
    """A due time as people read it: "Mon 2 Nov 2026, 10:00 EST"."""
    try:
        local = moment.astimezone(ZoneInfo(zone))
    except (OverflowError, ValueError):  # at the ends of the calendar: said in UTC
        return moment.isoformat()
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def _who(user: User | None) -> str:
    if user is None:
        return "nobody"
    return user.get_full_name() or user.get_username()


def _kind_words(kind: str) -> str:
    return str(TaskKind(kind).label)


def _task_words(task: Task) -> str:
    return task.title or _kind_words(task.kind)


# --- Due dates ----------------------------------------------------------------------------------


def working_due(*, program: Program, start: datetime, working_days: int) -> datetime:
    """``working_days`` of the program's working days after ``start``, at the program's task
    hour (its client's local time); ``start`` itself for 0."""
    found = sales_settings(program)
    cal = program_calendar(program, found)
    return task_due(start, working_days, cal, time(found.task_hour, 0))


def _default_remind_at(due_at: datetime, found: SalesSettings, now: datetime) -> datetime | None:
    """``remind_minutes_before`` the due time; none for a task already due (its owner is the
    one making it, or the flow that gives it to them at once)."""
    if due_at <= now:
        return None
    return max(due_at - timedelta(minutes=found.remind_minutes_before), now)


# --- Checks -------------------------------------------------------------------------------------


def _check_owner(lead: Lead, owner: User) -> None:
    if not owner.is_active:
        raise InputError("owner", "the owner's account is deactivated")
    if not user_can(owner, Capability.SALES_WORK):
        raise InputError("owner", f"{_who(owner)} does not do sales follow-up (role)")
    if not lead_scope(user=owner).filter(pk=lead.pk).exists():
        raise InputError("owner", f"{_who(owner)} cannot see this lead")


def _check_text(field: str, value: str, limit: int) -> str:
    if "\x00" in value:
        raise InputError(field, "must not contain NUL characters")
    if len(value) > limit:
        raise InputError(field, f"must be at most {limit} characters")
    return value


def _check_aware(field: str, value: datetime) -> datetime:
    if value.utcoffset() is None:
        raise InputError(field, "must be a date and time with its UTC offset")
    return value


# --- Writes -------------------------------------------------------------------------------------


@transaction.atomic
def task_create(
    *,
    lead: Lead,
    kind: str,
    owner: User,
    due_at: datetime,
    actor: User | None,
    now: datetime,
    title: str = "",
    note: str = "",
    remind_at: datetime | None = None,
    demo: Demo | None = None,
    proposal: Proposal | None = None,
    assessment: Assessment | None = None,
    flow_step: str = "",
) -> Task:
    """A new open task of the lead for ``owner``; a note in the lead's history."""
    if kind not in TaskKind.values:
        raise InputError("kind", f"unknown task kind {kind!r}")
    _check_owner(lead, owner)
    _check_aware("due_at", due_at)
    if remind_at is not None:
        _check_aware("remind_at", remind_at)
    found = sales_settings(lead.program_id)
    task = Task.objects.create(
        lead=lead,
        kind=kind,
        title=_check_text("title", title.strip(), MAX_TITLE),
        note=_check_text("note", note, MAX_TEXT),
        owner=owner,
        due_at=due_at,
        remind_at=remind_at if remind_at is not None else _default_remind_at(due_at, found, now),
        demo=demo,
        proposal=proposal,
        assessment=assessment,
        flow_step=flow_step,
        created_at=now,
        updated_at=now,
        created_by=actor,
    )
    zone = lead.program.client.timezone
    events_record(
        [
            sales_note(
                lead_id=lead.pk,
                action="sales_task_added",
                reason=f"Task added: {_task_words(task)}, due {when_words(due_at, zone)}, "
                f"for {_who(owner)}.",
                details={"task": task.pk, "kind": kind, "due_at": due_at.isoformat()},
                actor=actor,
                now=now,
            )
        ]
    )
    return task


def _locked(task: Task) -> Task:
    return (
        Task.objects.select_for_update(of=("self",))
        .select_related("lead", "lead__program", "lead__program__client", "owner")
        .get(pk=task.pk)
    )


def _require_open(task: Task) -> None:
    if task.state != TaskState.OPEN:
        raise DomainRefused(f"the task is {task.get_state_display().lower()}, no longer open")


@transaction.atomic
def task_update(
    *,
    task: Task,
    actor: User | None,
    now: datetime,
    due_at: datetime | None = None,
    remind_at: datetime | None = None,
    owner: User | None = None,
    title: str | None = None,
    note: str | None = None,
) -> Task:
    """Change an open task's due time, reminder, owner, title or note (what is None stays);
    a new due time without a reminder gets the default one, sent again."""
    task = _locked(task)
    _require_open(task)
    changed: dict[str, Any] = {}
    words: list[str] = []
    zone = task.lead.program.client.timezone
    if owner is not None and owner.pk != task.owner_id:
        _check_owner(task.lead, owner)
        task.owner = owner
        changed["owner"] = owner.pk
        words.append(f"now for {_who(owner)}")
    if due_at is not None and due_at != task.due_at:
        task.due_at = _check_aware("due_at", due_at)
        changed["due_at"] = due_at.isoformat()
        words.append(f"due {when_words(due_at, zone)}")
        if remind_at is None:
            task.remind_at = _default_remind_at(due_at, sales_settings(task.lead.program_id), now)
            task.reminded_at = None
    if remind_at is not None and remind_at != task.remind_at:
        task.remind_at = _check_aware("remind_at", remind_at)
        task.reminded_at = None
        changed["remind_at"] = remind_at.isoformat()
        words.append(f"reminder at {when_words(remind_at, zone)}")
    if title is not None and title.strip() != task.title:
        task.title = _check_text("title", title.strip(), MAX_TITLE)
        changed["title"] = task.title
        words.append(f'titled "{task.title}"' if task.title else "title removed")
    if note is not None and note != task.note:
        task.note = _check_text("note", note, MAX_TEXT)
        changed["note"] = True
        words.append("note changed")
    if not changed:
        return task
    task.updated_at = now
    task.save()
    events_record(
        [
            sales_note(
                lead_id=task.lead_id,
                action="sales_task_changed",
                reason=f"Task changed: {_task_words(task)}, {', '.join(words)}.",
                details={"task": task.pk, **changed},
                actor=actor,
                now=now,
            )
        ]
    )
    return task


@transaction.atomic
def task_done(*, task: Task, actor: User | None, now: datetime, outcome: str = "") -> Task:
    """Mark an open task done with its outcome (409 for a task no longer open)."""
    task = _locked(task)
    _require_open(task)
    task.state = TaskState.DONE
    task.outcome = _check_text("outcome", outcome.strip(), MAX_TEXT)
    task.done_at = now
    task.updated_at = now
    task.save(update_fields=["state", "outcome", "done_at", "updated_at"])
    outcome_words = f" Outcome: {task.outcome}" if task.outcome else ""
    events_record(
        [
            sales_note(
                lead_id=task.lead_id,
                action="sales_task_done",
                reason=f"Task done: {_task_words(task)}.{outcome_words}",
                details={"task": task.pk, "kind": task.kind, "outcome": task.outcome},
                actor=actor,
                now=now,
            )
        ]
    )
    return task


@transaction.atomic
def task_cancel(*, task: Task, actor: User | None, now: datetime, reason: str = "") -> Task:
    """Cancel an open task (409 for a task no longer open)."""
    task = _locked(task)
    _require_open(task)
    task.state = TaskState.CANCELLED
    task.outcome = _check_text("outcome", reason.strip(), MAX_TEXT)
    task.done_at = now
    task.updated_at = now
    task.save(update_fields=["state", "outcome", "done_at", "updated_at"])
    why = f" ({task.outcome})" if task.outcome else ""
    events_record(
        [
            sales_note(
                lead_id=task.lead_id,
                action="sales_task_cancelled",
                reason=f"Task cancelled: {_task_words(task)}{why}.",
                details={"task": task.pk, "kind": task.kind},
                actor=actor,
                now=now,
            )
        ]
    )
    return task


def tasks_cancel(
    *, tasks: Iterable[Task], actor: User | None, now: datetime, reason: str
) -> list[Task]:
    """Cancel the open ones of ``tasks`` (a demo cancelled, a lead gone to the dead file)."""
    return [
        task_cancel(task=task, actor=actor, now=now, reason=reason)
        for task in tasks
        if task.state == TaskState.OPEN
    ]


# --- The inquiry flow ---------------------------------------------------------------------------


def flow_steps(found: SalesSettings, inquiry_type: str) -> list[dict[str, Any]]:
    """The flow's steps for an inquiry type, the bad ones left out (a setting edited by hand
    may name an unknown kind or a negative wait)."""
    steps = (found.task_flow or {}).get(inquiry_type) or []
    good = []
    for step in steps if isinstance(steps, list) else []:
        if not isinstance(step, dict) or step.get("kind") not in TaskKind.values:
            continue
        wait = step.get("after_working_days", 0)
        if isinstance(wait, bool) or not isinstance(wait, int) or not 0 <= wait <= 365:
            continue
        title = step.get("title", "")
        good.append(
            {"kind": step["kind"], "after_working_days": wait, "title": str(title)[:MAX_TITLE]}
        )
    return good


#: Titles of flow tasks whose kind alone would not say what to do.
FLOW_TITLES = {
    ("needs_assessment_request", TaskKind.SEND_SALES_KIT): "Send the needs-assessment kit",
    ("demo_request", TaskKind.DEMO_PREPARATION): "Schedule the demo",
    ("demo_and_proposal_request", TaskKind.DEMO_PREPARATION): "Schedule the demo",
    ("demo_and_proposal_request", TaskKind.PROPOSAL_FOLLOW_UP): "Prepare the proposal",
}


@transaction.atomic
def lead_flow_start(*, lead: Lead, owner: User, actor: User | None, now: datetime) -> list[Task]:
    """Give the lead the tasks of its inquiry type's flow, for ``owner``, due from ``now``;
    the steps it already has are skipped (the flow is idempotent). The new tasks."""
    found = sales_settings(lead.program_id)
    steps = flow_steps(found, lead.inquiry_type)
    if not steps:
        return []
    have = set(
        Task.objects.filter(lead=lead).exclude(flow_step="").values_list("flow_step", flat=True)
    )
    cal = program_calendar(lead.program, found)
    at = time(found.task_hour, 0)
    created = []
    previous = now
    for index, step in enumerate(steps):
        previous = task_due(previous, step["after_working_days"], cal, at)
        key = f"{lead.inquiry_type}:{index}"[:40]
        if key in have:
            continue
        title = step["title"] or FLOW_TITLES.get((lead.inquiry_type, step["kind"]), "")
        created.append(
            task_create(
                lead=lead,
                kind=step["kind"],
                owner=owner,
                due_at=previous,
                actor=actor,
                now=now,
                title=title,
                flow_step=key,
            )
        )
    return created


def leads_flow_start(*, lead_ids: Sequence[int], action: str, now: datetime) -> int:
    """The ``leads.status_changed`` handler: leads that a qualifier started qualifying get
    their flow's tasks, owned by whoever holds the lead (else its owner). The tasks made."""
    if action != "start_qualifying":
        return 0
    made = 0
    leads = Lead.objects.filter(pk__in=list(lead_ids)).select_related(
        "program", "program__client", "held_by", "owner"
    )
    for lead in leads:
        owner = lead.held_by or lead.owner
        if owner is None or not user_can(owner, Capability.SALES_WORK):
            continue
        made += len(lead_flow_start(lead=lead, owner=owner, actor=None, now=now))
    return made


# --- Reminders ----------------------------------------------------------------------------------


def _lead_words(lead: Lead) -> str:
    name = " ".join(part for part in (lead.first_name, lead.last_name) if part)
    company = f" ({lead.company})" if lead.company else ""
    return f"{name or lead.email or f'lead #{lead.pk}'}{company}"


def _reminder(task: Task, now: datetime) -> None:
    lead = task.lead
    zone = lead.program.client.timezone
    link = f"{settings.SITE_URL}{reverse('workspace:detail', args=[lead.pk])}"
    body = (
        f"Hello {_who(task.owner)},\n\n"
        f"{_task_words(task)} for {_lead_words(lead)} is due {when_words(task.due_at, zone)}.\n"
        + (f"\n{task.note}\n" if task.note else "")
        + f"\nThe lead: {link}\n\n"
        "You get this e-mail because the task is yours in LeadFlow."
    )
    email_enqueue(
        key=f"sales-reminder:{task.pk}:{task.remind_at.isoformat() if task.remind_at else ''}",
        to=[task.owner.email],
        subject=f"Reminder: {_task_words(task)} for {_lead_words(lead)}",
        body=body,
        now=now,
    )


def task_reminders_send(*, now: datetime) -> int:
    """E-mail the owners of the tasks whose reminder time has come, each reminder once. The
    number of reminders handled (an owner without an address is marked reminded too)."""
    handled = 0
    while True:
        with transaction.atomic():
            batch = list(
                reminders_due(now=now)
                .select_related("lead", "lead__program", "lead__program__client", "owner")
                .select_for_update(of=("self",), skip_locked=True)[:REMINDER_BATCH]
            )
            if not batch:
                return handled
            for task in batch:
                if task.owner.email and task.owner.is_active:
                    _reminder(task, now)
            Task.objects.filter(pk__in=[task.pk for task in batch]).update(reminded_at=now)
            handled += len(batch)
        if len(batch) < REMINDER_BATCH:
            return handled
