"""The weekly status e-mail (issue 20, item 5): every week each user of a partner (reseller or
field sales executive) that holds open leads gets one e-mail listing them, each with one-click
links (still working, contacted, won, lost, nurture) signed per lead, step, holder and expiry
(``core.status_links``). A link records the step without a login: its page asks to confirm
(GET changes nothing: mail scanners follow links), the POST records it through the portal's
services, so the lead's one transition path and its history.

The holder a link is signed for is the partner that holds the lead and the user the e-mail went
to (``holder_of``): a link of a lead since reassigned, or of a user who left the partner, stops
working. When: the hourly job sends a partner's users their e-mail once per week, the first
time it runs from Monday 09:00 in the partner's timezone (a missed Monday is caught up the same
week); links last 14 days, so last week's e-mail still works until this week's is answered.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction

from leadflow.accounts.models import User
from leadflow.core.lifecycle import LeadStatus
from leadflow.core.status_links import StatusStep, status_link_check, status_link_token
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.services import event_build, events_record
from leadflow.notifications.services import email_enqueue
from leadflow.partners.models import (
    LOST_REASONS,
    Assignment,
    Partner,
    PartnerMember,
    StatusAnswer,
    StatusMail,
)
from leadflow.partners.services.portal import (
    PartnerInputError,
    lead_contact_record,
    lead_outcome_record,
)

#: The local time from which a week's e-mail goes out (Monday morning, the partner's clock).
SEND_WEEKDAY = 0
SEND_HOUR = 9
#: How long a status link works.
LINK_DAYS = 14
#: The leads a weekly e-mail lists: claimed or contacted, not closed (an unclaimed lead has its
#: own notification and claim deadline).
WORKED = (LeadStatus.CLAIMED, LeadStatus.CONTACTED)
FROM_EMAIL = "the weekly status e-mail"


class StatusLinkGone(Exception):
    """The link is not good (any reason: the view answers 404)."""


def _secret(key: str) -> bytes:
    return hmac.new(key.encode(), b"leadflow.partners.status-links", hashlib.sha256).digest()


def link_secrets() -> list[bytes]:
    """The key of the links, derived from the site's secret for this purpose alone (the
    current one first, then the fallbacks of a key rotation)."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [_secret(str(k)) for k in keys]


def holder_of(partner_id: int, user_id: int) -> str:
    return f"partner:{partner_id}:user:{user_id}"


def status_path(mail_id: int, lead_id: int, step: str, token: str) -> str:
    return f"/partners/status/{mail_id}/{lead_id}/{step}/{token}/"


def status_url(mail_id: int, lead_id: int, step: str, token: str) -> str:
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return base + status_path(mail_id, lead_id, step, token)


def week_of(partner: Partner, now: datetime) -> date | None:
    """The Monday of the partner's week whose e-mail is due at ``now`` (None before Monday
    09:00 local time)."""
    local = now.astimezone(ZoneInfo(partner.timezone or "UTC"))
    monday = local.date() - timedelta(days=local.weekday())
    starts = datetime(monday.year, monday.month, monday.day, SEND_HOUR, tzinfo=local.tzinfo)
    starts += timedelta(days=SEND_WEEKDAY)
    return monday if local >= starts else None


@dataclass(frozen=True)
class WeeklyResult:
    sent: int = 0


def weekly_status_send(*, now: datetime) -> WeeklyResult:
    """Queue this week's status e-mail of every partner user holding worked leads, once per
    user and week (a unique row per user and week: a second run, or a second scheduler,
    queues nothing twice)."""
    rows = (
        Assignment.objects.active()
        .filter(lead__status__in=WORKED, partner__is_active=True)
        .values_list("partner_id", "lead_id")
        .order_by("partner_id", "lead_id")
    )
    by_partner: dict[int, list[int]] = {}
    for partner_id, lead_id in rows:
        by_partner.setdefault(partner_id, []).append(lead_id)
    sent = 0
    partners = Partner.objects.in_bulk(list(by_partner))
    members = PartnerMember.objects.filter(partner_id__in=list(by_partner)).select_related("user")
    for member in members.order_by("partner_id", "user_id"):
        partner = partners[member.partner_id]
        week = week_of(partner, now)
        user = member.user
        if week is None or not user.is_active or not user.email:
            continue
        if StatusMail.objects.filter(user=user, week=week).exists():
            continue
        try:
            with transaction.atomic():
                mail = StatusMail.objects.create(
                    user=user,
                    partner=partner,
                    week=week,
                    sent_at=now,
                    lead_ids=by_partner[partner.pk],
                )
                _enqueue(mail, partner, user, now)
        except IntegrityError:  # another run sent it meanwhile
            continue
        sent += 1
    return WeeklyResult(sent=sent)


def _enqueue(mail: StatusMail, partner: Partner, user: User, now: datetime) -> None:
    leads = Lead.objects.filter(pk__in=mail.lead_ids).order_by("pk")
    expires = now + timedelta(days=LINK_DAYS)
    secret = link_secrets()[0]
    holder = holder_of(partner.pk, user.pk)
    lines = [
        f"Hello {user.get_full_name() or user.get_username()},",
        "",
        f"these are the leads {partner.name} is working on. Where are you with each? One click "
        "on a link records it (you confirm on the page it opens); no sign-in needed.",
        "",
    ]
    for lead in leads:
        name = f"{lead.first_name} {lead.last_name}".strip()
        lines.append(f"#{lead.pk} {name}{', ' + lead.company if lead.company else ''}")
        lines.append(f"  ({LeadStatus(lead.status).label.lower()})")
        for step in StatusStep:
            token = status_link_token(
                secret=secret, lead_id=lead.pk, step=step, holder=holder, expires_at=expires
            )
            lines.append(f"  {step.label}: {status_url(mail.pk, lead.pk, step.value, token)}")
        lines.append("")
    lines.append(f"The links work until {expires:%d %B %Y}.")
    email_enqueue(
        key=f"partner-weekly-status:{mail.pk}",
        to=[user.email],
        subject=f"Your weekly lead status: {len(mail.lead_ids)} open lead"
        + ("s" if len(mail.lead_ids) != 1 else ""),
        body="\n".join(lines),
        now=now,
    )


@dataclass(frozen=True)
class StatusLink:
    """A good link: its e-mail, lead, step and the user it was sent to."""

    mail: StatusMail
    lead: Lead
    step: StatusStep
    assignment: Assignment


def status_link_open(
    *, mail_id: int, lead_id: int, step: str, token: str, now: datetime
) -> StatusLink:
    """The link if it is good now: signed for this lead, step and its present holder (the
    partner holding the lead, and a user of it the e-mail went to), not expired.
    StatusLinkGone otherwise, whatever the reason."""
    mail = StatusMail.objects.select_related("user", "partner").filter(pk=mail_id).first()
    assignment = (
        Assignment.objects.active()
        .select_related("lead", "partner")
        .filter(lead_id=lead_id)
        .first()
    )
    if mail is None or assignment is None:
        raise StatusLinkGone
    still_member = PartnerMember.objects.filter(
        user_id=mail.user_id, partner_id=assignment.partner_id
    ).exists()
    if not still_member or not mail.user.is_active:
        raise StatusLinkGone
    try:
        checked, _ = status_link_check(
            secrets=link_secrets(),
            lead_id=lead_id,
            step=step,
            holder=holder_of(assignment.partner_id, mail.user_id),
            token=token,
            now=now,
        )
    except Exception as exc:  # StatusLinkRefused, or a malformed token
        raise StatusLinkGone from exc
    if assignment.lead.status not in WORKED:
        raise StatusLinkGone
    return StatusLink(mail=mail, lead=assignment.lead, step=checked, assignment=assignment)


REPORTED = "reported from the weekly status e-mail"


def status_step_record(*, link: StatusLink, lost_reason: str, now: datetime) -> Lead:
    """Record the link's step as the user the e-mail went to, through the portal's services
    (so the leads' transition path): contacted records a first contact (now, channel
    "other"); won, lost and nurture record the first contact first if there was none, then
    the outcome; still working is a note in the lead's history. Lost needs its reason."""
    user, lead_id, step = link.mail.user, link.lead.pk, link.step
    if step is StatusStep.LOST and lost_reason not in dict(LOST_REASONS):
        raise PartnerInputError("reason", "choose why the lead was lost")
    with transaction.atomic():
        lead = link.lead
        if step is StatusStep.STILL_WORKING or (
            step is StatusStep.CONTACTED and lead.status == LeadStatus.CONTACTED
        ):
            said = "still working on it" if step is StatusStep.STILL_WORKING else "contacted"
            events_record(
                [
                    event_build(
                        lead=lead,
                        kind=EventKind.NOTE,
                        actor=user,
                        now=now,
                        action=f"status_{step.value}",
                        reason=f"{said} ({REPORTED})",
                    )
                ]
            )
        else:
            if lead.status == LeadStatus.CLAIMED:
                lead = lead_contact_record(
                    lead_id=lead_id, user=user, channel="other", at=now, note=REPORTED, now=now
                )
            if step is not StatusStep.CONTACTED:
                outcome = {"won": "won", "lost": "lost", "nurture": "nurture"}[step.value]
                lead = lead_outcome_record(
                    lead_id=lead_id,
                    user=user,
                    outcome=outcome,
                    reason=lost_reason if step is StatusStep.LOST else "",
                    note=REPORTED,
                    now=now,
                )
        StatusAnswer.objects.create(mail=link.mail, lead_id=lead_id, user=user, step=step, at=now)
        StatusMail.objects.filter(pk=link.mail.pk, answered_at__isnull=True).update(answered_at=now)
        return lead
