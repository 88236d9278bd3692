"""Deliveries: the shared write of one delivery, the scheduled batch, and the periodic run.

A delivery is one transaction: the leads it carries are locked, moved from approved to
delivered along the lifecycle with their ``status_changed`` events, recorded as items (a lead is
delivered once: ``DeliveryItem.lead`` is one-to-one), written to a CSV and an XLSX file kept in
the database, and its e-mail and webhook are queued in the outbox under keys derived from the
delivery (``delivery:<id>:email``, ``delivery:<id>:webhook``), so a retry never sends twice.

Locks are always taken in the same order, so concurrent workers wait instead of deadlocking:
the program's schedule, then the program (which numbers its deliveries), then the leads.
"""

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max

from leadflow.accounts.models import Role, User
from leadflow.core.delivery_files import column_map_from_json
from leadflow.core.handoff import BatchPlace, batch_place
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.core.schedule import next_run
from leadflow.delivery import content as texts
from leadflow.delivery.models import (
    Delivery,
    DeliveryFile,
    DeliveryItem,
    DeliveryKind,
    DeliverySchedule,
    FileFormat,
    SummaryEntry,
)
from leadflow.delivery.selectors import program_people
from leadflow.delivery.services.schedules import check_delivery_mode, schedule_of
from leadflow.leads.models import Lead
from leadflow.leads.services import leads_move
from leadflow.lib.events import announce
from leadflow.notifications.models import MessageStatus, OutboxMessage
from leadflow.notifications.services import (
    Attachment,
    email_enqueue,
    outbox_message_retry,
    webhook_enqueue,
)
from leadflow.programs.models import Program

WEBHOOK_EVENT = "delivery.created"


@dataclass(frozen=True)
class BatchResult:
    """What one batch run did: the delivery (None when there was nothing for the client), and
    how many leads were delivered, sent to nurture, listed for information, or held."""

    program: Program
    delivery: Delivery | None
    delivered: int = 0
    nurtured: int = 0
    listed: int = 0
    held: dict[str, int] = field(default_factory=dict)
    next_run_at: datetime | None = None

    @property
    def message(self) -> str:
        if self.delivery is None:
            text = "Nothing to deliver"
        else:
            count = self.delivered
            text = f"Delivery {self.delivery.number}: {count} lead{'s' if count != 1 else ''}"
        if self.nurtured:
            text += f"; {self.nurtured} C sent to nurture"
        if self.listed:
            text += f"; {self.listed} FYI listed in the summary"
        if self.held:
            text += "; held: " + ", ".join(
                f"{count} {texts.rating_label(rating)}" for rating, count in self.held.items()
            )
        return text + "."


@dataclass
class _Plan:
    """Which of a program's approved leads a batch delivers, nurtures, lists or holds."""

    deliver: list[Lead] = field(default_factory=list)
    nurture: list[Lead] = field(default_factory=list)
    listed: list[Lead] = field(default_factory=list)
    held: Counter[str] = field(default_factory=Counter)


def _plan(settings: DeliverySchedule, leads: Sequence[Lead], listed_before: set[int]) -> _Plan:
    """Sort the approved leads out by rating. Hot leads go in any batch (they are normally
    delivered at once; one still approved at batch time is not held back)."""
    plan = _Plan()
    for lead in sorted(leads, key=texts.priority):
        place = batch_place(
            lead.rating,
            batch_ratings=settings.batch_ratings,
            c_handling=settings.c_handling,
            fyi_handling=settings.fyi_handling,
        )
        if place is BatchPlace.FILE:
            plan.deliver.append(lead)
        elif place is BatchPlace.NURTURE:
            plan.nurture.append(lead)
        elif place is BatchPlace.SUMMARY:
            if lead.pk not in listed_before:
                plan.listed.append(lead)
        else:
            plan.held[lead.rating or "none"] += 1
    return plan


def delivery_batch_run(
    *, program: Program, now: datetime, actor: User | None = None
) -> BatchResult:
    """Build the program's batch now (DESIGN.md: A and B leads go in the program's batch on
    its schedule; C leads go to nurture): its approved leads of the batch ratings, and any Hot
    lead still approved, in one delivery ordered by rating then score; C and FYI leads as the
    program's settings say. A run that is due moves the schedule to its next run; a manager's
    "deliver now" before the due time leaves the schedule as it is. A program without saved
    settings uses the defaults (A and B, C to nurture, FYI in the summary, Salesforce columns).
    """
    with transaction.atomic():
        schedule = DeliverySchedule.objects.select_for_update().filter(program=program).first()
        return batch_run(program=program, schedule=schedule, now=now, actor=actor)


def batch_run(
    *, program: Program, schedule: DeliverySchedule | None, now: datetime, actor: User | None
) -> BatchResult:
    """One batch of ``program``, inside the caller's transaction, which holds the lock on its
    ``schedule`` row (None: no saved settings, the defaults apply)."""
    program = Program.objects.select_for_update().select_related("client").get(pk=program.pk)
    check_delivery_mode(program)
    settings = schedule or DeliverySchedule(program=program, updated_at=now)
    # The leads approved by the run's time: an approved lead is not edited again, so its last
    # change is its approval, and a backdated run (the demo's history) takes no later lead.
    approved = list(
        Lead.objects.select_for_update(of=("self",)).filter(
            program=program,
            status=LeadStatus.APPROVED,
            updated_at__lte=now,
            # In programs with both hand-offs a delivered lead whose partner declined it waits
            # approved for routing again; the client already has it.
            delivery_item__isnull=True,
        )
    )
    listed_before = set(
        SummaryEntry.objects.filter(lead_id__in=[lead.pk for lead in approved]).values_list(
            "lead_id", flat=True
        )
    )
    plan = _plan(settings, approved, listed_before)
    leads_move(
        leads=plan.nurture, action=Action.NURTURE, actor=actor, now=now, reason="C lead: nurture"
    )
    delivery = None
    if plan.deliver or plan.listed:
        delivery = delivery_create(
            program=program,
            kind=DeliveryKind.BATCH,
            leads=plan.deliver,
            listed=plan.listed,
            settings=settings,
            summary=_summary(plan),
            actor=actor,
            now=now,
        )
    next_at = None
    if schedule is not None and schedule.is_active:
        if schedule.next_run_at is None or schedule.next_run_at <= now:
            core = schedule_of(schedule, timezone=program.client.timezone)
            schedule.next_run_at = next_run(core, now).at
        schedule.last_run_at = now
        schedule.save(update_fields=["next_run_at", "last_run_at"])
        next_at = schedule.next_run_at
    return BatchResult(
        program=program,
        delivery=delivery,
        delivered=len(plan.deliver),
        nurtured=len(plan.nurture),
        listed=len(plan.listed),
        held=dict(sorted(plan.held.items(), key=lambda item: texts.rating_rank(item[0]))),
        next_run_at=next_at,
    )


def _summary(plan: _Plan) -> dict[str, Any]:
    return {
        "nurtured": len(plan.nurture),
        "held": dict(sorted(plan.held.items(), key=lambda item: texts.rating_rank(item[0]))),
        "listed": [
            {
                "lead_id": lead.pk,
                "name": texts.lead_name(lead),
                "title": lead.title,
                "company": lead.company,
                "rating": texts.rating_label(lead.rating),
            }
            for lead in plan.listed
        ],
    }


def delivery_create(
    *,
    program: Program,
    kind: DeliveryKind,
    leads: Sequence[Lead],
    listed: Sequence[Lead],
    settings: DeliverySchedule,
    summary: dict[str, Any],
    actor: User | None,
    now: datetime,
    captured_at: datetime | None = None,
) -> Delivery:
    """Record one delivery of locked, approved ``leads`` (in priority order, position 1 first)
    and queue its e-mail and webhook. The caller holds the program's lock, under which the next
    number is taken. E-mail goes to the settings' recipients, or else to the client contacts
    whose scope covers the program; the webhook only when the program has one."""
    last = Delivery.objects.filter(program=program).aggregate(last=Max("number"))["last"]
    number = (last or 0) + 1
    built = texts.delivery_content(
        leads=leads, columns=column_map_from_json(settings.column_map), number=number, at=now
    )
    recipients = list(settings.recipients) or program_people(
        program_ids=[program.pk], role=Role.CLIENT
    ).get(program.pk, [])
    webhook = settings.webhook_url if settings.webhook_url and settings.webhook_secret else ""
    ratings = Counter(lead.rating or "none" for lead in leads)
    delivery = Delivery.objects.create(
        program=program,
        kind=kind,
        number=number,
        created_at=now,
        created_by=actor,
        lead_count=len(leads),
        summary={
            "ratings": {
                rating: ratings[rating] for rating in sorted(ratings, key=texts.rating_rank)
            },
            **summary,
        },
        columns=built.headers,
        captured_at=captured_at,
        email_to=recipients,
        webhook_url=webhook,
    )
    DeliveryItem.objects.bulk_create(
        DeliveryItem(delivery=delivery, lead=lead, position=position)
        for position, lead in enumerate(leads, start=1)
    )
    # Upheld disputes waiting for a replacement take this delivery's first leads (guarantees).
    announce("delivery.created", delivery_id=delivery.pk, now=now)
    SummaryEntry.objects.bulk_create(
        SummaryEntry(delivery=delivery, lead=lead, position=position)
        for position, lead in enumerate(listed, start=1)
    )
    leads_move(
        leads=leads, action=Action.DELIVER, actor=actor, now=now, reason=f"delivery {number}"
    )
    # Announces ``leads.delivered``: programs with both hand-offs route what the client
    # received, once this commits.
    files = [
        _file(delivery, file_format, built.file_bytes(file_format)) for file_format in FileFormat
    ]
    DeliveryFile.objects.bulk_create(files)
    if recipients:
        email_enqueue(
            key=delivery.email_key,
            to=recipients,
            subject=texts.email_subject(delivery, leads),
            body=texts.email_body(delivery, leads),
            attachments=[Attachment(f.filename, bytes(f.content), f.mimetype) for f in files]
            if leads
            else (),
            now=now,
        )
    if webhook:
        webhook_enqueue(
            key=delivery.webhook_key,
            url=webhook,
            secret=settings.webhook_secret,
            event=WEBHOOK_EVENT,
            payload=texts.webhook_payload(delivery, built),
            now=now,
        )
    return delivery


def _file(delivery: Delivery, file_format: FileFormat, data: bytes) -> DeliveryFile:
    return DeliveryFile(
        delivery=delivery,
        format=file_format,
        filename=texts.file_name(delivery, file_format),
        content=data,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def delivery_resend(*, delivery: Delivery, now: datetime) -> int:
    """Try again at once the delivery's e-mail or webhook that the outbox gave up on (after a
    manager fixed the address or the client fixed its endpoint). Messages still being retried
    or already sent are left alone, so nothing is sent twice. Returns how many were queued."""
    failed = OutboxMessage.objects.filter(
        key__in=[delivery.email_key, delivery.webhook_key], status=MessageStatus.FAILED
    ).values_list("pk", flat=True)
    queued = 0
    for message_id in failed:
        outbox_message_retry(message_id=message_id, now=now)
        queued += 1
    return queued
