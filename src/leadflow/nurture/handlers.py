"""What nurture does about the leads app's events (subscribed in ``config/events.py``) and
about the e-mail provider's tracking events (connected in ``apps.py``)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from anymail.signals import AnymailTrackingEvent, EventType  # type: ignore[import-untyped]
from django.utils import timezone

from leadflow.core.lifecycle import LeadStatus
from leadflow.nurture.models import TouchSent
from leadflow.nurture.services import (
    address_bounced,
    leads_merged_responded,
    leads_stopped_nurturing,
    sequence_enter,
)


def leads_nurtured(*, lead_ids: Sequence[int], now: datetime) -> int:
    """Leads that became nurturing enter their program's default sequence."""
    return sequence_enter(lead_ids=lead_ids, now=now)


def leads_merged(*, lead_ids: Sequence[int], now: datetime, statuses: Sequence[str] = ()) -> int:
    """New inquiries merged into nurturing leads count as their response (a form fill). The
    statuses are read again when the task runs (``statuses`` is what ``leads_merged_wanted``
    asked when the merge was announced)."""
    return leads_merged_responded(lead_ids=lead_ids, now=now)


def leads_merged_wanted(*, statuses: Sequence[str] | None = None, **_: Any) -> bool:
    """Whether a merge needs ``leads_merged`` at all: only a lead still nurturing after it can
    respond, so a merge into any other lead queues no task (statuses not given: it may)."""
    return statuses is None or LeadStatus.NURTURING in statuses


def leads_status_changed(*, lead_ids: Sequence[int], action: str, now: datetime) -> int:
    """Leads that stopped nurturing leave their sequence, in the same transaction."""
    return leads_stopped_nurturing(lead_ids=lead_ids, action=action, now=now)


def email_tracked(sender: object, event: AnymailTrackingEvent, esp_name: str, **_: Any) -> None:
    """The e-mail provider's tracking webhook (django-anymail's ``tracking`` signal): a hard
    bounce or a complaint sets the address's consent to bounced and ends its sequences. Soft
    bounces, deliveries, opens and clicks (we track clicks ourselves) change nothing."""
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    hard_bounce = event.event_type == EventType.BOUNCED and raw.get("Type") == "HardBounce"
    if not (hard_bounce or event.event_type == EventType.COMPLAINED) or not event.recipient:
        return
    metadata = event.metadata or {}
    sent_id = str(metadata.get("leadflow-sent", ""))
    sent = TouchSent.objects.filter(pk=int(sent_id)).first() if sent_id.isdigit() else None
    if sent is not None and sent.to_address != event.recipient.strip().lower():
        sent = None  # the metadata names another address's touch: trust the recipient only
    what = "hard bounce" if hard_bounce else "complaint"
    address_bounced(
        address=event.recipient,
        now=timezone.now(),
        source=f"{esp_name} {what}: {event.description or event.reject_reason or ''}".strip(),
        sent=sent,
    )
