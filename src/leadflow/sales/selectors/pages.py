"""What the sales pages read, on top of the sales selectors: the user's tasks split for "My
tasks" (overdue first, then today, then upcoming), the task list, a lead's sales follow-up for
its panel (open tasks, the assessment, demos, proposals with their approval steps). Every read
starts from the leads the user may see (``lead_scope``: staff their programs', a partner's
user its assigned leads) and gives nothing to a role without the sales pages (a client
contact sees delivered leads, never their sales follow-up). Out of scope is
``DoesNotExist``: a 404."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from leadflow.accounts.models import Role, User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.leads.models import Lead
from leadflow.leads.selectors import lead_scope
from leadflow.sales.models import (
    Assessment,
    Demo,
    DemoState,
    KitSent,
    Proposal,
    ProposalApproval,
    ProposalState,
    Task,
    TaskState,
)
from leadflow.sales.selectors.tasks import sales_settings, task_scope, tasks_for_user
from leadflow.sales.services.proposals import ApprovalStep, approval_steps

#: How many tasks each part of "My tasks" shows on the home page.
HOME_SHOWN = 10
#: "Upcoming" on the home page reaches this far ahead.
UPCOMING_DAYS = 14


def sales_leads(*, user: User) -> QuerySet[Lead]:
    """The leads whose sales follow-up the user may see (see the module)."""
    if not user_can(user, Capability.SALES_VIEW):
        return Lead.objects.none()
    return lead_scope(user=user)


@dataclass(frozen=True)
class TaskPart:
    key: str
    title: str
    tasks: list[Task]
    more: int


def my_tasks(*, user: User, now: datetime) -> list[TaskPart]:
    """The user's open tasks for the home page: overdue first (oldest first), then due
    today, then the next ``UPCOMING_DAYS`` days; each part at most ``HOME_SHOWN`` long."""
    local = timezone.localtime(now)
    start_of_day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end_of_day = timezone.make_aware(
        datetime.combine(start_of_day.date() + timedelta(days=1), time()), local.tzinfo
    )
    open_tasks = tasks_for_user(user)
    parts = (
        ("overdue", "Overdue", open_tasks.filter(due_at__lt=now)),
        ("today", "Today", open_tasks.filter(due_at__gte=now, due_at__lt=end_of_day)),
        (
            "upcoming",
            "Upcoming",
            open_tasks.filter(
                due_at__gte=end_of_day, due_at__lt=end_of_day + timedelta(days=UPCOMING_DAYS)
            ),
        ),
    )
    result = []
    for key, title, tasks in parts:
        shown = list(tasks[: HOME_SHOWN + 1])
        more = tasks.count() - HOME_SHOWN if len(shown) > HOME_SHOWN else 0
        result.append(TaskPart(key, title, shown[:HOME_SHOWN], more))
    return result


def task_list(*, user: User, mine: bool, state: str) -> QuerySet[Task]:
    """The task list page: the user's own tasks, or every task of the leads they see."""
    if not user_can(user, Capability.SALES_VIEW):
        return Task.objects.none()
    tasks = task_scope(user=user)
    if mine:
        tasks = tasks.filter(owner=user)
    if state in TaskState.values:
        tasks = tasks.filter(state=state)
    return tasks.order_by("due_at", "id")


def sales_lead_get(*, user: User, lead_id: int) -> Lead:
    return sales_leads(user=user).get(pk=lead_id)


def demo_min_days(*, lead: Lead) -> int:
    """How many days ahead an on-site demo of the lead's program must be booked."""
    return sales_settings(lead.program_id).demo_min_lead_days


@dataclass(frozen=True)
class StepRow:
    """One approval step of a proposal as the page shows it."""

    name: str
    who: str
    approval: ProposalApproval | None
    may_decide: bool

    @property
    def approved(self) -> bool:
        return self.approval is not None and self.approval.decision == "approved"


def _who(step: ApprovalStep, names: dict[int, str]) -> str:
    """Who may give the step, in words: the named people, then the role."""
    who = [names[user_id] for user_id in sorted(step.user_ids) if user_id in names]
    if step.role:
        label = str(dict(Role.choices).get(step.role, step.role))
        who.append("any " + (label if label[1:2].isupper() else label[:1].lower() + label[1:]))
    return ", ".join(who) or "nobody yet: ask an admin to name the approvers"


def proposal_steps(*, proposal: Proposal, user: User) -> list[StepRow]:
    """The program's approval steps with each one's standing decision, who may give it, and
    whether this user may."""
    standing = {approval.step: approval for approval in proposal.approvals.all()}
    steps = approval_steps(program_id=proposal.lead.program_id)
    named = {user_id for step in steps for user_id in step.user_ids}
    names = {
        person.pk: person.get_full_name() or person.get_username()
        for person in User.objects.filter(pk__in=named)
    }
    return [
        StepRow(
            name=step.name,
            who=_who(step, names),
            approval=standing.get(step.name),
            may_decide=proposal.state == ProposalState.DRAFT and step.may_give(user),
        )
        for step in steps
    ]


@dataclass(frozen=True)
class ProposalRow:
    proposal: Proposal
    steps: list[StepRow]

    @property
    def missing(self) -> list[str]:
        return [step.name for step in self.steps if not step.approved]


@dataclass
class LeadSales:
    """A lead's sales follow-up for its panel and its sales page."""

    open_tasks: list[Task]
    done_tasks: int
    assessment: Assessment | None
    demos: list[Demo]
    proposals: list[ProposalRow]
    kits_sent: int = 0


def lead_sales(*, lead: Lead, user: User, now: datetime, with_kit: bool) -> LeadSales:
    """The lead's open tasks, how many are closed, its latest assessment, its demos (newest
    first; those cancelled over a month ago left out), its proposals with their steps and,
    when the program has a kit (``with_kit``), how often it was sent."""
    tasks = list(Task.objects.filter(lead=lead).select_related("owner").order_by("due_at", "id"))
    proposals = list(
        Proposal.objects.filter(lead=lead)
        .prefetch_related(
            Prefetch("approvals", queryset=ProposalApproval.objects.select_related("by"))
        )
        .order_by("-created_at", "-id")
    )
    return LeadSales(
        open_tasks=[task for task in tasks if task.state == TaskState.OPEN],
        done_tasks=sum(1 for task in tasks if task.state != TaskState.OPEN),
        assessment=Assessment.objects.filter(lead=lead).order_by("-sent_at", "-id").first(),
        demos=list(
            Demo.objects.filter(lead=lead)
            .prefetch_related("participants")
            .exclude(state=DemoState.CANCELLED, starts_at__lt=now - timedelta(days=30))
            .order_by("-starts_at", "-id")
        ),
        proposals=[ProposalRow(p, proposal_steps(proposal=p, user=user)) for p in proposals],
        kits_sent=KitSent.objects.filter(lead=lead, skipped="").count() if with_kit else 0,
    )
