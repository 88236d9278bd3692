"""What partners and their managers are told, through the notification outbox (retried, never
duplicated: every message has a stable key, and keys already in the outbox are skipped).

``notifications_send`` is called inside the services' transactions (a hand-off, a decline), or
by ``partners.tasks.partner_notifications_task`` for the many e-mails of a sweep, which is
queued in the sweep's own transaction. It builds every e-mail first and queues them together
(``emails_enqueue``: one INSERT for the messages, one for their attachments, one send task per
batch), with a fixed number of reads, however many partners and leads the e-mails are about."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction

from leadflow.core.enums import Rating
from leadflow.core.sla import ClockName, Consequence, SlaTerms
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.services import event_build, events_record
from leadflow.notifications.selectors import outbox_messages
from leadflow.notifications.services import Attachment, Email, emails_enqueue
from leadflow.partners.exports import lead_csv, lead_pdf, local_time
from leadflow.partners.models import (
    Assignment,
    NotifyFormat,
    Partner,
    PartnerMember,
    RoutingQueueEntry,
    Violation,
)
from leadflow.partners.policies import program_terms


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


def assignment_email(
    *, assignment: Assignment, lead: Lead, partner: Partner, recipients: Recipients
) -> Email | None:
    """The new-lead e-mail (CSV or PDF attached, or the portal link), or None when the partner
    has no address to write to."""
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
    return Email(
        key=assignment_key(assignment.pk),
        to=list(recipients.partner),
        subject=f"New {rating} lead #{lead.pk}: {lead.company or name}",
        body=body,
        attachments=attachments,
    )


def notified_event(
    *, assignment: Assignment, partner: Partner, email: Email, now: datetime
) -> LeadEvent:
    """The lead's ``notified`` entry for its queued new-lead e-mail (unsaved)."""
    return event_build(
        lead=assignment.lead,
        kind=EventKind.NOTIFIED,
        actor=None,
        now=now,
        after={
            "partner": partner.pk,
            "to": list(email.to),
            "format": partner.notify_format,
            "key": email.key,
        },
    )


def manager_violations_key(partner_id: int, first_violation_id: int) -> str:
    return f"partner-violation-manager:{partner_id}:{first_violation_id}"


def clock_rule(*, clock: str, rating: str, terms: SlaTerms) -> str:
    """The missed clock as its rule, in words: "claim within 2 working days of assignment"."""
    if clock == ClockName.CLAIM:
        days, what = terms.claim_days, "claim within {} of assignment"
    elif clock == ClockName.CONTACT:
        days = terms.contact_days(Rating(rating)) if rating else terms.contact_days_b
        what = "first contact within {} of assignment"
    else:
        days, what = (
            terms.followup_days,
            "record the follow-up's outcome within {} of first contact",
        )
    return what.format(f"{days} working day{'s' if days != 1 else ''}")


def lead_whereabouts(lead_ids: Sequence[int]) -> dict[int, str]:
    """Where each lead is now: the name of the partner that holds it, or "" when it waits in
    the routing queue or left partner routing."""
    return dict(
        Assignment.objects.active()
        .filter(lead_id__in=list(lead_ids))
        .values_list("lead_id", "partner__name")
    )


@dataclass(frozen=True)
class Whereabouts:
    """What the violation e-mails of a batch say about its leads, read once for all partners:
    each program's SLA terms, who holds each lead now, and which wait in the routing queue."""

    terms: dict[int, SlaTerms]
    holders: dict[int, str]
    queued: frozenset[int]

    @classmethod
    def of(cls, violations: Sequence[Violation]) -> "Whereabouts":
        lead_ids = [violation.lead_id for violation in violations]
        return cls(
            terms=program_terms(
                program_ids={violation.lead.program_id for violation in violations}
            ),
            holders=lead_whereabouts(lead_ids),
            queued=frozenset(
                RoutingQueueEntry.objects.filter(lead_id__in=lead_ids).values_list(
                    "lead_id", flat=True
                )
            ),
        )


def violations_emails(
    *,
    partner: Partner,
    violations: Sequence[Violation],
    recipients: Recipients,
    whereabouts: Whereabouts,
    already: frozenset[str] = frozenset(),
) -> list[Email]:
    """Two e-mails about the leads a sweep took away from a partner: one to the partner, one
    to its manager; a warning at the first violation, the notice that the lead flow is
    disabled at the threshold. Each line names the clock that was missed, as its rule, and
    where the lead went: the manager reads the new partner's name, the partner only that
    "another partner" has it (DESIGN.md: after reassignment the lead is gone for it), or that
    it waits in the routing queue. Keys in ``already`` are in the outbox and skipped."""
    if not violations:
        return []
    terms, went, queued = whereabouts.terms, whereabouts.holders, whereabouts.queued
    consequences = {violation.consequence for violation in violations}
    if Consequence.FLOW_DISABLED in consequences:
        subject = f"{partner.name}: lead flow disabled after SLA violations"
        closing = (
            "The partner has reached the program's violation threshold: it receives no new "
            "leads until a partner manager re-enables its lead flow."
        )
    elif Consequence.WARNING in consequences:
        subject = f"Warning: {partner.name} missed a follow-up deadline"
        closing = (
            "This is a warning. Further violations disable the partner's lead flow at the "
            "program's threshold."
        )
    else:
        subject = f"{partner.name}: follow-up deadline missed"
        closing = "The violation is recorded in the partner's SLA record."

    def body(*, for_manager: bool) -> str:
        lines = [
            f"{partner.name} missed {len(violations)} deadline(s); "
            + (
                "the partner no longer sees the lead(s):"
                if for_manager
                else "you no longer see the lead(s):"
            ),
            "",
        ]
        for violation in violations:
            rule = clock_rule(
                clock=violation.clock,
                rating=violation.assignment.rating,
                terms=terms[violation.lead.program_id],
            )
            holder = went.get(violation.lead_id, "")
            if holder:
                where = f"it went to {holder}" if for_manager else "it went to another partner"
            elif violation.lead_id in queued:
                where = "it waits in the routing queue for a partner"
            else:
                where = "it left partner routing"
            lines.append(
                f"- lead #{violation.lead_id}: missed “{rule}” (due "
                f"{local_time(violation.due, partner.timezone)}); {where}."
            )
        return "\n".join([*lines, "", closing])

    first = min(violation.pk for violation in violations)
    emails = []
    if recipients.partner and violations_key(partner.pk, first) not in already:
        emails.append(
            Email(
                key=violations_key(partner.pk, first),
                to=list(recipients.partner),
                subject=subject,
                body=body(for_manager=False),
            )
        )
    if recipients.manager and manager_violations_key(partner.pk, first) not in already:
        emails.append(
            Email(
                key=manager_violations_key(partner.pk, first),
                to=[recipients.manager],
                subject=subject,
                body=body(for_manager=True),
            )
        )
    return emails


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
        .select_related("partner", "lead", "assignment")
        .order_by("id")
    )
    partner_ids = {a.partner_id for a in assignments} | {v.partner_id for v in violations}
    recipients = recipients_of(sorted(partner_ids))
    done = _queued([assignment_key(a.pk) for a in assignments], "partner-notify:assignment:")
    emails: list[Email] = []
    notified: dict[str, Assignment] = {}
    for assignment in assignments:
        if assignment_key(assignment.pk) in done:
            continue
        email = assignment_email(
            assignment=assignment,
            lead=assignment.lead,
            partner=assignment.partner,
            recipients=recipients[assignment.partner_id],
        )
        if email is not None:
            emails.append(email)
            notified[email.key] = assignment
    by_partner: dict[int, list[Violation]] = defaultdict(list)
    for violation in violations:
        by_partner[violation.partner_id].append(violation)
    keys = [
        make(pid, found[0].pk)
        for pid, found in by_partner.items()
        for make in (violations_key, manager_violations_key)
    ]
    already = frozenset(_queued(keys, "partner-violation"))
    if by_partner:
        whereabouts = Whereabouts.of(violations)
        for partner_id, found in by_partner.items():
            emails += violations_emails(
                partner=found[0].partner,
                violations=found,
                recipients=recipients[partner_id],
                whereabouts=whereabouts,
                already=already,
            )
    queued = emails_enqueue(emails=emails, now=now)
    events_record(
        [
            notified_event(
                assignment=notified[email.key],
                partner=notified[email.key].partner,
                email=email,
                now=now,
            )
            for email in emails
            if email.key in notified and email.key in queued
        ]
    )
    return len(queued)
