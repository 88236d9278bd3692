"""Hot-lead exceptions (DESIGN.md, "Hand-off": QA-approved Hot leads are delivered at once as
exceptions, target within 24 hours of capture, never over 48).

An approved Hot lead of a program with client deliveries becomes its own delivery as soon as
the hand-off asks (``hot_leads_deliver``), exactly once however many workers ask at the same
time: the program's row is locked (it numbers the deliveries), then the lead's, and the lead
is delivered only if it is still approved; ``DeliveryItem.lead`` being one-to-one is the last
guard. A Hot lead still waiting 24 hours after capture raises one alert to the program's
managers (``hot_leads_alert``).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet

from leadflow.accounts.models import Role, User
from leadflow.core.enums import Rating
from leadflow.core.errors import DomainRefused
from leadflow.core.handoff import DELIVERING_MODES, HOT_LIMIT, HOT_TARGET
from leadflow.core.lifecycle import PRE_HAND_OFF, LeadStatus
from leadflow.delivery import content as texts
from leadflow.delivery.models import (
    Delivery,
    DeliveryItem,
    DeliveryKind,
    DeliverySchedule,
)
from leadflow.delivery.selectors import program_managers, program_people
from leadflow.delivery.services.batches import delivery_create
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.services import event_build, events_record
from leadflow.notifications.services import email_enqueue
from leadflow.programs.models import Program

#: The ``action`` of the ALERT event a waiting Hot lead gets (once per lead).
HOT_ALERT_ACTION = "hot_waiting"
#: The ``action`` of the ALERT event of a manager's escalation of a late Hot lead.
HOT_ESCALATED_ACTION = "hot_escalated"
#: The longest note an escalation carries.
ESCALATION_NOTE_MAX = 1000
#: Leads alerted per transaction.
ALERT_BATCH = 500


def hot_leads_deliver(*, lead_ids: Sequence[int], now: datetime) -> list[Delivery]:
    """Deliver each approved Hot lead among ``lead_ids`` on its own, at once.

    Other leads (not Hot, not approved, already delivered, of a program without client
    deliveries) are passed over, so the hand-off may pass every lead it approved. Each lead is
    its own transaction: one that fails does not hold back the others, and the alert and the
    next batch still catch it."""
    deliveries = []
    for lead_id in sorted(set(lead_ids)):
        try:
            delivery = _hot_lead_deliver(lead_id, now)
        except IntegrityError:
            # Another worker delivered it between our check and our insert: the one-to-one
            # item refused the second delivery, which rolled back whole.
            continue
        if delivery is not None:
            deliveries.append(delivery)
    return deliveries


@transaction.atomic
def _hot_lead_deliver(lead_id: int, now: datetime, actor: User | None = None) -> Delivery | None:
    program_id = (
        Lead.objects.filter(pk=lead_id, status=LeadStatus.APPROVED, rating=Rating.HOT)
        .values_list("program_id", flat=True)
        .first()
    )
    if program_id is None:
        return None
    settings = DeliverySchedule.objects.filter(program_id=program_id).first()
    program = Program.objects.select_for_update().select_related("client").get(pk=program_id)
    if program.hand_off_mode not in DELIVERING_MODES:
        return None
    lead = Lead.objects.select_for_update(of=("self",)).get(pk=lead_id)
    if lead.status != LeadStatus.APPROVED or lead.rating != Rating.HOT:
        return None  # a concurrent worker delivered it while we waited for the lock
    if DeliveryItem.objects.filter(lead_id=lead_id).exists():
        return None
    return delivery_create(
        program=program,
        kind=DeliveryKind.HOT,
        leads=[lead],
        listed=[],
        settings=settings or DeliverySchedule(program=program, updated_at=now),
        summary={},
        actor=actor,
        now=now,
        captured_at=lead.created_at,
    )


@dataclass(frozen=True)
class AlertResult:
    alerted: int = 0
    past_limit: int = 0
    emails: int = 0


def hot_leads_alert(*, now: datetime) -> AlertResult:
    """Alert the program's managers to each Hot lead not delivered 24 hours after capture.

    A Hot lead is waiting while it is captured, in qualification, in review or approved: the
    clock runs from capture, so a lead stuck in review is as late as one stuck after approval.
    Each such lead gets one ALERT event and one e-mail (outbox key ``hot-alert:<lead id>``) to
    the managers whose scope covers its program; a lead already past the 48-hour limit when
    first seen is alerted once, saying so. Leads are claimed with ``SKIP LOCKED``, so several
    workers share the work and none alerts a lead twice."""
    waiting = (
        Lead.objects.filter(
            rating=Rating.HOT,
            status__in=[status.value for status in PRE_HAND_OFF],
            created_at__lte=now - HOT_TARGET,
            program__hand_off_mode__in=DELIVERING_MODES,
            program__is_active=True,
        )
        .exclude(Exists(_alerts().filter(lead=OuterRef("pk"))))
        .order_by("created_at", "id")
    )
    alerted = past_limit = emails = 0
    while True:
        with transaction.atomic():
            leads = list(
                waiting.select_for_update(skip_locked=True, of=("self",)).select_related("program")[
                    :ALERT_BATCH
                ]
            )
            # Read again after locking: an alert committed since the query began is seen now.
            done = set(
                _alerts()
                .filter(lead_id__in=[lead.pk for lead in leads])
                .values_list("lead_id", flat=True)
            )
            fresh = [lead for lead in leads if lead.pk not in done]
            managers = program_people(
                program_ids=sorted({lead.program_id for lead in fresh}), role=Role.MANAGER
            )
            events = []
            for lead in fresh:
                waited = now - lead.created_at
                hours = waited.total_seconds() / 3600
                over = waited > HOT_LIMIT
                to = managers.get(lead.program_id, [])
                events.append(_alert_event(lead, now, hours=hours, over=over, to=to))
                if to:
                    email_enqueue(
                        key=f"hot-alert:{lead.pk}",
                        to=to,
                        subject=texts.hot_alert_subject(lead, waited_hours=hours),
                        body=texts.hot_alert_body(lead, now=now),
                        now=now,
                    )
                    emails += 1
                alerted += 1
                past_limit += over
            events_record(events)
        if len(leads) < ALERT_BATCH:
            return AlertResult(alerted=alerted, past_limit=past_limit, emails=emails)


def _alerts() -> QuerySet[LeadEvent]:
    return LeadEvent.objects.filter(kind=EventKind.ALERT, action=HOT_ALERT_ACTION)


def _alert_event(
    lead: Lead, now: datetime, *, hours: float, over: bool, to: list[str]
) -> LeadEvent:
    target = int(HOT_TARGET.total_seconds() // 3600)
    limit = int(HOT_LIMIT.total_seconds() // 3600)
    reason = f"Hot lead not delivered {target} hours after capture"
    if over:
        reason += f"; past the {limit}-hour limit"
    return event_build(
        lead=lead,
        kind=EventKind.ALERT,
        action=HOT_ALERT_ACTION,
        actor=None,
        now=now,
        after={
            "waited_hours": round(hours, 1),
            "target_hours": target,
            "limit_hours": limit,
            "limit_passed": over,
            "status": lead.status,
            "notified": to,
        },
        reason=reason,
    )


class HotRefused(DomainRefused):
    """A step on a late Hot lead that cannot be taken (not approved, not a manager of it)."""


def hot_lead_deliver_now(*, lead: Lead, actor: User, now: datetime) -> Delivery:
    """A manager's "Deliver now" for a Hot lead past its limit (issue 17): the same delivery as
    the hand-off's (``hot_leads_deliver``), recorded as made by the manager. Only an approved
    Hot lead can be delivered; one still in qualification or review is refused, saying so."""
    if lead.status != LeadStatus.APPROVED or lead.rating != Rating.HOT:
        raise HotRefused(
            f"only an approved Hot lead can be delivered; this one is "
            f"{lead.get_status_display().lower()}: escalate it to get it reviewed"
        )
    try:
        delivery = _hot_lead_deliver(lead.pk, now, actor)
    except IntegrityError:
        delivery = None
    if delivery is None:
        raise HotRefused("it was delivered or changed meanwhile; nothing was delivered twice")
    return delivery


@transaction.atomic
def hot_lead_escalate(
    *, lead: Lead, manager_id: int, note: str, actor: User, now: datetime
) -> User:
    """Escalate a late Hot lead to one named manager of its program (issue 17): an e-mail to
    them through the outbox and an ALERT entry in the lead's history naming them. The manager
    must be an active manager whose scope covers the program, with an e-mail address."""
    manager = next((m for m in program_managers(program=lead.program) if m.pk == manager_id), None)
    if manager is None:
        raise HotRefused("choose a manager of this program with an e-mail address")
    note = note.strip()
    if len(note) > ESCALATION_NOTE_MAX:
        raise HotRefused(f"the note is {len(note)} characters; at most {ESCALATION_NOTE_MAX}")
    name = manager.get_full_name() or manager.get_username()
    by = actor.get_full_name() or actor.get_username()
    event = event_build(
        lead=lead,
        kind=EventKind.ALERT,
        action=HOT_ESCALATED_ACTION,
        actor=actor,
        now=now,
        after={"escalated_to": manager.pk},
        reason=f"Hot lead escalated to {name}" + (f": {note}" if note else ""),
    )
    events_record([event])
    waited_hours = (now - lead.created_at).total_seconds() / 3600
    email_enqueue(
        key=f"hot-escalation:{lead.pk}:{manager.pk}:{now.isoformat()}",
        to=[manager.email],
        subject=f"Escalated to you: {texts.hot_alert_subject(lead, waited_hours=waited_hours)}",
        body=(
            f"{by} escalated this Hot lead to you.\n"
            + (f"Their note: {note}\n" if note else "")
            + "\n"
            + texts.hot_alert_body(lead, now=now)
        ),
        now=now,
    )
    return manager
