"""A program's sales settings (docs/SALES.md, "Settings"; issue 15, item 1: "each a program
setting"), written from the sales setup page: the inquiry flow per inquiry type, the on-site
demo lead time, the reference uses per quarter, the proposal approval steps, the reminder, the
task hour and the subdivision whose public holidays due dates skip.

``sales_settings_save`` checks every value (an ``InputError`` naming the setting, in plain
words) before it writes anything, then writes the program's one row under its lock, so a
refused save leaves the settings as they were. The readers are unchanged: the inquiry flow
(``services.tasks.lead_flow_start``), the approval steps (``services.proposals.approval_steps``),
the calendar (``selectors.tasks.program_calendar``).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from leadflow.accounts.models import Role, User
from leadflow.core.calendar import working_calendar
from leadflow.core.enums import InquiryType
from leadflow.core.errors import CalendarError, InputError
from leadflow.programs.models import Program
from leadflow.sales.models import SalesSettings, TaskKind

MAX_STEPS = 12
MAX_WAIT = 365
MAX_TITLE = 200
MAX_STEP_NAME = 100
MAX_APPROVAL_STEPS = 10
MAX_DEMO_DAYS = 365
MAX_REFERENCE_USES = 100
MAX_REMIND_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class FlowStep:
    kind: str
    after_working_days: int
    title: str = ""


@dataclass(frozen=True)
class ApprovalStepIn:
    name: str
    role: str = ""
    user_ids: frozenset[int] = field(default_factory=frozenset)


def _number(name: str, value: int, low: int, high: int, words: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(name, f"{words} must be a whole number from {low} to {high}")
    return value


def _flow(task_flow: Mapping[str, Sequence[FlowStep]]) -> dict[str, list[dict[str, Any]]]:
    labels = dict(TaskKind.choices)
    result: dict[str, list[dict[str, Any]]] = {}
    for inquiry_type, steps in task_flow.items():
        if inquiry_type not in {kind.value for kind in InquiryType}:
            raise InputError("task_flow", f"there is no inquiry type {inquiry_type!r}")
        if len(steps) > MAX_STEPS:
            raise InputError("task_flow", f"a flow has at most {MAX_STEPS} steps")
        rows = []
        for number, step in enumerate(steps, start=1):
            where = f"step {number} of the flow"
            if step.kind not in labels:
                raise InputError("task_flow", f"{where}: choose what kind of task it is")
            if (
                isinstance(step.after_working_days, bool)
                or not isinstance(step.after_working_days, int)
                or not 0 <= step.after_working_days <= MAX_WAIT
            ):
                raise InputError(
                    "task_flow", f"{where}: the wait is a number of working days, 0 to {MAX_WAIT}"
                )
            title = step.title.strip()
            if len(title) > MAX_TITLE or "\x00" in title:
                raise InputError("task_flow", f"{where}: the title is at most {MAX_TITLE} letters")
            row: dict[str, Any] = {"kind": step.kind, "after_working_days": step.after_working_days}
            if title:
                row["title"] = title
            rows.append(row)
        result[str(inquiry_type)] = rows
    return result


def _approvals(steps: Sequence[ApprovalStepIn], approvers: Iterable[User]) -> list[dict[str, Any]]:
    allowed = {user.pk for user in approvers}
    if not steps:
        raise InputError("approval_steps", "a proposal needs at least one approval step")
    if len(steps) > MAX_APPROVAL_STEPS:
        raise InputError("approval_steps", f"at most {MAX_APPROVAL_STEPS} approval steps")
    seen: set[str] = set()
    result = []
    for number, step in enumerate(steps, start=1):
        name = step.name.strip()
        if not name:
            raise InputError("approval_steps", f"approval step {number} needs a name")
        if len(name) > MAX_STEP_NAME:
            raise InputError(
                "approval_steps",
                f"the name of approval step {number} is too long (at most {MAX_STEP_NAME} letters)",
            )
        if name.casefold() in seen:
            raise InputError("approval_steps", f"two approval steps are called “{name}”")
        seen.add(name.casefold())
        if step.role and step.role not in Role.values:
            raise InputError("approval_steps", f"“{name}”: there is no such role")
        if not step.role and not step.user_ids:
            raise InputError(
                "approval_steps", f"“{name}”: say who may give it (a role, named people or both)"
            )
        if not step.user_ids <= allowed:
            raise InputError(
                "approval_steps", f"“{name}”: only people working on this program may approve"
            )
        result.append({"name": name, "role": step.role, "users": sorted(step.user_ids)})
    return result


def subdivision_check(*, program: Program, subdivision: str) -> str:
    """The subdivision's code as the ``holidays`` library knows it for the client's country
    ("" for none), or InputError naming the codes it knows."""
    if not subdivision.strip():
        return ""
    country = program.client.country or program.default_region
    try:
        cal = working_calendar(
            country=country, subdivision=subdivision, timezone=program.client.timezone
        )
    except CalendarError as exc:
        raise InputError(
            "subdivision", f"not a state or province we know the holidays of: {exc}"
        ) from None
    return cal.subdivision or ""


@transaction.atomic
def sales_settings_save(
    *,
    program: Program,
    task_flow: Mapping[str, Sequence[FlowStep]],
    demo_min_lead_days: int,
    reference_uses_per_quarter: int,
    approval_steps: Sequence[ApprovalStepIn],
    approvers: Iterable[User],
    remind_minutes_before: int,
    task_hour: int,
    subdivision: str,
) -> SalesSettings:
    """Check every setting (see the module), then write the program's row. ``task_flow``
    replaces the flow of the inquiry types it names (the others keep theirs); ``approvers``:
    the people a step may name (those working on the program)."""
    flow_in = _flow(task_flow)
    values: dict[str, object] = {
        "demo_min_lead_days": _number(
            "demo_min_lead_days", demo_min_lead_days, 0, MAX_DEMO_DAYS, "The on-site demo lead time"
        ),
        "reference_uses_per_quarter": _number(
            "reference_uses_per_quarter",
            reference_uses_per_quarter,
            1,
            MAX_REFERENCE_USES,
            "The uses of a reference per quarter",
        ),
        "approval_steps": _approvals(approval_steps, approvers),
        "remind_minutes_before": _number(
            "remind_minutes_before", remind_minutes_before, 0, MAX_REMIND_MINUTES, "The reminder"
        ),
        "task_hour": _number("task_hour", task_hour, 0, 23, "The hour a task is due"),
        "subdivision": subdivision_check(program=program, subdivision=subdivision),
    }
    SalesSettings.objects.get_or_create(program=program)
    row = SalesSettings.objects.select_for_update().get(program=program)
    flow = dict(row.task_flow or {})
    flow.update(flow_in)
    row.task_flow = flow
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    return row
