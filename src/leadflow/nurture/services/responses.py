"""What a nurtured lead does back (issue 14, "Tracking without spying" and "Engagement and
re-qualification"): a click on a tracked link, a reply or a phone response recorded by staff,
a form fill or API capture merged into it, an unsubscribe, a bounce or complaint; and the call
tasks the qualifiers make.

A response (not a click) records an engagement event the program's point rules score, ends the
lead's sequence and re-qualifies it: a lead lifted to Hot, A or B goes straight to hand-off
(the leads app's re-qualification says so in its history); any other goes back to the
qualification queue (``reopen`` to qualifying, with the reason "responded"). An unsubscribe or
a hard bounce sets the address's consent for the client, at once honoured by every sequence,
and ends the sequences of the client's leads with that address.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from leadflow.accounts.models import User
from leadflow.core.consent import ConsentChannel, ConsentStatus
from leadflow.core.errors import DomainRefused, NormalisationError
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.core.normalise import normalise_email
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.services import event_build, events_record, lead_requalify, lead_transition
from leadflow.leads.services.consent import consent_record
from leadflow.leads.services.transitions import lockable
from leadflow.nurture.models import (
    CallTask,
    Engagement,
    EngagementKind,
    Enrollment,
    EnrollmentState,
    LeaveReason,
    MailingListEntry,
    TouchSent,
)
from leadflow.nurture.services.enrollment import _leave, _note
from leadflow.programs.models import Client

CLICKED = "nurture_clicked"
RESPONDED = "nurture_responded"
CALL_DONE = "nurture_call_done"


def link_clicked(*, sent: TouchSent, index: int, now: datetime) -> str:
    """Record a click on the sent touch's ``index``-th link and return its original URL (the
    redirect's target). The first click on a touch's links scores as engagement; every click
    is in the lead's history."""
    url = sent.links[index]
    with transaction.atomic():
        first = not Engagement.objects.filter(sent=sent, kind=EngagementKind.EMAIL_CLICK).exists()
        if first:
            Engagement.objects.create(
                lead_id=sent.lead_id,
                kind=EngagementKind.EMAIL_CLICK,
                at=now,
                sent=sent,
                details={"url": url},
            )
        events_record(
            [
                _note(
                    sent.lead_id,
                    CLICKED,
                    f"Clicked {url} in “{sent.subject}”",
                    {"event": "clicked", "sent": sent.pk, "url": url},
                    None,
                    now,
                )
            ]
        )
    return url


def lead_responded(
    *,
    lead: Lead,
    actor: User | None,
    now: datetime,
    kind: EngagementKind = EngagementKind.REPLY,
    note: str = "",
) -> Lead:
    """The lead responded (a reply, a phone call, a form fill): it leaves its sequence and is
    re-qualified; Hot, A or B goes to hand-off, anything else back to the qualification
    queue. DomainRefused when the lead is not nurturing."""
    with transaction.atomic():
        lead = lockable().select_related("program").get(pk=lead.pk)
        if lead.status != LeadStatus.NURTURING:
            raise DomainRefused(f"The lead is {lead.status}, not nurturing.")
        Engagement.objects.create(
            lead=lead, kind=kind, at=now, actor=actor, details={"note": note} if note else {}
        )
        Enrollment.objects.filter(lead=lead, state=EnrollmentState.ACTIVE).update(responded_at=now)
        label = EngagementKind(kind).label.lower()
        events_record(
            [
                _note(
                    lead.pk,
                    RESPONDED,
                    f"Responded: {label}" + (f" ({note})" if note else ""),
                    {"event": "responded", "kind": str(kind)},
                    actor,
                    now,
                )
            ]
        )
        _leave([lead.pk], LeaveReason.RESPONDED, actor, now)
        lead = lead_requalify(lead=lead, actor=actor, now=now)
        if lead.status == LeadStatus.NURTURING:
            lead = lead_transition(
                lead=lead,
                action=Action.REOPEN,
                actor=actor,
                now=now,
                reason=f"responded to nurture: {label}",
            )
        return lead


def leads_merged_responded(*, lead_ids: Iterable[int], now: datetime) -> int:
    """Nurturing leads a new form fill or API capture merged into count as responding."""
    done = 0
    for lead in Lead.objects.filter(pk__in=list(lead_ids), status=LeadStatus.NURTURING):
        lead_responded(lead=lead, actor=None, now=now, kind=EngagementKind.FORM_FILL)
        done += 1
    return done


def _client_leads(client: Client, address: str) -> list[int]:
    return [
        lead_id
        for lead_id, email in Lead.objects.filter(
            program__client=client, email__iexact=address
        ).values_list("id", "email")
        if _same(email, address)
    ]


def _same(email: str, address: str) -> bool:
    try:
        return normalise_email(email) == address
    except NormalisationError:
        return False


def sent_unsubscribe(*, sent: TouchSent, now: datetime) -> ConsentStatus:
    """The person unsubscribed through the link of a touch sent to them: their address is
    unsubscribed for the client, and the client's leads with that address leave their
    sequences. Returns the address's status after it."""
    lead = Lead.objects.select_related("program__client").get(pk=sent.lead_id)
    client = lead.program.client
    address = sent.to_address
    with transaction.atomic():
        outcome = consent_record(
            client=client,
            channel=ConsentChannel.EMAIL,
            address=address,
            status=ConsentStatus.UNSUBSCRIBED,
            source=f"unsubscribe link (nurture e-mail “{sent.subject}”)"[:200],
            now=now,
            by_person=True,
            lead_id=lead.pk,
        )
        _leave(_client_leads(client, address), LeaveReason.UNSUBSCRIBED, None, now)
    return outcome.status


def address_bounced(
    *, address: str, now: datetime, source: str, sent: TouchSent | None = None
) -> int:
    """A hard bounce or a complaint for an address: its consent becomes bounced for every
    client that sent it a nurture e-mail (or only the sent touch's client), and their leads
    with it leave their sequences. Returns how many clients were told."""
    try:
        address = normalise_email(address)
    except NormalisationError:
        return 0
    if sent is not None:
        sends = [sent]
    else:
        sends = list(TouchSent.objects.filter(to_address=address).order_by("-done_at")[:50])
    clients: dict[int, tuple[Client, int]] = {}
    for item in sends:
        lead = Lead.objects.select_related("program__client").get(pk=item.lead_id)
        clients.setdefault(lead.program.client_id, (lead.program.client, lead.pk))
    with transaction.atomic():
        for client, lead_id in clients.values():
            consent_record(
                client=client,
                channel=ConsentChannel.EMAIL,
                address=address,
                status=ConsentStatus.BOUNCED,
                source=source[:200],
                now=now,
                lead_id=lead_id,
            )
            _leave(_client_leads(client, address), LeaveReason.BOUNCED, None, now)
    return len(clients)


def lead_mark_bounced(*, lead: Lead, actor: User | None, now: datetime) -> None:
    """Staff mark a lead's e-mail address bounced (the manual "mark bounced")."""
    lead = Lead.objects.select_related("program__client").get(pk=lead.pk)
    try:
        address = normalise_email(lead.email)
    except NormalisationError:
        raise DomainRefused("The lead has no usable e-mail address.") from None
    with transaction.atomic():
        consent_record(
            client=lead.program.client,
            channel=ConsentChannel.EMAIL,
            address=address,
            status=ConsentStatus.BOUNCED,
            source="marked bounced by staff",
            now=now,
            lead_id=lead.pk,
            actor=actor,
        )
        _leave(_client_leads(lead.program.client, address), LeaveReason.BOUNCED, actor, now)


def call_task_done(
    *, task: CallTask, actor: User | None, now: datetime, note: str = ""
) -> CallTask:
    """A qualifier made the call a sequence asked for."""
    with transaction.atomic():
        task = CallTask.objects.select_for_update().get(pk=task.pk)
        if task.done_at is not None:
            raise DomainRefused("This call was already recorded.")
        task.done_at, task.done_by = now, actor
        task.save(update_fields=["done_at", "done_by"])
        events_record(
            [
                event_build(
                    lead_id=task.lead_id,
                    kind=EventKind.NOTE,
                    actor=actor,
                    now=now,
                    action=CALL_DONE,
                    after={"nurture": {"event": "call_done", "task": task.pk}},
                    reason="Nurture call made" + (f": {note}" if note else ""),
                )
            ]
        )
    return task


def mailing_list_mark_exported(*, entries: Iterable[MailingListEntry], now: datetime) -> int:
    """Mark mailing-list entries as exported for the mail house."""
    ids = [entry.pk for entry in entries]
    return MailingListEntry.objects.filter(pk__in=ids, exported_at__isnull=True).update(
        exported_at=now
    )
