"""Deliverables of the apps above (issue 20): an app that sells the client something besides
leads (an appointment booked with the client's sales person) delivers each one at once and on
its own, like a Hot lead, through ``deliverable_deliver``. The delivery app names none of them:
the caller describes its deliverable (`Deliverable`: its kind's name, its id, what it is in
words and its fields), and the delivery is the same as every other one: a numbered
``Delivery`` (kind ``single``) of the program, the CSV and XLSX files (the lead's row in the
program's layout, the deliverable's fields as extra columns), the e-mail to the program's
recipients with the files, and the signed webhook (``delivery.created``, the deliverable under
``deliverable``), queued in the outbox in the caller's transaction.

Once: ``(deliverable_kind, deliverable_id)`` is unique, and the program's row is locked while
the check and the insert run, so a retry or a second worker delivers nothing twice (None). The
lead is not delivered again (no ``DeliveryItem``, ``lead_count`` 0): its lifecycle, the
guarantees' lead counts and the billing of leads are left as they are, and ``delivery.created``
is not announced (its subscribers act on delivered leads). Programs without client deliveries
get nothing (None).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max

from leadflow.accounts.models import Role, User
from leadflow.core.delivery_files import Column, column_map_from_json, layout, table
from leadflow.core.handoff import DELIVERING_MODES
from leadflow.delivery import content as texts
from leadflow.delivery.models import (
    Delivery,
    DeliveryFile,
    DeliveryKind,
    DeliverySchedule,
    FileFormat,
)
from leadflow.delivery.selectors import program_people
from leadflow.delivery.services.batches import WEBHOOK_EVENT, _file
from leadflow.leads.models import Lead
from leadflow.notifications.services import Attachment, email_enqueue, webhook_enqueue
from leadflow.programs.models import Program


@dataclass(frozen=True)
class DeliverableField:
    """One fact of a deliverable: its name (the webhook's key), its column header in the
    files, and its value (a string, a number, a boolean or None)."""

    name: str
    header: str
    value: Any


@dataclass(frozen=True)
class Deliverable:
    """What an app above delivers: ``kind`` names the kind ("appointment"), ``id`` the row in
    that app, ``label`` the kind in words ("Appointment"), ``title`` this one in a line (the
    e-mail's subject), ``lines`` the e-mail's text about it."""

    kind: str
    id: int
    label: str
    title: str
    lines: tuple[str, ...]
    fields: tuple[DeliverableField, ...]


@transaction.atomic
def deliverable_deliver(
    *, program: Program, lead: Lead, deliverable: Deliverable, actor: User | None, now: datetime
) -> Delivery | None:
    """Deliver ``deliverable`` (about ``lead``) to the program's client at once, on its own
    (see the module). None when the program has no client deliveries or it was delivered."""
    program = Program.objects.select_for_update().select_related("client").get(pk=program.pk)
    if program.hand_off_mode not in DELIVERING_MODES:
        return None
    done = Delivery.objects.filter(
        deliverable_kind=deliverable.kind, deliverable_id=deliverable.id
    ).exists()
    if done:
        return None
    settings = DeliverySchedule.objects.filter(program=program).first() or DeliverySchedule(
        program=program, updated_at=now
    )
    last = Delivery.objects.filter(program=program).aggregate(last=Max("number"))["last"]
    number = (last or 0) + 1
    prefix = f"{deliverable.kind}_"
    columns = (
        *layout(column_map_from_json(settings.column_map)),
        *(Column(f.header, prefix + f.name) for f in deliverable.fields),
    )
    record = texts.lead_record(lead, number=number, delivered_at=now)
    record.update({prefix + f.name: f.value for f in deliverable.fields})
    built = texts.DeliveryContent(columns, [record], table(columns, [record]))
    recipients = list(settings.recipients) or program_people(
        program_ids=[program.pk], role=Role.CLIENT
    ).get(program.pk, [])
    webhook = settings.webhook_url if settings.webhook_url and settings.webhook_secret else ""
    facts = {f.name: f.value for f in deliverable.fields}
    delivery = Delivery.objects.create(
        program=program,
        kind=DeliveryKind.DELIVERABLE,
        number=number,
        created_at=now,
        created_by=actor,
        lead_count=0,
        summary={
            "deliverable": {
                "kind": deliverable.kind,
                "id": deliverable.id,
                "label": deliverable.label,
                "title": deliverable.title,
                "lead_id": lead.pk,
                "fields": [[f.header, _shown(f.value)] for f in deliverable.fields],
            }
        },
        columns=built.headers,
        email_to=recipients,
        webhook_url=webhook,
        deliverable_kind=deliverable.kind,
        deliverable_id=deliverable.id,
    )
    files = [_file(delivery, f, built.file_bytes(f)) for f in FileFormat]
    DeliveryFile.objects.bulk_create(files)
    if recipients:
        email_enqueue(
            key=delivery.email_key,
            to=recipients,
            subject=f"{deliverable.label} for {program.name}: {deliverable.title}",
            body=_body(delivery, deliverable, lead),
            attachments=[Attachment(f.filename, bytes(f.content), f.mimetype) for f in files],
            now=now,
        )
    if webhook:
        payload = texts.webhook_payload(delivery, built)
        payload["delivery"]["lead_count"] = 0
        payload["deliverable"] = {
            "kind": deliverable.kind,
            "id": deliverable.id,
            "label": deliverable.label,
            "lead_id": lead.pk,
            "fields": facts,
        }
        webhook_enqueue(
            key=delivery.webhook_key,
            url=webhook,
            secret=settings.webhook_secret,
            event=WEBHOOK_EVENT,
            payload=payload,
            now=now,
        )
    return delivery


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _body(delivery: Delivery, deliverable: Deliverable, lead: Lead) -> str:
    who = ", ".join(p for p in (texts.lead_name(lead), lead.title, lead.company) if p)
    lines = [
        f"Delivery {delivery.number} of {delivery.program.name} ({delivery.program.client}).",
        f"{deliverable.label}, delivered at once on its own: {deliverable.title}.",
        "",
        *deliverable.lines,
        "",
        f"Prospect: {who} (lead #{lead.pk}).",
        "The prospect's record is attached as CSV and XLSX (Excel), with the "
        f"{deliverable.label.lower()}'s details as the last columns.",
        "",
        f"See it in LeadFlow: {texts.delivery_url(delivery)}",
    ]
    return "\n".join(lines) + "\n"
