"""Sales kits (issue 15, item 2): a program's e-mail with attached documents, sent to a lead
through the outbox, the event recorded in the lead's history.

A kit's subject and body are Django templates with the lead's merge fields
(``{{ first_name|default:"there" }}``, ``{{ last_name }}``, ``{{ company }}``,
``{{ program }}``), checked when the kit is saved. Documents are checked by their content
(``documents.document_check``: PDF, Office, OpenDocument, images, text; at most 10 MB each) and
a kit's documents together are at most ``MAX_KIT_BYTES``.

Consent (the nurture issue's contract, ``leads.selectors.consent``): a marketing kit
(``is_marketing``, the default) is never sent to an address unsubscribed or bounced for the
client; the attempt is recorded as skipped, with why, and nothing goes out. A marketing kit
that goes out carries a one-click unsubscribe address for that address and client:
``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 8058) and a plain last line. The
address comes from the apps registered in ``config/leads.py`` ``UNSUBSCRIBE_LINKS`` (the
nurture app, which sales may not import), read by their dotted paths; without one the kit goes
without. Sending the kit finishes the lead's open "send the sales kit" task (the one given,
else the oldest).

The setup page (``views/setup.py``) writes kits through ``kit_create``, ``kit_update`` and
the document functions, and shows ``kit_preview``: the templates rendered for an example lead.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template import Context, Engine, TemplateSyntaxError
from django.utils.module_loading import import_string

from leadflow.accounts.models import User
from leadflow.config import leads as extensions
from leadflow.core.errors import InputError, NormalisationError
from leadflow.core.normalise import normalise_email
from leadflow.leads.models import Lead
from leadflow.leads.selectors.consent import marketing_email_allowed
from leadflow.leads.services import events_record
from leadflow.notifications.services import Attachment, email_enqueue
from leadflow.programs.models import Program
from leadflow.sales.models import KitSent, SalesKit, SalesKitDocument, Task, TaskKind, TaskState
from leadflow.sales.services.documents import document_check
from leadflow.sales.services.tasks import sales_note, task_done

MAX_KIT_BYTES = 20 * 1024 * 1024
MERGE_FIELDS = ("first_name", "last_name", "company", "program")
_ENGINE = Engine(autoescape=False)


def _template(field: str, text: str, limit: int) -> str:
    if "\x00" in text:
        raise InputError(field, "must not contain NUL characters")
    if len(text) > limit:
        raise InputError(field, f"must be at most {limit} characters")
    try:
        _ENGINE.from_string(text)
    except TemplateSyntaxError as exc:
        raise InputError(field, f"the template cannot be read: {exc}") from None
    return text


def _render(text: str, lead: Lead) -> str:
    return _render_with(
        text,
        {
            "first_name": lead.first_name,
            "last_name": lead.last_name,
            "company": lead.company,
            "program": lead.program.name,
        },
    )


def _render_with(text: str, context: dict[str, str]) -> str:
    return _ENGINE.from_string(text).render(Context(context))


#: The lead a kit's preview is rendered for (no real person's details on the setup page).
EXAMPLE_LEAD = {"first_name": "Ada", "last_name": "Lovelace", "company": "Analytical Engines Ltd"}
UNSUBSCRIBE_LINE = "To receive no more of these e-mails, unsubscribe here: {url}"


@dataclass(frozen=True)
class KitPreview:
    subject: str
    body: str


def kit_preview(*, program: Program, subject: str, body: str, is_marketing: bool) -> KitPreview:
    """The kit as the example lead would receive it (InputError for a template that cannot be
    read); a marketing kit ends with its unsubscribe line (the address shown is an example)."""
    context = {**EXAMPLE_LEAD, "program": program.name}
    text = _render_with(_template("body", body, 50_000), context)
    if is_marketing:
        text = _with_unsubscribe_line(text, "https://…/u/…")
    return KitPreview(
        subject=_render_with(_template("subject", subject.strip(), 200), context).strip(),
        body=text,
    )


def _with_unsubscribe_line(body: str, url: str) -> str:
    return f"{body.rstrip()}\n\n--\n{UNSUBSCRIBE_LINE.format(url=url)}\n"


def unsubscribe_link(*, client_id: int, email: str) -> str:
    """The first unsubscribe address the registered apps give (``UNSUBSCRIBE_LINKS``), or ""."""
    for path in extensions.UNSUBSCRIBE_LINKS:
        url: str = import_string(path)(client_id=client_id, email=email)
        if url:
            return url
    return ""


def kit_create(
    *,
    program: Program,
    name: str,
    subject: str,
    body: str,
    now: datetime,
    is_marketing: bool = True,
    is_assessment: bool = False,
) -> SalesKit:
    if not name.strip():
        raise InputError("name", "a kit needs a name")
    return SalesKit.objects.create(
        program=program,
        name=_template("name", name.strip(), 200),
        subject=_template("subject", subject.strip(), 200),
        body=_template("body", body, 50_000),
        is_marketing=is_marketing,
        is_assessment=is_assessment,
        created_at=now,
        updated_at=now,
    )


def kit_update(
    *,
    kit: SalesKit,
    now: datetime,
    name: str | None = None,
    subject: str | None = None,
    body: str | None = None,
    is_marketing: bool | None = None,
    is_assessment: bool | None = None,
) -> SalesKit:
    if name is not None:
        if not name.strip():
            raise InputError("name", "a kit needs a name")
        kit.name = _template("name", name.strip(), 200)
    if subject is not None:
        kit.subject = _template("subject", subject.strip(), 200)
    if body is not None:
        kit.body = _template("body", body, 50_000)
    if is_marketing is not None:
        kit.is_marketing = is_marketing
    if is_assessment is not None:
        kit.is_assessment = is_assessment
    kit.updated_at = now
    kit.save()
    return kit


@transaction.atomic
def kit_document_add(*, kit: SalesKit, upload: UploadedFile, now: datetime) -> SalesKitDocument:
    """Attach a checked document to the kit (InputError on ``file`` when refused)."""
    checked = document_check(upload)
    kit = SalesKit.objects.select_for_update().get(pk=kit.pk)
    total = sum(kit.documents.values_list("size", flat=True))
    if total + checked.size > MAX_KIT_BYTES:
        raise InputError(
            "file", f"a kit's documents together are at most {MAX_KIT_BYTES // 1024 // 1024} MB"
        )
    document = SalesKitDocument(
        kit=kit,
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_at=now,
    )
    document.file.save(checked.filename, ContentFile(checked.data), save=False)
    document.save()
    kit.updated_at = now
    kit.save(update_fields=["updated_at"])
    return document


def kit_document_delete(*, document: SalesKitDocument, now: datetime | None = None) -> None:
    """Remove the document from its kit; the file goes once the removal commits."""
    storage, name = document.file.storage, document.file.name
    with transaction.atomic():
        kit_id = document.kit_id
        document.delete()
        if now is not None:
            SalesKit.objects.filter(pk=kit_id).update(updated_at=now)
        if name:
            transaction.on_commit(lambda: storage.delete(name))


def _address(lead: Lead) -> str:
    if not lead.email.strip():
        return ""
    try:
        return normalise_email(lead.email)
    except NormalisationError:
        return ""


@transaction.atomic
def kit_send(
    *, kit: SalesKit, lead: Lead, actor: User | None, now: datetime, task: Task | None = None
) -> KitSent:
    """Send the kit to the lead (see the module); the KitSent row says what went out, or
    ``skipped`` why nothing did."""
    if kit.program_id != lead.program_id:
        raise InputError("kit", "the kit belongs to another program")
    address = _address(lead)
    skipped = ""
    if not address:
        skipped = "the lead has no usable e-mail address"
    elif kit.is_marketing and not marketing_email_allowed(
        client=lead.program.client, email=address
    ):
        skipped = "the address unsubscribed from or bounced the client's e-mail"
    sent = KitSent.objects.create(
        kit=kit,
        lead=lead,
        task=task,
        to_address=address,
        skipped=skipped,
        sent_at=now,
        sent_by=actor,
    )
    documents = list(kit.documents.order_by("filename", "id"))
    if not skipped:
        attachments = []
        for document in documents:
            with document.file.open("rb") as handle:
                attachments.append(
                    Attachment(
                        filename=document.filename,
                        content=handle.read(),
                        mimetype=document.content_type,
                    )
                )
        sent.outbox_key = f"sales-kit:{sent.pk}"
        body = _render(kit.body, lead)
        headers: dict[str, str] = {}
        if kit.is_marketing:
            url = unsubscribe_link(client_id=lead.program.client_id, email=address)
            if url:
                body = _with_unsubscribe_line(body, url)
                headers = {
                    "List-Unsubscribe": f"<{url}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                }
        email_enqueue(
            key=sent.outbox_key,
            to=[address],
            subject=_render(kit.subject, lead).strip(),
            body=body,
            attachments=attachments,
            headers=headers,
            now=now,
        )
        sent.save(update_fields=["outbox_key"])
        count = len(documents)
        reason = (
            f"Sales kit “{kit.name}” sent to {address} "
            f"({count} document{'s' if count != 1 else ''})."
        )
    else:
        reason = f"Sales kit “{kit.name}” not sent: {skipped}."
    events_record(
        [
            sales_note(
                lead_id=lead.pk,
                action="sales_kit_sent" if not skipped else "sales_kit_skipped",
                reason=reason,
                details={"kit": kit.pk, "sent": sent.pk, "skipped": skipped},
                actor=actor,
                now=now,
            )
        ]
    )
    if not skipped:
        open_task = task or (
            Task.objects.filter(lead=lead, kind=TaskKind.SEND_SALES_KIT, state=TaskState.OPEN)
            .order_by("due_at", "id")
            .first()
        )
        if open_task is not None and open_task.state == TaskState.OPEN:
            task_done(task=open_task, actor=actor, now=now, outcome=f"Sent “{kit.name}”.")
    return sent
