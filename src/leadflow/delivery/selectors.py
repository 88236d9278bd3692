"""Reads of client delivery, always starting from what the caller may see.

Managers and admins see the deliveries of the programs in their scope; a client contact sees
the deliveries of their client's programs; nobody else sees any (404, never 403).
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from leadflow.accounts.models import Role, Scope, User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.core.enums import Rating
from leadflow.core.handoff import DELIVERING_MODES, HOT_LIMIT, HOT_TARGET
from leadflow.core.lifecycle import PRE_HAND_OFF, LeadStatus
from leadflow.delivery.models import (
    Delivery,
    DeliveryFile,
    DeliveryItem,
    DeliveryKind,
    DeliverySchedule,
    FileFormat,
    SummaryEntry,
)
from leadflow.leads.models import Lead
from leadflow.notifications.models import OutboxAttempt, OutboxMessage
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_list


def delivery_programs(*, user: User) -> QuerySet[Program]:
    """The programs with client deliveries that the user may manage, with their schedules."""
    if not user_can(user, Capability.DELIVERIES_MANAGE):
        return Program.objects.none()
    return (
        program_list(user=user)
        .filter(hand_off_mode__in=DELIVERING_MODES)
        .select_related("delivery_schedule")
        .order_by("client__name", "name")
    )


def delivery_program_get(*, user: User, slug: str) -> Program:
    return delivery_programs(user=user).get(slug=slug)


def delivery_scope(*, user: User) -> QuerySet[Delivery]:
    """Every delivery the user may see, before any filter."""
    deliveries = Delivery.objects.select_related("program", "program__client", "created_by")
    if user.sees_everything:
        return deliveries
    if user_can(user, Capability.DELIVERIES_VIEW):
        return deliveries.filter(program__in=program_list(user=user))
    return deliveries.none()


def delivery_list(*, user: User, program: Program | None = None) -> QuerySet[Delivery]:
    deliveries = delivery_scope(user=user)
    if program is not None:
        deliveries = deliveries.filter(program=program)
    return deliveries.order_by("-created_at", "-id")


def delivery_get(*, user: User, delivery_id: int) -> Delivery:
    """One delivery, or Delivery.DoesNotExist when the user may not see it (a 404)."""
    return delivery_scope(user=user).get(pk=delivery_id)


def delivery_items(*, delivery: Delivery) -> QuerySet[DeliveryItem]:
    return delivery.items.select_related("lead").order_by("position")


def delivery_summary_entries(*, delivery: Delivery) -> QuerySet[SummaryEntry]:
    return delivery.summary_entries.select_related("lead").order_by("position")


def delivery_file_get(*, user: User, delivery_id: int, file_format: FileFormat) -> DeliveryFile:
    """A delivery's file for download, or DeliveryFile.DoesNotExist (a 404)."""
    return DeliveryFile.objects.select_related("delivery").get(
        delivery__in=delivery_scope(user=user).filter(pk=delivery_id).values("pk"),
        format=file_format,
    )


def delivery_schedule_get(*, program: Program) -> DeliverySchedule | None:
    return DeliverySchedule.objects.filter(program=program).first()


@dataclass(frozen=True)
class Sending:
    """How a delivery's e-mail and webhook went (None: not sent that way)."""

    email: OutboxMessage | None
    webhook: OutboxMessage | None


def delivery_sending(*, deliveries: Iterable[Delivery]) -> dict[int, Sending]:
    """The outbox messages of many deliveries in one query, by delivery id."""
    deliveries = list(deliveries)
    keys = [key for d in deliveries for key in (d.email_key, d.webhook_key)]
    messages = {
        message.key: message
        for message in OutboxMessage.objects.filter(key__in=keys).prefetch_related(
            Prefetch("tries", queryset=OutboxAttempt.objects.order_by("number"))
        )
    }
    return {
        d.pk: Sending(email=messages.get(d.email_key), webhook=messages.get(d.webhook_key))
        for d in deliveries
    }


def program_people(*, program_ids: Sequence[int], role: str) -> dict[int, list[str]]:
    """The e-mail addresses of the active users with ``role`` whose scope covers each program
    (the whole client, or the program itself), in one query: a program's managers are the
    ones its Hot-lead alerts go to, its client contacts receive its deliveries by default."""
    if not program_ids:
        return {}
    programs = dict(Program.objects.filter(pk__in=program_ids).values_list("pk", "client_id"))
    rows = (
        Scope.objects.filter(user__is_active=True, user__groups__name=role)
        .exclude(user__email="")
        .filter(Q(client_id__in=programs.values()) | Q(program_id__in=programs))
        .values_list("user__email", "client_id", "program_id")
        .order_by("user__email")
    )
    found: dict[int, list[str]] = defaultdict(list)
    for email, client_id, program_id in rows:
        for pk, program_client in programs.items():
            covered = program_client == client_id or pk == program_id
            if covered and email not in found[pk]:
                found[pk].append(email)
    return dict(found)


def program_managers(*, program: Program) -> list[User]:
    """The active managers whose scope covers the program (the whole client, or the program)
    and who have an e-mail address: the people a late Hot lead may be escalated to."""
    return list(
        User.objects.filter(is_active=True, groups__name=Role.MANAGER)
        .exclude(email="")
        .filter(Q(scopes__client_id=program.client_id) | Q(scopes__program_id=program.pk))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def hot_lead_waiting_get(*, program: Program, lead_id: int) -> Lead:
    """One of the program's Hot leads still on its way to the client, for a manager's step on
    it; any other lead (another program's, delivered, not Hot) does not exist here (404). The
    program comes from ``delivery_program_get``, which is scoped to the manager."""
    return (
        Lead.objects.select_related("program")
        .filter(program=program, rating=Rating.HOT)
        .filter(status__in=[status.value for status in PRE_HAND_OFF])
        .get(pk=lead_id)
    )


@dataclass(frozen=True)
class WaitingHotLead:
    """A Hot lead not yet delivered, with how long since it was captured."""

    lead: Lead
    waited: timedelta

    @property
    def hours(self) -> float:
        return round(self.waited.total_seconds() / 3600, 1)

    @property
    def past_target(self) -> bool:
        return self.waited > HOT_TARGET

    @property
    def past_limit(self) -> bool:
        return self.waited > HOT_LIMIT


def hot_leads_waiting(*, program: Program, now: datetime) -> list[WaitingHotLead]:
    """The program's Hot leads still on their way to the client (captured, qualifying, in
    review or approved), oldest first: the 24-hour target and 48-hour limit run from capture."""
    leads = Lead.objects.filter(
        program=program, rating=Rating.HOT, status__in=[status.value for status in PRE_HAND_OFF]
    ).order_by("created_at", "id")
    return [WaitingHotLead(lead, now - lead.created_at) for lead in leads[:100]]


@dataclass(frozen=True)
class HotTimings:
    """The program's Hot deliveries of a period against the 24-hour target and 48-hour limit."""

    deliveries: list[Delivery]

    @property
    def count(self) -> int:
        return len(self.deliveries)

    @property
    def within_target(self) -> int:
        return sum(1 for d in self.deliveries if d.hot_target_met)

    @property
    def within_limit(self) -> int:
        return sum(1 for d in self.deliveries if d.hot_limit_met)

    @property
    def average_hours(self) -> float | None:
        hours = [d.hours_to_delivery for d in self.deliveries if d.hours_to_delivery is not None]
        return round(sum(hours) / len(hours), 1) if hours else None


def hot_timings(*, program: Program, now: datetime, days: int = 90) -> HotTimings:
    deliveries = Delivery.objects.filter(
        program=program, kind=DeliveryKind.HOT, created_at__gte=now - timedelta(days=days)
    ).order_by("-created_at", "-id")
    return HotTimings(list(deliveries))


def hot_leads_undelivered(*, limit: int = 1000) -> list[int]:
    """Approved Hot leads of active programs with client deliveries, oldest first."""
    return list(
        Lead.objects.filter(
            status=LeadStatus.APPROVED,
            rating=Rating.HOT,
            program__hand_off_mode__in=DELIVERING_MODES,
            program__is_active=True,
            delivery_item__isnull=True,
        )
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def delivery_program_overview(*, user: User) -> QuerySet[Program]:
    """The user's delivery programs with their schedules, how many deliveries each has had
    (``delivery_count``) and when the last was made (``last_delivery_at``), in one query."""
    return delivery_programs(user=user).annotate(
        delivery_count=Count("deliveries"), last_delivery_at=Max("deliveries__created_at")
    )


def delivery_files(*, delivery: Delivery) -> QuerySet[DeliveryFile]:
    """A delivery's files without their bytes (for links and sizes)."""
    return delivery.files.defer("content").order_by("format")


def approved_counts(*, program: Program) -> dict[str, int]:
    """The program's approved leads waiting for hand-off, by rating ("none" for no rating)."""
    rows = (
        Lead.objects.filter(program=program, status=LeadStatus.APPROVED)
        .values_list("rating")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {rating or "none": n for rating, n in rows}
