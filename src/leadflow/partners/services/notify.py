"""What partners and their managers are told, through the notification outbox (retried, never
duplicated: every message has a stable key, and keys already in the outbox are skipped).

``notifications_send`` is called inside the services' transactions (a hand-off, a decline), or
by ``partners.tasks.partner_notifications_task`` for the many e-mails of a sweep, which is
queued in the sweep's own transaction."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction

from leadflow.core.enums import Rating
from leadflow.core.sla import Consequence
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.services import event_build, events_record
from leadflow.notifications.selectors import outbox_messages
from leadflow.notifications.services import Attachment, email_enqueue
from leadflow.partners.exports import lead_csv, lead_pdf, local_time
from leadflow.partners.models import Assignment, NotifyFormat, Partner, PartnerMember, Violation


def portal_path(lead_id: int) -> str:
    """The lead's page in the partner portal (a 404 once the lead is no longer the partner's)."""
    return f"/partners/leads/{lead_id}/"


def portal_url(lead_id: int) -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") + portal_path(lead_id)


def assignment_key(assignment_id: int) -> str:
    return f"partner-notify:assignment:{assignment_id}"


def violations_key(partner_id: int, first_violation_id: int) -> str:
    return f"partner-violation:{partner_id}:{first_violation_id}"


@dataclass(frozen=True)
class Recipients:
    """Where a partner's mail goes: its members' addresses and its shared inbox."""

    partner: tuple[str, ...]
    manager: str = ""


def assignment_notify(
    *,
    assignment: Assignment,
    lead: Lead,
    partner: Partner,
    recipients: Recipients,
    now: datetime,
) -> LeadEvent | None:
    """Queue the new-lead e-mail (CSV or PDF attached, or the portal link) and return the
    unsaved ``notified`` event, or None when the partner has no address to write to."""
    if not recipients.partner:
        return None
    rating = Rating(lead.rating).label if lead.rating else "unrated"
    name = " ".join(part for part in (lead.first_name, lead.last_name) if part) or lead.email
    tz = partner.timezone
    body = "\n".join(
        [
            f"{partner.name} has a new {rating} lead: {name}, {lead.company or 'no company'}.",
            "",
            f"Claim it by {local_time(assignment.claim_due, tz)}.",
            f"First contact by {local_time(assignment.contact_due, tz)}.",
            "",
            f"Open it in the partner portal: {portal_url(lead.pk)}",
            "Missed deadlines move the lead to another partner and count against your record.",
        ]
    )
    attachments: list[Attachment] = []
    if partner.notify_format == NotifyFormat.CSV:
        content = lead_csv(lead, assignment, tz)
        attachments.append(Attachment(f"lead-{lead.pk}.csv", content, "text/csv"))
    elif partner.notify_format == NotifyFormat.PDF:
        content = lead_pdf(lead, assignment, tz)
        attachments.append(Attachment(f"lead-{lead.pk}.pdf", content, "application/pdf"))
    key = assignment_key(assignment.pk)
    email_enqueue(
        key=key,
        to=list(recipients.partner),
        subject=f"New {rating} lead #{lead.pk}: {lead.company or name}",
        body=body,
        attachments=attachments,
        now=now,
    )
    return event_build(
        lead=lead,
        kind=EventKind.NOTIFIED,
        actor=None,
        now=now,
        after={
            "partner": partner.pk,
            "to": list(recipients.partner),
            "format": partner.notify_format,
            "key": key,
        },
    )


def violations_notify(
    *,
    partner: Partner,
    violations: Sequence[Violation],
    recipients: Recipients,
    now: datetime,
) -> int:
    """One e-mail to the partner and its manager about the leads a sweep took away: a warning
    at the first violation, the notice that the lead flow is disabled at the threshold.
    Returns 1 when queued, 0 when there is no one to write to."""
    to = [*recipients.partner, recipients.manager]
    if not [address for address in to if address] or not violations:
        return 0
    consequences = {violation.consequence for violation in violations}
    lines = [
        f"{partner.name} missed {len(violations)} follow-up deadline(s); the lead(s) went to "
        "other partners and are no longer visible to you:",
        "",
    ]
    for violation in violations:
        lines.append(
            f"- lead #{violation.lead_id}: {violation.get_clock_display()} was due "
            f"{local_time(violation.due, partner.timezone)}"
        )
    lines.append("")
    if Consequence.FLOW_DISABLED in consequences:
        subject = f"{partner.name}: lead flow disabled after SLA violations"
        lines.append(
            "The partner has reached the program's violation threshold: it receives no new "
            "leads until a partner manager re-enables its lead flow."
        )
    elif Consequence.WARNING in consequences:
        subject = f"Warning: {partner.name} missed a follow-up deadline"
        lines.append(
            "This is a warning. Further violations disable the partner's lead flow at the "
            "program's threshold."
        )
    else:
        subject = f"{partner.name}: follow-up deadline missed"
        lines.append("The violation is recorded in the partner's SLA record.")
    email_enqueue(
        key=violations_key(partner.pk, min(violation.pk for violation in violations)),
        to=[address for address in to if address],
        subject=subject,
        body="\n".join(lines),
        now=now,
    )
    return 1


def recipients_of(partner_ids: Sequence[int]) -> dict[int, Recipients]:
    """Every partner's addresses (active members and shared inbox) and its manager's, in two
    queries."""
    members: dict[int, set[str]] = defaultdict(set)
    for partner_id, address in PartnerMember.objects.filter(
        partner_id__in=list(partner_ids), user__is_active=True
    ).values_list("partner_id", "user__email"):
        if address:
            members[partner_id].add(address)
    found = {}
    for partner_id, shared, manager in Partner.objects.filter(pk__in=list(partner_ids)).values_list(
        "pk", "email", "manager__email"
    ):
        addresses = members[partner_id] | ({shared} if shared else set())
        found[partner_id] = Recipients(tuple(sorted(addresses)), manager or "")
    return found


def _queued(keys: Sequence[str], prefix: str) -> set[str]:
    return set(
        outbox_messages(key_prefix=prefix).filter(key__in=keys).values_list("key", flat=True)
    )


@transaction.atomic
def notifications_send(
    *, assignment_ids: Sequence[int], violation_ids: Sequence[int], now: datetime
) -> int:
    """Queue the new-lead e-mail of each still active assignment, with its ``notified`` event,
    and one e-mail per partner about its violations; anything already queued is skipped, so
    running it twice sends nothing twice. Returns how many e-mails were queued."""
    assignments = list(
        Assignment.objects.filter(pk__in=list(assignment_ids), ended_at__isnull=True)
        .select_related("lead", "partner")
        .order_by("id")
    )
    violations = list(
        Violation.objects.filter(pk__in=list(violation_ids))
        .select_related("partner")
        .order_by("id")
    )
    partner_ids = {a.partner_id for a in assignments} | {v.partner_id for v in violations}
    recipients = recipients_of(sorted(partner_ids))
    done = _queued([assignment_key(a.pk) for a in assignments], "partner-notify:assignment:")
    events = []
    for assignment in assignments:
        if assignment_key(assignment.pk) in done:
            continue
        event = assignment_notify(
            assignment=assignment,
            lead=assignment.lead,
            partner=assignment.partner,
            recipients=recipients[assignment.partner_id],
            now=now,
        )
        if event is not None:
            events.append(event)
    events_record(events)
    by_partner: dict[int, list[Violation]] = defaultdict(list)
    for violation in violations:
        by_partner[violation.partner_id].append(violation)
    keys = {pid: violations_key(pid, found[0].pk) for pid, found in by_partner.items()}
    done = _queued(list(keys.values()), "partner-violation:")
    sent = len(events)
    for partner_id, found in by_partner.items():
        if keys[partner_id] not in done:
            sent += violations_notify(
                partner=found[0].partner,
                violations=found,
                recipients=recipients[partner_id],
                now=now,
            )
    return sent
