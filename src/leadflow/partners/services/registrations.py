"""Deal registration (issue 20, item 4): a partner's user (a reseller's or a field sales
executive's) registers a prospect it found itself.

The prospect comes in through intake's capture path (``lead_capture``: the same normalisation,
de-duplication and qualification as every channel), channel ``sales_prospecting``. Before it is
captured, under the same advisory locks as every capture of the program, the registration is
checked against the program's leads: a prospect the program already knows (held by a partner,
registered by one, in qualification or waiting for a partner, or closed) is refused with the
reason, and the refusal never says who holds it; nothing of the inquiry is merged into the lead
it matched. Two partners registering the same prospect at once: the locks admit one capture at
a time, so exactly one is accepted and the other finds the first one's lead.

An accepted registration keeps the prospect for the registering partner for the program's
protection period (``RegistrationTerms``, 90 days by default): when QA approves the lead, it is
handed to that partner with the usual SLA clocks (``handlers``) instead of being routed. Where
the program says so, a manager approves or rejects each registration first; until then the
approved lead waits, and a rejected one is routed as any other.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from leadflow.accounts.models import User
from leadflow.core.dedupe import assess
from leadflow.core.enums import Channel
from leadflow.core.errors import DomainRefused
from leadflow.core.lifecycle import CLOSED, PARTNER_HELD, PRE_HAND_OFF, LeadStatus
from leadflow.core.normalise.lead import RawLead
from leadflow.intake.services.capture import (
    dedupe_candidates,
    dedupe_lock,
    dedupe_rule,
    lead_capture,
)
from leadflow.intake.services.prepare import Submission, submission_prepare
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.services import event_build, events_record
from leadflow.lib.events import announce
from leadflow.partners.models import (
    DEFAULT_PROTECTION_DAYS,
    Assignment,
    Partner,
    Registration,
    RegistrationStatus,
    RegistrationTerms,
)
from leadflow.partners.services.portal import PartnerInputError
from leadflow.partners.services.protected import registered_hand_over
from leadflow.partners.services.routing import leads_route
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_published_criteria

REFUSED_HELD = "This prospect is already being worked by a partner: it cannot be registered."
REFUSED_REGISTERED = (
    "This prospect is already registered: it is protected for the partner that registered it."
)
REFUSED_PIPELINE = (
    "This prospect is already in the pipeline (being qualified or waiting for a partner): "
    "it cannot be registered."
)
REFUSED_CLOSED = (
    "This prospect is already known and its case was closed: ask your partner manager "
    "to reopen it rather than registering it again."
)
REFUSED_YOURS = "Your organisation already holds or has registered this prospect."

#: Each refusal's class, as the reports count refusals (by class: none names who holds it).
REFUSAL_CLASSES: dict[str, str] = {
    REFUSED_HELD: "held",
    REFUSED_REGISTERED: "registered",
    REFUSED_PIPELINE: "pipeline",
    REFUSED_CLOSED: "closed",
    REFUSED_YOURS: "own",
}


def refusal_class(reason: str) -> str:
    """The class of a refused registration's reason (``pipeline`` for a reason of old)."""
    return REFUSAL_CLASSES.get(reason, "pipeline")


@dataclass(frozen=True)
class Prospect:
    """What a partner tells about the prospect it found."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    title: str = ""
    company: str = ""
    website: str = ""
    country: str = ""
    state: str = ""
    postal_code: str = ""
    city: str = ""
    note: str = ""
    #: Answers to the program's qualifying questions the partner already knows.
    answers: dict[str, Any] = field(default_factory=dict)


class RegistrationDecided(DomainRefused):
    """The registration is no longer waiting for a manager's decision."""


def registration_terms(program: Program) -> RegistrationTerms:
    """The program's terms (its defaults when none were set), unsaved if defaults."""
    found = RegistrationTerms.objects.filter(program=program).first()
    return found or RegistrationTerms(
        program=program, protection_days=DEFAULT_PROTECTION_DAYS, approval_required=False
    )


def registration_terms_set(
    *, program: Program, protection_days: int, approval_required: bool
) -> RegistrationTerms:
    if not 1 <= protection_days <= 730:
        raise PartnerInputError("protection_days", "between 1 and 730 days")
    terms, _ = RegistrationTerms.objects.update_or_create(
        program=program,
        defaults={"protection_days": protection_days, "approval_required": approval_required},
    )
    return terms


def _refusal(lead_id: int, partner: Partner, now: datetime) -> str:
    """Why a prospect the program already knows cannot be registered, in words that name no
    one (the partner learns that it is known, not by whom)."""
    lead = Lead.objects.only("status").get(pk=lead_id)
    registered = Registration.objects.filter(
        lead_id=lead_id,
        status__in=[RegistrationStatus.ACCEPTED, RegistrationStatus.PENDING],
    ).values_list("partner_id", "status", "protected_until")
    holder = (
        Assignment.objects.active()
        .filter(lead_id=lead_id)
        .values_list("partner_id", flat=True)
        .first()
    )
    status = LeadStatus(lead.status)
    if holder == partner.pk or any(p == partner.pk for p, _, _ in registered):
        return REFUSED_YOURS
    if holder is not None and status in PARTNER_HELD:
        return REFUSED_HELD
    if any(s == RegistrationStatus.PENDING or (u and u > now) for _, s, u in registered):
        return REFUSED_REGISTERED
    if status in CLOSED:
        return REFUSED_CLOSED
    if status in PRE_HAND_OFF or status in PARTNER_HELD:
        return REFUSED_PIPELINE
    return REFUSED_PIPELINE  # delivered, nurturing: the program works it already


def _contact(prospect: Prospect) -> str:
    name = f"{prospect.first_name} {prospect.last_name}".strip()
    return ", ".join(p for p in (name, prospect.email.strip(), prospect.phone.strip()) if p)[:300]


def deal_register(
    *, partner: Partner, program: Program, prospect: Prospect, user: User, now: datetime
) -> Registration:
    """Register ``prospect`` for ``partner`` in ``program`` (a partner program of the partner's
    client: the caller found it in the partner's scope). Returns the registration: accepted
    (protected until ``protected_until``), pending a manager's decision, or refused with its
    reason. Bad input is ``IntakeRejected`` (nothing written)."""
    assert program.client_id == partner.client_id, "the caller checks the program's scope"
    note = prospect.note.strip()
    if len(note) > 2000:
        raise PartnerInputError("note", "at most 2,000 characters")
    submission = Submission(
        raw=RawLead(
            first_name=prospect.first_name,
            last_name=prospect.last_name,
            email=prospect.email,
            phone=prospect.phone,
            title=prospect.title,
            company=prospect.company,
            website=prospect.website,
            country=prospect.country,
            state=prospect.state,
            postal_code=prospect.postal_code,
            city=prospect.city,
        ),
        channel=Channel.SALES_PROSPECTING,
        campaign="Deal registration",
        profile={
            "registered_by_partner": partner.name,
            **({"registration_note": note} if note else {}),
        },
        answers=dict(prospect.answers),
    )
    published = program_published_criteria(program=program)
    prepared = submission_prepare(program=program, submission=submission, published=published)
    rule = dedupe_rule(program)
    terms = registration_terms(program)
    base = {
        "partner": partner,
        "program": program,
        "registered_by": user,
        "registered_at": now,
        "company": prepared.data.company[:200],
        "contact": _contact(prospect),
        "note": note,
    }
    with transaction.atomic():
        dedupe_lock(program=program, keys=[prepared.keys], rule=rule)
        candidates = dedupe_candidates(program=program, keys=[prepared.keys], rule=rule)
        match = assess(prepared.keys, candidates, rule).match
        if match is not None:
            refused = Registration.objects.create(
                **base,
                lead_id=match.id,
                status=RegistrationStatus.REFUSED,
                reason=_refusal(match.id, partner, now),
                decided_at=now,
            )
            # No entry in the matched lead's history (its holder would read who asked):
            # the apps that count registrations are told instead.
            announce("partners.registration_refused", lead_ids=[match.id])
            return refused
        capture = lead_capture(
            program=program, submission=submission, actor=user, now=now, published=published
        )
        if terms.approval_required:
            registration = Registration.objects.create(
                **base, lead=capture.lead, status=RegistrationStatus.PENDING
            )
            said = f"registered by {partner.name} as its own prospect: waiting for a manager"
        else:
            registration = Registration.objects.create(
                **base,
                lead=capture.lead,
                status=RegistrationStatus.ACCEPTED,
                decided_at=now,
                protected_until=now + timedelta(days=terms.protection_days),
            )
            said = (
                f"registered by {partner.name} as its own prospect: protected for "
                f"{terms.protection_days} days"
            )
        events_record(
            [
                event_build(
                    lead=capture.lead,
                    kind=EventKind.NOTE,
                    actor=user,
                    now=now,
                    action="deal_registered",
                    reason=said,
                )
            ]
        )
        return registration


def registration_decide(
    *, registration: Registration, approve: bool, user: User, reason: str, now: datetime
) -> Registration:
    """A manager approves (protection starts now) or rejects (the lead is the program's like
    any other) a pending registration; a rejection needs a reason. An approved registration
    whose lead QA approved meanwhile is handed to its partner at once; a rejected one's lead
    is routed."""
    reason = reason.strip()
    if not approve and not reason:
        raise PartnerInputError("reason", "say why the registration is rejected")
    with transaction.atomic():
        locked = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("partner", "program", "lead")
            .get(pk=registration.pk)
        )
        if locked.status != RegistrationStatus.PENDING:
            raise RegistrationDecided("this registration was already decided")
        terms = registration_terms(locked.program)
        locked.decided_by = user
        locked.decided_at = now
        locked.reason = reason
        if approve:
            locked.status = RegistrationStatus.ACCEPTED
            locked.protected_until = now + timedelta(days=terms.protection_days)
            said = (
                f"registration by {locked.partner.name} approved: protected for "
                f"{terms.protection_days} days"
            )
        else:
            locked.status = RegistrationStatus.REJECTED
            said = f"registration by {locked.partner.name} rejected: {reason}"
        locked.save(
            update_fields=["status", "decided_by", "decided_at", "reason", "protected_until"]
        )
        assert locked.lead is not None
        events_record(
            [
                event_build(
                    lead=locked.lead,
                    kind=EventKind.NOTE,
                    actor=user,
                    now=now,
                    action="registration_decided",
                    reason=said + (f" ({reason})" if approve and reason else ""),
                )
            ]
        )
        waiting = (
            locked.lead.status == LeadStatus.APPROVED
            and not Assignment.objects.active().filter(lead_id=locked.lead.pk).exists()
        )
        if waiting and approve:
            registered_hand_over(lead_ids=[locked.lead.pk], now=now)
        elif waiting:
            leads_route(lead_ids=[locked.lead.pk], now=now)
        return locked
