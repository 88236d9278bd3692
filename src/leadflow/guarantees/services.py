"""Writes of the guarantee: terms, disputes, decisions and replacements.

DESIGN.md, "Hand-off": a client may dispute a delivered lead; QA decides; an upheld dispute owes
a replacement lead under the program's guarantee. Each function checks who may do it, locks the
rows it changes, and writes the lead's history (``disputed``, ``dispute_decided``,
``replacement`` events) in the same transaction.
"""

from collections.abc import Sequence
from datetime import date, datetime

from django.db import transaction

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.core.errors import DomainError, DomainRefused
from leadflow.core.guarantee import PeriodKind, dispute_deadline
from leadflow.delivery.models import Delivery, DeliveryItem
from leadflow.guarantees.models import (
    MAX_DISPUTE_WINDOW_DAYS,
    Dispute,
    DisputeStatus,
    GuaranteeTerms,
)
from leadflow.guarantees.selectors import (
    dispute_scope,
    guarantee_terms_for,
)
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.selectors import lead_scope
from leadflow.leads.services import event_build, event_record, events_record
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_list

REASON_MAX_LENGTH = 200
NOTE_MAX_LENGTH = 2000


class DisputeRefused(DomainRefused):
    """A dispute cannot be raised: not a client contact, lead not delivered, window closed,
    already disputed, an unknown reason, or the program's guarantee is off."""


class DecisionRefused(DomainRefused):
    """A dispute cannot be decided: not QA, no note, or already decided."""


class TermsInvalid(DomainError):
    """Guarantee terms that cannot be saved; the message says which value and why."""


@transaction.atomic
def dispute_raise(*, lead_id: int, user: User, reason: str, note: str, now: datetime) -> Dispute:
    """A client contact disputes a lead delivered to their client, within the program's window.

    Raises ``Lead.DoesNotExist`` for a lead the user does not see (another client's, or not
    delivered to them) and ``DisputeRefused`` for every rule that says no.
    """
    if not user_can(user, Capability.DISPUTES_RAISE):
        raise DisputeRefused("Only client contacts dispute delivered leads.")
    lead = lead_scope(user=user).select_for_update(of=("self",)).get(pk=lead_id)
    # What a delivery gave the client, whatever happened next (a program with both hand-offs
    # routes the lead on to a partner): the guarantee covers what was delivered.
    item = _delivery_item(lead)
    if item is None:
        raise DisputeRefused(f"Lead #{lead.pk} has not been delivered, so it cannot be disputed.")
    if Dispute.objects.filter(delivery_item=item).exists():
        raise DisputeRefused(f"Lead #{lead.pk} has already been disputed; a lead is disputed once.")
    terms = guarantee_terms_for(program=lead.program)
    if not terms.is_active:
        raise DisputeRefused(f"The guarantee of {lead.program} is off: no disputes are accepted.")
    timezone = lead.program.client.timezone
    delivered_at = item.delivery.created_at
    closes = dispute_deadline(delivered_at, days=terms.dispute_window_days, timezone=timezone)
    if now > closes:
        raise DisputeRefused(
            f"The dispute window of lead #{lead.pk} closed at {closes:%Y-%m-%d %H:%M} "
            f"({timezone}): {terms.dispute_window_days} days after its delivery."
        )
    reason = reason.strip()
    if reason not in terms.dispute_reasons:
        raise DisputeRefused(
            f"Choose one of the program's dispute reasons, not {reason or 'nothing'!r}."
        )
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise DisputeRefused(f"The note is longer than {NOTE_MAX_LENGTH} characters.")
    replaced = Dispute.objects.filter(replacement=item).values_list("ledger_at", flat=True).first()
    dispute = Dispute.objects.create(
        program=lead.program,
        delivery_item=item,
        raised_by=user,
        raised_at=now,
        reason=reason,
        note=note,
        ledger_at=replaced or delivered_at,
    )
    event_record(
        lead=lead,
        kind=EventKind.DISPUTED,
        actor=user,
        now=now,
        action="dispute",
        after={"dispute": DisputeStatus.OPEN.value, "reason": reason, "note": note},
        reason=f"{reason}: {note}" if note else reason,
    )
    return dispute


def _delivery_item(lead: Lead) -> DeliveryItem | None:
    return DeliveryItem.objects.select_related("delivery").filter(lead=lead).first()


@transaction.atomic
def dispute_decide(
    *, dispute_id: int, user: User, uphold: bool, note: str, now: datetime
) -> Dispute:
    """QA upholds or rejects an open dispute, with a note saying why.

    Upheld, the lead is invalid: it stays delivered (the client keeps it), the ledger stops
    counting it as valid, and the program owes a replacement that the next delivery fills.
    Raises ``Dispute.DoesNotExist`` out of the user's scope and ``DecisionRefused`` otherwise.
    """
    if not user_can(user, Capability.DISPUTES_DECIDE):
        raise DecisionRefused("Only QA reviewers and admins decide disputes.")
    dispute = (
        dispute_scope(user=user)
        .select_related("delivery_item__lead")
        .select_for_update(of=("self",))
        .get(pk=dispute_id)
    )
    if dispute.status != DisputeStatus.OPEN:
        raise DecisionRefused(
            f"Dispute #{dispute.pk} was already {dispute.get_status_display().lower()}."
        )
    note = note.strip()
    if not note:
        raise DecisionRefused("Say why: a decision needs a note.")
    if len(note) > NOTE_MAX_LENGTH:
        raise DecisionRefused(f"The note is longer than {NOTE_MAX_LENGTH} characters.")
    dispute.status = DisputeStatus.UPHELD if uphold else DisputeStatus.REJECTED
    dispute.decided_by = user
    dispute.decided_at = now
    dispute.decision_note = note
    dispute.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    after: dict[str, object] = {"dispute": dispute.status}
    if uphold:
        after["valid"] = False
    event_record(
        lead=dispute.delivery_item.lead,
        kind=EventKind.DISPUTE_DECIDED,
        actor=user,
        now=now,
        action="uphold" if uphold else "reject",
        before={"dispute": DisputeStatus.OPEN.value},
        after=after,
        reason=note,
    )
    return dispute


@transaction.atomic
def delivery_replacements_fill(*, delivery: Delivery, now: datetime) -> int:
    """Make the first leads of a new delivery the replacements the program owes.

    Called by the delivery service right after it built a delivery (batch or Hot). The program's
    upheld disputes without a replacement, oldest decision first, take the delivery's items in
    position order; each replacing lead gets a ``replacement`` event. Returns how many were
    filled. The disputes are locked with SKIP LOCKED, so two deliveries built at the same time
    never fill one dispute twice (the second takes the disputes the first did not lock).
    """
    items = list(
        DeliveryItem.objects.filter(
            delivery=delivery, replaced_dispute__isnull=True, dispute__isnull=True
        ).order_by("position", "id")
    )
    if not items:
        return 0
    disputes = list(
        Dispute.objects.filter(
            program_id=delivery.program_id, status=DisputeStatus.UPHELD, replacement__isnull=True
        )
        .exclude(delivery_item__delivery=delivery)
        .select_related("delivery_item")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("decided_at", "id")[: len(items)]
    )
    pairs = list(zip(disputes, items, strict=False))
    for dispute, item in pairs:
        dispute.replacement = item
        dispute.replaced_at = now
    Dispute.objects.bulk_update([dispute for dispute, _ in pairs], ["replacement", "replaced_at"])
    events_record(
        [
            event_build(
                lead_id=item.lead_id,
                kind=EventKind.REPLACEMENT,
                action="replace",
                actor=delivery.created_by,
                now=now,
                after={
                    "replaces_lead": dispute.delivery_item.lead_id,
                    "dispute": dispute.pk,
                    "delivery": delivery.number,
                },
                reason=f"Replaces lead #{dispute.delivery_item.lead_id} "
                f"(dispute #{dispute.pk}: {dispute.reason})",
            )
            for dispute, item in pairs
        ]
    )
    return len(pairs)


@transaction.atomic
def guarantee_terms_save(
    *,
    program: Program,
    user: User,
    leads_per_period: int,
    period: PeriodKind,
    dispute_window_days: int,
    dispute_reasons: Sequence[str],
    is_active: bool,
    now: datetime,
    starts_on: date | None = None,
) -> GuaranteeTerms:
    """Save a program's guarantee terms (sales managers and admins of the program).

    The terms are not versioned: the ledger applies the saved number to every period from
    ``starts_on``. Disputes already raised keep the reason they were given.
    """
    if not user_can(user, Capability.GUARANTEES_EDIT_TERMS):
        raise TermsInvalid("Only sales managers and admins change guarantee terms.")
    program = program_list(user=user).select_for_update(of=("self",)).get(pk=program.pk)
    if leads_per_period < 0:
        raise TermsInvalid("Valid leads per period cannot be negative.")
    if not 1 <= dispute_window_days <= MAX_DISPUTE_WINDOW_DAYS:
        raise TermsInvalid(
            f"The dispute window is between 1 and {MAX_DISPUTE_WINDOW_DAYS} days, "
            f"not {dispute_window_days}."
        )
    reasons = terms_reasons_clean(dispute_reasons)
    terms = GuaranteeTerms.objects.filter(program=program).first() or GuaranteeTerms(
        program=program
    )
    terms.leads_per_period = leads_per_period
    terms.period = PeriodKind(period).value
    terms.starts_on = starts_on
    terms.dispute_window_days = dispute_window_days
    terms.dispute_reasons = reasons
    terms.is_active = is_active
    terms.updated_at = now
    terms.updated_by = user
    terms.save()
    return terms


def terms_reasons_clean(reasons: Sequence[str]) -> list[str]:
    """The reasons as saved: trimmed, blanks and repeats (ignoring case) dropped, in order."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for reason in reasons:
        text = " ".join(reason.split())
        if not text or text.casefold() in seen:
            continue
        if len(text) > REASON_MAX_LENGTH:
            raise TermsInvalid(
                f"A dispute reason is at most {REASON_MAX_LENGTH} characters: {text[:40]!r}…"
            )
        seen.add(text.casefold())
        cleaned.append(text)
    if not cleaned:
        raise TermsInvalid("Give at least one dispute reason.")
    return cleaned
